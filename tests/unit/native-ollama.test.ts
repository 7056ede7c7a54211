/**
 * The native placement as registered for dev (real Pulumi.dev.yaml, mocks): three command
 * resources split so that a model change re-runs only the pull, a server setting change only the
 * server (update = restart), and the backend waits for all three.
 */
import { Rendered, RenderedResource, RenderResult, renderStack, renderStackInChildProcess } from "../../tools/render";
import { scriptHash, scriptResults } from "../../components/ollama/scripts";
import { NATIVE_GPU_SCRIPTS, NATIVE_MODEL_SCRIPTS, NATIVE_SERVER_SCRIPTS } from "../../components/ollama/native";
import { fallbackHostUrl, listenAddress } from "../../components/ollama/environment";
import { OLLAMA_TESTED_VERSION } from "../../components/ollama/version";

const LOCAL_COMMAND = "command:local:Command";
let r: Rendered;
let server: RenderedResource;
let model: RenderedResource;
let gpu: RenderedResource;
const env = (res: RenderedResource) => (res.inputs.environment ?? {}) as Record<string, string>;

beforeAll(async () => {
    r = new Rendered(await renderStack({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" } }));
    const byRole = (role: string) => r.ofType(LOCAL_COMMAND).find((c) => c.name.endsWith(`-${role}`)) as RenderedResource;
    [server, model, gpu] = [byRole("server"), byRole("model"), byRole("gpu")];
});

test("server: start, restart on update, stop on delete; scripts by relative path", () => {
    expect(server.inputs.create).toBe("sh components/ollama/scripts/native-start.sh");
    expect(server.inputs.update).toBe("sh components/ollama/scripts/native-restart.sh");
    expect(server.inputs.delete).toBe("sh components/ollama/scripts/native-stop.sh");
    expect(server.inputs.addPreviousOutputInEnv).toBe(true);
    // Triggers make the provider replace (create the new server before deleting the old one): none here.
    expect(server.inputs.triggers).toBeUndefined();
    expect(env(server).RAG_OLLAMA_SCRIPTS_HASH).toMatch(/^[0-9a-f]{16}$/);
    expect(server.deleteBeforeReplace).toBe(true);
});

test("server environment: auto bind on the configured port, the frontend's origin, keep-alive, models, per-stack label and state", () => {
    expect(env(server)).toMatchObject({
        OLLAMA_HOST: "auto:11434",
        OLLAMA_ORIGINS: "http://localhost:3000",
        OLLAMA_KEEP_ALIVE: "24h",
        RAG_OLLAMA_LABEL: "local.rag-stack.dev.ollama",
        RAG_OLLAMA_READY_TIMEOUT: "60",
        RAG_OLLAMA_ADOPT: "false",
        RAG_OLLAMA_BINARY: "",
    });
    expect(env(server).RAG_OLLAMA_STATE_DIR).toMatch(/\/\.local\/state\/rag-stack\/dev$/);
    expect(env(server).OLLAMA_MODELS).toMatch(/\/\.ollama\/models$/);
    expect(Object.values(env(server))).not.toContain("*");
});

test("the server gets only the OLLAMA_* the stack decides: RAG_OLLAMA_SERVER_ENV names exactly those it sets", () => {
    const decided = Object.keys(env(server)).filter((k) => k.startsWith("OLLAMA_")).sort();
    expect(env(server).RAG_OLLAMA_SERVER_ENV.split(" ").sort()).toEqual(decided);
    expect(decided).toEqual(["OLLAMA_HOST", "OLLAMA_KEEP_ALIVE", "OLLAMA_MODELS", "OLLAMA_ORIGINS"]);
});

test("every preview and up runs the holder check (an invoke, not a resource), and the server waits for it", () => {
    const checks = (r.result.invokes ?? []).filter((i) => i.token === "command:local:run");
    expect(checks.map((c) => c.args.command)).toEqual(["sh components/ollama/scripts/native-check.sh"]);
    const { RAG_OLLAMA_SCRIPTS_HASH: _hash, RAG_OLLAMA_RUN_HASH: _run, ...settings } = env(server);
    expect(checks[0].args.environment).toEqual(settings);
    // Warnings only: who holds the port is not worth a line at every preview.
    expect(checks[0].args.logging).toBe("stderr");
    // No resource reads the check's output, so it can never change one.
    expect(JSON.stringify(r.ofType(LOCAL_COMMAND).map((c) => c.inputs))).not.toContain("native-check.sh");
});

test("the minimum ollama version reaches the server command and the check; it is left out of the run hash", () => {
    expect(env(server).RAG_OLLAMA_MIN_VERSION).toBe(OLLAMA_TESTED_VERSION);
    const checks = (r.result.invokes ?? []).filter((i) => i.token === "command:local:run");
    expect((checks[0].args.environment as Record<string, string>).RAG_OLLAMA_MIN_VERSION).toBe(OLLAMA_TESTED_VERSION);
    expect(env(server).RAG_OLLAMA_RUN_HASH).toMatch(/^[0-9a-f]{16}$/);
    // Another minimum: the same run (no restart, no new GPU check), a changed environment (an update).
    const lower = new Rendered(renderStackInChildProcess({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" }, overrides: { "ollama.minVersion": "0.6.7" } }) as RenderResult);
    const lowerServer = lower.ofType(LOCAL_COMMAND).find((c) => c.name.endsWith("-server")) as RenderedResource;
    const lowerGpu = lower.ofType(LOCAL_COMMAND).find((c) => c.name.endsWith("-gpu")) as RenderedResource;
    expect(env(lowerServer).RAG_OLLAMA_MIN_VERSION).toBe("0.6.7");
    expect(env(lowerServer).RAG_OLLAMA_RUN_HASH).toBe(env(server).RAG_OLLAMA_RUN_HASH);
    expect(lowerServer.inputs.triggers).toBeUndefined();
    expect(lowerGpu.inputs.triggers).toEqual(gpu.inputs.triggers);
    // A server setting changes the run hash.
    const other = new Rendered(renderStackInChildProcess({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" }, overrides: { "ollama.keepAlive": "30m" } }) as RenderResult);
    const otherServer = other.ofType(LOCAL_COMMAND).find((c) => c.name.endsWith("-server")) as RenderedResource;
    expect(env(otherServer).RAG_OLLAMA_RUN_HASH).not.toBe(env(server).RAG_OLLAMA_RUN_HASH);
}, 60_000);

test("a model change cannot touch the server: the model is in the model and GPU commands only", () => {
    expect(JSON.stringify(server.inputs)).not.toContain("qwen2.5");
    expect(env(model).OLLAMA_MODEL).toBe("qwen2.5:7b-instruct-q8_0");
    expect(model.inputs.triggers).toContain("qwen2.5:7b-instruct-q8_0");
    expect(model.inputs.delete).toBeUndefined(); // models are never deleted
    expect("OLLAMA_HOST" in env(model)).toBe(false);
    expect(r.dependsOn(model, server)).toBe(true);
});

test("the GPU check re-runs on any native script change: server (through its restart), pull and check scripts", () => {
    const triggers = gpu.inputs.triggers as string[];
    expect(triggers).toContain(scriptHash(...NATIVE_MODEL_SCRIPTS));
    expect(triggers).toContain(scriptHash(...NATIVE_GPU_SCRIPTS));
    // The server's scripts reach it through the hash of the server's environment (RAG_OLLAMA_SCRIPTS_HASH in it);
    // tests/scripts/native-script-change.test.ts changes a server script and sees the triggers change.
    expect(env(server).RAG_OLLAMA_SCRIPTS_HASH).toBe(scriptHash(...NATIVE_SERVER_SCRIPTS));
});

test("GPU check after the model, enforcing the configured accelerator", () => {
    expect(gpu.inputs.create).toBe("sh components/ollama/scripts/native-gpu-check.sh");
    expect(env(gpu)).toMatchObject({ OLLAMA_MODEL: "qwen2.5:7b-instruct-q8_0", RAG_OLLAMA_ACCELERATOR: "metal", RAG_OLLAMA_KEEP_ALIVE: "24h" });
    expect(r.dependsOn(gpu, model)).toBe(true);
    // Before the server has run (mocks), its URL falls back to the configured address.
    expect(env(model).OLLAMA_URL).toBe("http://127.0.0.1:11434");
    expect(env(gpu).OLLAMA_URL).toBe("http://127.0.0.1:11434");
});

test("what the scripts report is parsed from their stdout; the URL falls back sensibly", () => {
    const out = "ollama-native: start: ...\n@ollama url=http://172.17.0.1:11434\n@ollama managed=pidfile:/s/ollama.pid\n@ollama processor=48%/52% CPU/GPU\n";
    expect(scriptResults(out)).toEqual({ url: "http://172.17.0.1:11434", managed: "pidfile:/s/ollama.pid", processor: "48%/52% CPU/GPU" });
    expect(scriptResults(undefined)).toEqual({});
    expect(fallbackHostUrl("auto", 11434)).toBe("http://127.0.0.1:11434");
    expect(fallbackHostUrl("0.0.0.0", 1)).toBe("http://127.0.0.1:1");
    expect(fallbackHostUrl("::", 1)).toBe("http://[::1]:1");
    expect(fallbackHostUrl("172.17.0.1", 1)).toBe("http://172.17.0.1:1");
    expect(listenAddress("::1", 5)).toBe("[::1]:5");
    expect(listenAddress("auto", 5)).toBe("auto:5");
});
