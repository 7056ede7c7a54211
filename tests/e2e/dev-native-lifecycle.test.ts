/**
 * dev wiring through the real native lifecycle: the rendered `ollama-native-server` command
 * (components/ollama/scripts/native-start.sh, `bindAddress: auto`) starts the stand-in as
 * `ollama serve`, the rendered model command pulls the model into it, and verify proves that the
 * backend container with the rendered env, hosts and network reaches it. Stopped with the rendered
 * delete command (native-stop.sh: by its pidfile, never by name).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { AppStub, freePort, startAppStub } from "./support/app-stub";
import { createNetwork, docker, E2E_LABEL, hostGatewayAddress, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { commandOf, runScript, ScriptRun, scriptResult } from "./support/native-scripts";
import { CONTAINER_TYPE, containerSpec, runRenderedContainer } from "./support/rendered-containers";
import { STANDIN } from "./support/standin-host";
import { row, runVerify, writeOutputsFile } from "./support/verify-cli";

jest.setTimeout(180_000);

const COMMAND = "command:local:Command";
let rendered: Rendered;
let dir: string;
let backendName: string;
let stub: AppStub;
let gateway: string;
let start: ScriptRun | undefined;
let image: string;

beforeAll(async () => {
    requireDockerEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-native-e2e-"));
    const port = await freePort();
    rendered = new Rendered(await renderStack({
        stack: "dev",
        secrets: { neo4jPassword: "e2e-password-1" },
        overrides: { "ollama.port": port, "ollama.binary": STANDIN, "ollama.stateDir": path.join(dir, "state"), "ollama.modelsDir": path.join(dir, "models") },
    }));
    image = await ensureStandinImage();
    gateway = hostGatewayAddress(image);
    const network = rendered.named("app-network", "docker:index/network:Network").inputs.name as string;
    const networkNames = { [network]: createNetwork(`${network}-e2e-${RUN_ID}`) };
    backendName = runRenderedContainer(containerSpec(rendered.named("app-backend", CONTAINER_TYPE)), {
        name: `rag-stack-dev-backend-native-e2e-${RUN_ID}`, image, command: ["sleep", "900"], networkNames,
    });
    stub = await startAppStub(["/health", "/"]);
});

afterAll(async () => {
    if (start) {
        const stop = commandOf(rendered.named("ollama-native-server", COMMAND), "delete");
        const r = await runScript(stop.command, { ...stop.environment, PULUMI_COMMAND_STDOUT: start.stdout }).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
        if (r.code !== 0) console.warn(`native-stop.sh failed (${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    await stub?.close();
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
    fs.rmSync(dir, { recursive: true, force: true });
});

test("native-start.sh binds the Docker bridge gateway on Linux; the model command pulls; verify passes rows 1-5", async () => {
    const server = commandOf(rendered.named("ollama-native-server", COMMAND), "create");
    expect(server.environment.OLLAMA_HOST).toMatch(/^auto:\d+$/);
    start = await runScript(server.command, { ...server.environment, STANDIN_TOKENS_PER_SECOND: "100" });
    expect({ code: start.code, stderr: start.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const url = scriptResult(start.stdout, "url");
    expect(url).toBe(`http://${gateway}:${server.environment.OLLAMA_HOST.split(":")[1]}`);

    // In a real `up` the model command gets the URL the server resource printed; under mocks that stdout is empty.
    const model = commandOf(rendered.named("ollama-native-model", COMMAND), "create");
    const pull = await runScript(model.command, { ...model.environment, OLLAMA_URL: url as string });
    expect(pull.code).toBe(0);

    const o = rendered.result.outputs as Record<string, unknown> & { containers: Record<string, unknown> };
    const run = await runVerify(["--outputs", writeOutputsFile({
        ...o, ollamaUrlFromHost: url, containers: { ...o.containers, backend: backendName },
        backendHealthUrl: `${stub.baseUrl}/health`, frontendUrl: `${stub.baseUrl}/`,
        // The backup rows read the real status directory (the droplet's over ssh): their own tests, tests/unit/verify-backup.test.ts and tests/scripts/verify-backup.test.ts.
        backup: undefined,
    }), "--bench", "2", "--skip", "neo4j", "--timeout", "5"]);
    expect(run.code).toBe(0);
    for (const n of [1, 2, 3, 4, 5, 7, 8]) expect(row(run.stdout, n)).toContain("PASS");
});

test("an old compose Ollama container publishing the port is named as a container (not taken for Ollama.app), by start and by the every-up check", async () => {
    const port = await freePort();
    const name = `rag-stack-compose-ollama-e2e-${RUN_ID}`;
    docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`, "-p", `127.0.0.1:${port}:11434`,
        "-e", "OLLAMA_HOST=0.0.0.0:11434", image, "ollama", "serve"]);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    const answers = () => fetch(`${url}/api/version`, { signal: AbortSignal.timeout(1000) }).then(async (r) => { await r.text(); return r.ok; }, () => false);
    while (Date.now() < deadline && !(await answers())) await new Promise((r) => setTimeout(r, 200));
    expect(await answers()).toBe(true);
    const server = commandOf(rendered.named("ollama-native-server", COMMAND), "create");
    const env = { ...server.environment, OLLAMA_HOST: `127.0.0.1:${port}`, RAG_OLLAMA_STATE_DIR: path.join(dir, "state-compose") };
    const res = await runScript(server.command, env);
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`container ${name} publishes port ${port}`);
    expect(res.stderr).toContain(`docker stop ${name}`);
    expect(res.stderr).not.toContain("quit Ollama.app");
    const checkArgs = (rendered.result.invokes ?? []).find((i) => String(i.args.command).endsWith("native-check.sh"))?.args as { command: string; environment: Record<string, string> };
    const check = await runScript(checkArgs.command, { ...checkArgs.environment, OLLAMA_HOST: `127.0.0.1:${port}`, RAG_OLLAMA_STATE_DIR: path.join(dir, "state-compose") });
    expect(check.code).toBe(4);
    expect(check.stderr).toContain(`container ${name} publishes port ${port}`);
    expect(docker(["inspect", "-f", "{{.State.Running}}", name])).toBe("true");
});
