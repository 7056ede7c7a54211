/**
 * dev wiring on a real Docker engine: Ollama native (the stand-in as a process on this machine,
 * bound to the Docker bridge gateway as `bindAddress: auto` does on Linux), the backend as a
 * container with the env, hosts and network the dev render registers. verify proves the backend
 * reaches OLLAMA_BASE_URL from inside, and reports each injected failure precisely.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { closedLoopbackPort, freePort, startAppStub, AppStub } from "./support/app-stub";
import { createNetwork, hostGatewayAddress, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { CONTAINER_TYPE, containerSpec, ContainerSpec, envOf, runRenderedContainer } from "./support/rendered-containers";
import { HostStandin, startHostStandin } from "./support/standin-host";
import { row, rowBlock, runVerify, writeOutputsFile } from "./support/verify-cli";

jest.setTimeout(180_000);

let rendered: Rendered;
let port: number;
let gateway: string;
let backend: ContainerSpec;
let backendName: string;
let stub: AppStub;
let standin: HostStandin | undefined;
let healthPath: string;
let frontendPath: string;
let model: string;

beforeAll(async () => {
    requireDockerEngine();
    port = await freePort();
    rendered = new Rendered(await renderStack({ stack: "dev", secrets: { neo4jPassword: "e2e-password-1" }, overrides: { "ollama.port": port } }));
    const image = await ensureStandinImage();
    gateway = hostGatewayAddress(image);
    const network = rendered.named("app-network", "docker:index/network:Network").inputs.name as string;
    const networkNames = { [network]: createNetwork(`${network}-e2e-${RUN_ID}`) };
    backend = containerSpec(rendered.named("app-backend", CONTAINER_TYPE));
    backendName = runRenderedContainer(backend, { name: `rag-stack-dev-backend-e2e-${RUN_ID}`, image, command: ["sleep", "900"], networkNames });
    const outputs = rendered.result.outputs as { backendHealthUrl: string; frontendUrl: string; ollamaModel: string };
    healthPath = new URL(outputs.backendHealthUrl).pathname;
    frontendPath = new URL(outputs.frontendUrl).pathname;
    model = outputs.ollamaModel;
    stub = await startAppStub([healthPath, frontendPath]);
});

afterAll(async () => {
    await standin?.stop();
    await stub?.close();
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
});

/** The rendered outputs, pointed at this run's backend container, app stub, and the URL Ollama actually bound. */
function outputsFile(ollamaUrlFromHost: string, extra: Record<string, unknown> = {}): string {
    const o = rendered.result.outputs as Record<string, unknown> & { containers: Record<string, unknown> };
    return writeOutputsFile({
        ...o,
        ollamaUrlFromHost,
        containers: { ...o.containers, backend: backendName },
        backendHealthUrl: `${stub.baseUrl}${healthPath}`,
        frontendUrl: `${stub.baseUrl}${frontendPath}`,
        // The backup rows read the real status directory (the droplet's over ssh): their own tests, tests/unit/verify-backup.test.ts and tests/scripts/verify-backup.test.ts.
        backup: undefined,
        ...extra,
    });
}

async function restartStandin(address: string, env: Record<string, string>): Promise<HostStandin> {
    await standin?.stop();
    standin = await startHostStandin(address, port, { STANDIN_PRELOADED_MODELS: model, ...env });
    return standin;
}

test("the dev render wires the backend to the host: OLLAMA_BASE_URL on host.docker.internal, host-gateway mapping", () => {
    expect(envOf(backend, "OLLAMA_BASE_URL")).toBe(`http://host.docker.internal:${port}`);
    expect(backend.hosts).toEqual([{ host: "host.docker.internal", ip: "host-gateway" }]);
});

test("dev wiring: native Ollama on the bridge gateway answers the backend container; verify passes rows 1-5, 7, 8", async () => {
    const s = await restartStandin(gateway, { STANDIN_TOKENS_PER_SECOND: "30" });
    const run = await runVerify(["--outputs", outputsFile(s.url), "--bench", "3", "--gpu", "M1 Max", "--skip", "neo4j", "--timeout", "5"]);
    fs.writeFileSync(path.join(os.tmpdir(), "rag-stack-verify-dev-sample.txt"), run.stdout);
    console.log(run.stdout);
    expect(run.code).toBe(0);
    for (const n of [1, 2, 3, 4, 5, 7, 8]) expect(row(run.stdout, n)).toContain("PASS");
    expect(row(run.stdout, 2)).toContain(`at http://host.docker.internal:${port} via`);
    expect(row(run.stdout, 4)).toContain("100% GPU");
    // The stand-in paces its tokens at 30/s and reports the durations it really took.
    const decode = Number(/decode (\d+\.\d) tok\/s/.exec(rowBlock(run.stdout, 5))?.[1]);
    expect(decode).toBeGreaterThan(20);
    expect(decode).toBeLessThanOrEqual(30.5);
    expect(rowBlock(run.stdout, 5)).toMatch(/ceiling on Apple M1 Max \(--gpu\): 400 GB\/s \/ 8\.1 GB = 49\.4 tok\/s; achieved [4-6]\d%/);
    expect(row(run.stdout, 6)).toContain("skip");
    expect(run.stderr).toContain("benchmark run 3/3");
});

test("the seed's lesson 4 for real: Ollama bound to 127.0.0.1 answers the host but not the container; row 2 says how to bind it", async () => {
    const s = await restartStandin("127.0.0.1", {});
    const run = await runVerify(["--outputs", outputsFile(s.url), "--skip", "neo4j,http", "--timeout", "5"]);
    fs.writeFileSync(path.join(os.tmpdir(), "rag-stack-verify-lesson4-sample.txt"), run.stdout);
    expect(run.code).toBe(1);
    expect(row(run.stdout, 1)).toContain("PASS");
    const block = rowBlock(run.stdout, 2);
    expect(block).toContain("FAIL");
    expect(block).toMatch(/refused|ECONNREFUSED/i);
    expect(block).toContain("bound to 127.0.0.1 only");
    expect(block).toContain("bindAddress: auto");
    expect(block).toContain(`here OLLAMA_HOST=${gateway}:${port}`);
});

test("failure injection: model missing -> row 3 names the model and what is there; rows 4-5 not run; exit 1", async () => {
    const s = await restartStandin(gateway, { STANDIN_PRELOADED_MODELS: "llama3.2:1b" });
    const run = await runVerify(["--outputs", outputsFile(s.url), "--bench", "2", "--skip", "neo4j,http", "--timeout", "5"]);
    expect(run.code).toBe(1);
    expect(row(run.stdout, 2)).toContain("PASS");
    const block = rowBlock(run.stdout, 3);
    expect(block).toContain(`FAIL    ${model} not among 1 model(s): llama3.2:1b`);
    expect(block).toContain(`ollama pull ${model}`);
    expect(row(run.stdout, 4)).toContain("not run: the model is missing");
    expect(row(run.stdout, 5)).toContain("not run: the model is missing");
});

test("failure injection: CPU-only /api/ps with accelerator metal -> row 4 fails with 100% CPU and the cause; exit 1", async () => {
    const s = await restartStandin(gateway, { STANDIN_GPU_SHARE: "0" });
    const run = await runVerify(["--outputs", outputsFile(s.url), "--skip", "neo4j,http", "--timeout", "5"]);
    expect(run.code).toBe(1);
    const block = rowBlock(run.stdout, 4);
    expect(block).toContain("FAIL    100% CPU");
    expect(block).toContain("native Ollama does not use the Metal GPU");
});

test("failure injection: Ollama killed during the benchmark -> row 5 says which run failed and why; exit 1", async () => {
    const s = await restartStandin(gateway, { STANDIN_TOKENS_PER_SECOND: "40" });
    let killed = false;
    const run = await runVerify(["--outputs", outputsFile(s.url), "--bench", "4", "--skip", "neo4j,http", "--timeout", "5"], (line) => {
        if (!killed && line.includes("benchmark run 2/4")) {
            killed = true;
            setTimeout(() => s.kill(), 500);
        }
    });
    expect(killed).toBe(true);
    expect(run.code).toBe(1);
    const block = rowBlock(run.stdout, 5);
    expect(block).toMatch(/FAIL {4}run [23]\/4 failed after [12] good run\(s\)/);
    expect(block).toContain("Ollama stopped answering in the middle of the benchmark");
});

test("Neo4j: a real bolt connection attempt with nothing on the port -> row 6 fails with cause and fix", async () => {
    const bolt = `bolt://127.0.0.1:${await closedLoopbackPort()}`;
    const run = await runVerify(["--outputs", outputsFile("http://127.0.0.1:1", { neo4jBoltUrl: bolt }), "--skip", "ollama,backend-exec,http", "--timeout", "3"]);
    expect(run.code).toBe(1);
    const block = rowBlock(run.stdout, 6);
    expect(block).toContain("ServiceUnavailable");
    expect(block).toContain(`nothing answers bolt at ${bolt}`);
    expect(block).toContain("--skip neo4j");
});
