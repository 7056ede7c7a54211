/**
 * The Kubernetes placement's pod scripts, run as real processes against the stand-in `ollama`
 * (tests/fixtures/ollama) exactly as the pod runs them (`sh /scripts/<file>`, `ollama` on PATH):
 * the init step pulls a missing model and nothing when it is on the volume, and always stops the
 * temporary server it started; the probe is ready only with the model loaded and 100% on the GPU.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/render";
import { freePort } from "./support/native";

const STANDIN = path.join(PROJECT_ROOT, "tests", "fixtures", "ollama");
const SCRIPTS = path.join(PROJECT_ROOT, "components", "ollama", "scripts");
const MODEL = "qwen2.5:7b-instruct-q8_0";

let dir: string;
let bin: string;
const servers: ChildProcess[] = [];


function refuses(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect({ port, host: "127.0.0.1" });
        s.once("connect", () => { s.destroy(); resolve(false); });
        s.once("error", () => resolve(true));
    });
}

function runScript(file: string, env: Record<string, string>, timeout = 30_000): { status: number | null; out: string; ms: number } {
    return runShell(["sh", path.join(SCRIPTS, file)], env, timeout);
}

/** A command as a kubelet exec probe runs it: no terminal, stdin empty. */
function runShell(argv: string[], env: Record<string, string>, timeout: number): { status: number | null; out: string; ms: number } {
    const started = Date.now();
    const r = spawnSync(argv[0], argv.slice(1), {
        env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, TMPDIR: dir, ...env },
        encoding: "utf8",
        input: "",
        timeout,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - started };
}

/** Starts a streamed generation and resolves once its first token arrived: it then holds a slot. */
function holdSlot(port: number, tokens: number): Promise<http.ClientRequest> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: "/api/generate", method: "POST", headers: { "content-type": "application/json" } }, (res) => {
            res.once("data", () => resolve(req));
            res.on("error", () => undefined);
        });
        req.on("error", reject);
        req.end(JSON.stringify({ model: MODEL, prompt: "Tell a long story.", stream: true, options: { num_predict: tokens } }));
    });
}

async function startServer(port: number, env: Record<string, string>): Promise<void> {
    const child = spawn(STANDIN, ["serve"], { env: { ...process.env, OLLAMA_HOST: `127.0.0.1:${port}`, ...env }, stdio: "ignore" });
    servers.push(child);
    for (let i = 0; i < 100; i++) {
        if (!(await refuses(port))) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("stand-in server did not start");
}

beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-k8s-scripts-"));
    bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(STANDIN, path.join(bin, "ollama"));
});

afterEach(async () => {
    for (const child of servers.splice(0)) {
        if (child.exitCode === null && child.pid) {
            child.kill("SIGTERM");
            await new Promise((r) => child.once("exit", r));
        }
    }
    fs.rmSync(dir, { recursive: true, force: true });
});

describe("k8s-pull-model.sh (init container)", () => {
    test("a missing model is pulled onto the volume, then the temporary server is stopped", async () => {
        const port = await freePort();
        const requests = path.join(dir, "requests.log");
        const models = path.join(dir, "models");
        const r = runScript("k8s-pull-model.sh", {
            OLLAMA_MODEL: MODEL, OLLAMA_MODELS: models, OLLAMA_PULL_HOST: `127.0.0.1:${port}`, STANDIN_REQUEST_LOG: requests,
        });
        expect(r.out).toContain(`model: pulling ${MODEL}`);
        expect(r.out).toContain(`model: ${MODEL} pulled`);
        expect(r.status).toBe(0);
        expect(fs.readFileSync(requests, "utf8")).toMatch(/^POST \/api\/pull/m);
        expect(fs.existsSync(path.join(models, "manifests", "registry.ollama.ai", "library", "qwen2.5", "7b-instruct-q8_0"))).toBe(true);
        // The client's progress redraws stay out of the pod's log: a few lines, not one per redraw.
        expect(r.out.trim().split("\n").length).toBeLessThanOrEqual(3);
        expect(await refuses(port)).toBe(true);
    });

    test("a model already on the volume is not pulled again (a restarted or upgraded pod downloads nothing)", async () => {
        const port = await freePort();
        const requests = path.join(dir, "requests.log");
        const env = { OLLAMA_MODEL: MODEL, OLLAMA_MODELS: path.join(dir, "models"), OLLAMA_PULL_HOST: `127.0.0.1:${port}` };
        expect(runScript("k8s-pull-model.sh", env).status).toBe(0);
        const again = runScript("k8s-pull-model.sh", { ...env, STANDIN_REQUEST_LOG: requests });
        expect(again.status).toBe(0);
        expect(again.out).toContain(`model: ${MODEL} already on this pod's volume, nothing to pull`);
        expect(fs.readFileSync(requests, "utf8")).not.toContain("/api/pull");
        expect(await refuses(port)).toBe(true);
    });

    test("a failed pull fails the init step with Ollama's message, and still stops the temporary server", async () => {
        const port = await freePort();
        const r = runScript("k8s-pull-model.sh", {
            OLLAMA_MODEL: MODEL, OLLAMA_MODELS: path.join(dir, "models"), OLLAMA_PULL_HOST: `127.0.0.1:${port}`,
            STANDIN_PULL_FAIL: "*", STANDIN_PULL_ERROR: "pull model manifest: file does not exist",
        });
        expect(r.status).toBe(1);
        expect(r.out).toContain(`model: pulling ${MODEL} failed:`);
        expect(r.out).toContain("pull model manifest: file does not exist");
        expect(await refuses(port)).toBe(true);
    });

    test("a server that never answers fails the step after the timeout, with its log", async () => {
        const port = await freePort();
        const r = runScript("k8s-pull-model.sh", {
            OLLAMA_MODEL: MODEL, OLLAMA_MODELS: path.join(dir, "models"), OLLAMA_PULL_HOST: `127.0.0.1:${port}`,
            OLLAMA_PULL_TIMEOUT: "1", STANDIN_STARTUP_DELAY_MS: "5000",
        });
        expect(r.status).toBe(1);
        expect(r.out).toContain("did not answer within 1s");
        expect(await refuses(port)).toBe(true);
    });
});

describe("k8s-model-ready.sh (startup and readiness probe)", () => {
    test("ready when the model loads 100% on the GPU; it loads the model itself when keep-alive unloaded it", async () => {
        const port = await freePort();
        await startServer(port, { STANDIN_PRELOADED_MODELS: MODEL, OLLAMA_MODELS: path.join(dir, "models"), STANDIN_GPU_SHARE: "1" });
        const r = runScript("k8s-model-ready.sh", { OLLAMA_MODEL: MODEL, OLLAMA_HOST: `127.0.0.1:${port}` });
        expect(r.out).toContain(`ready: ${MODEL} loaded, 100% GPU`);
        expect(r.status).toBe(0);
    });

    test("not ready when part of the model sits on the CPU: the probe prints the ps line", async () => {
        const port = await freePort();
        await startServer(port, { STANDIN_PRELOADED_MODELS: MODEL, OLLAMA_MODELS: path.join(dir, "models"), STANDIN_GPU_SHARE: "0.6" });
        const r = runScript("k8s-model-ready.sh", { OLLAMA_MODEL: MODEL, OLLAMA_HOST: `127.0.0.1:${port}` });
        expect(r.status).toBe(1);
        expect(r.out).toMatch(/ready: qwen2\.5:7b-instruct-q8_0 is not 100% GPU: .*40%\/60% CPU\/GPU/);
    });

    test("not ready when the model is not on the volume, and the probe downloads nothing (`ollama run` would pull it)", async () => {
        const port = await freePort();
        const requests = path.join(dir, "requests.log");
        await startServer(port, { OLLAMA_MODELS: path.join(dir, "models"), STANDIN_REQUEST_LOG: requests });
        const r = runScript("k8s-model-ready.sh", { OLLAMA_MODEL: MODEL, OLLAMA_HOST: `127.0.0.1:${port}` });
        expect(r.status).toBe(1);
        expect(r.out).toContain(`ready: ${MODEL} is not on this pod's volume`);
        expect(fs.readFileSync(requests, "utf8")).not.toMatch(/\/api\/(pull|generate)/);
    });

    test("a busy slot does not hold the probe: with the one parallel slot taken by a long answer, it loads and answers at once", async () => {
        const port = await freePort();
        const requests = path.join(dir, "requests.log");
        // One slot (OLLAMA_NUM_PARALLEL 1), 5 tokens/s: a 150-token answer holds it for 30 s.
        await startServer(port, {
            STANDIN_PRELOADED_MODELS: MODEL, OLLAMA_MODELS: path.join(dir, "models"), STANDIN_GPU_SHARE: "1",
            STANDIN_PARALLEL_SLOTS: "1", STANDIN_TOKENS_PER_SECOND: "5", STANDIN_REQUEST_LOG: requests,
        });
        const env = { OLLAMA_MODEL: MODEL, OLLAMA_HOST: `127.0.0.1:${port}` };
        const user = await holdSlot(port, 150);
        try {
            // The slot is really taken: the load the probe used to send (`ollama run M ""`, prompt " ") queues behind it.
            const before = runShell(["sh", "-c", 'ollama run "$OLLAMA_MODEL" ""'], env, 3000);
            expect(before.status).toBeNull();
            expect(before.ms).toBeGreaterThanOrEqual(2900);

            const probe = runScript("k8s-model-ready.sh", env, 10_000);
            expect(probe.out).toContain(`ready: ${MODEL} loaded, 100% GPU`);
            expect(probe.status).toBe(0);
            expect(probe.ms).toBeLessThan(3000);
            // Its load reached the server as a generate request (with an empty prompt, which takes no slot).
            expect(fs.readFileSync(requests, "utf8").match(/^POST \/api\/generate$/gm)?.length).toBeGreaterThanOrEqual(3);
        } finally {
            user.destroy();
        }
    }, 30_000);
});
