/**
 * prod wiring on a real Docker engine: Ollama as a container on the app network with alias
 * `ollama` (the stand-in in place of the pinned ollama/ollama image, without `gpus: all`: there is
 * no GPU here), the backend as a container with the env, hosts and network the prod render
 * registers. Ollama's port is not published, so verify reaches it only through the containers.
 */
import { Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { AppStub, startAppStub } from "./support/app-stub";
import { createNetwork, docker, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { CONTAINER_TYPE, containerSpec, ContainerSpec, envOf, runRenderedContainer } from "./support/rendered-containers";
import { row, rowBlock, runVerify, writeOutputsFile } from "./support/verify-cli";

jest.setTimeout(180_000);

let rendered: Rendered;
let image: string;
let networkNames: Record<string, string>;
let backend: ContainerSpec;
let ollama: ContainerSpec;
let backendName: string;
const ollamaName = `rag-stack-prod-ollama-e2e-${RUN_ID}`;
let stub: AppStub;
let healthPath: string;
let frontendPath: string;
let model: string;

/** (Re)creates the Ollama container from the render, with stand-in knobs; waits (bounded) until its server answers. */
async function startOllamaContainer(knobs: Record<string, string>): Promise<void> {
    docker(["rm", "-f", ollamaName]);
    runRenderedContainer(ollama, { name: ollamaName, image, command: ["ollama", "serve"], networkNames, extraEnv: { STANDIN_PRELOADED_MODELS: model, ...knobs } });
    for (let i = 0; i < 100; i++) {
        try {
            docker(["exec", ollamaName, "ollama", "ps"], 5000);
            return;
        } catch {
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    throw new Error(`the Ollama container did not answer within 10 s:\n${docker(["logs", ollamaName])}`);
}

beforeAll(async () => {
    requireDockerEngine();
    rendered = new Rendered(await renderStack({
        stack: "prod",
        secrets: { neo4jPassword: "e2e-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "e2e-not-a-token" },
    }));
    image = await ensureStandinImage();
    const network = rendered.named("app-network", "docker:index/network:Network").inputs.name as string;
    networkNames = { [network]: createNetwork(`${network}-e2e-${RUN_ID}`) };
    ollama = containerSpec(rendered.named("ollama-container", CONTAINER_TYPE));
    backend = containerSpec(rendered.named("app-backend", CONTAINER_TYPE));
    const outputs = rendered.result.outputs as { backendHealthUrl: string; frontendUrl: string; ollamaModel: string };
    model = outputs.ollamaModel;
    healthPath = new URL(outputs.backendHealthUrl).pathname;
    frontendPath = new URL(outputs.frontendUrl).pathname;
    await startOllamaContainer({ STANDIN_TOKENS_PER_SECOND: "60" });
    backendName = runRenderedContainer(backend, { name: `rag-stack-prod-backend-e2e-${RUN_ID}`, image, command: ["sleep", "900"], networkNames });
    stub = await startAppStub([healthPath, frontendPath]);
});

afterAll(async () => {
    await stub?.close();
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
});

/** The rendered outputs, pointed at this run's containers, the local engine and the app stub. */
function outputsFile(): string {
    const o = rendered.result.outputs as Record<string, unknown> & { containers: Record<string, unknown> };
    return writeOutputsFile({
        ...o,
        dockerHost: "unix:///var/run/docker.sock",
        containers: { ...o.containers, backend: backendName, ollama: ollamaName },
        backendHealthUrl: `${stub.baseUrl}${healthPath}`,
        frontendUrl: `${stub.baseUrl}${frontendPath}`,
        // The front door's rows probe the public address (a documentation IP in the render): they
        // have their own tests (unit: loopback servers; e2e: prod-front-door).
        frontDoor: undefined,
        // Likewise the health URL (the public name of the render) and the alerts (the stack file sets
        // no destination, which that row fails on): tests/unit/verify-alerts.test.ts, tests/scripts/verify-scale.test.ts.
        healthUrl: undefined,
        alerts: undefined,
        // The backup rows read the real status directory (the droplet's over ssh): their own tests, tests/unit/verify-backup.test.ts and tests/scripts/verify-backup.test.ts.
        backup: undefined,
    });
}

test("the prod render wires the backend to the Ollama container by its alias, with no host mapping and no URL from the host", () => {
    expect(envOf(backend, "OLLAMA_BASE_URL")).toBe("http://ollama:11434");
    expect(backend.hosts).toEqual([]);
    expect(ollama.networks.flatMap((n) => n.aliases ?? [])).toContain("ollama");
    expect(envOf(ollama, "OLLAMA_HOST")).toBe("0.0.0.0:11434");
    expect(rendered.result.outputs.ollamaUrlFromHost).toBeUndefined();
});

test("prod wiring: the backend container reaches http://ollama:11434; rows 3-5 run through it; verify passes", async () => {
    const run = await runVerify(["--outputs", outputsFile(), "--bench", "2", "--gpu", "L40S", "--skip", "neo4j", "--timeout", "5"]);
    console.log(run.stdout);
    expect(run.code).toBe(0);
    for (const n of [1, 2, 3, 4, 5, 7, 8]) expect(row(run.stdout, n)).toContain("PASS");
    expect(row(run.stdout, 1)).toContain(`inside ${ollamaName}`);
    expect(row(run.stdout, 2)).toContain("at http://ollama:11434 via");
    expect(rowBlock(run.stdout, 5)).toContain(`from inside ${backendName}`);
    expect(rowBlock(run.stdout, 5)).toContain("ceiling on NVIDIA L40S (--gpu): 864 GB/s / 8.1 GB = 106.7 tok/s");
});

test("failure injection (JSON): no GPU in the Ollama container -> gpu-share fails with the NVIDIA cause, ok false", async () => {
    await startOllamaContainer({ STANDIN_GPU_SHARE: "0" });
    const run = await runVerify(["--outputs", outputsFile(), "--json", "--quiet", "--skip", "neo4j,http", "--timeout", "5"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { id: string; status: string; cause?: string; data?: { processor?: string; client?: string } }[] };
    expect(report.ok).toBe(false);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId["ollama-from-backend"].status).toBe("pass");
    expect(byId["model-present"].status).toBe("pass");
    expect(byId["gpu-share"]).toMatchObject({ status: "fail", data: { processor: "100% CPU" } });
    expect(byId["gpu-share"].cause).toContain("the Ollama container sees no NVIDIA GPU");
});

test("failure injection: the Ollama container stopped -> row 1 and row 2 say so, Ollama rows not run, exit 1", async () => {
    docker(["stop", "-t", "1", ollamaName]);
    const run = await runVerify(["--outputs", outputsFile(), "--skip", "neo4j,http", "--timeout", "5"]);
    expect(run.code).toBe(1);
    expect(rowBlock(run.stdout, 1)).toContain("FAIL");
    expect(rowBlock(run.stdout, 1)).toContain(`docker logs ${ollamaName}`);
    const block = rowBlock(run.stdout, 2);
    expect(block).toContain("FAIL");
    expect(block).toContain('the network alias "ollama" does not resolve');
    expect(row(run.stdout, 3)).toContain("not run: Ollama could not be reached");
});
