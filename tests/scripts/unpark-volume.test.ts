/**
 * Unparking finds the model on the volume: the readiness script and the model script, run as real
 * processes the way a new droplet runs them, pull nothing when the models volume already holds the
 * model. The volume is a directory that outlives two stand-in Ollama servers (the droplet before
 * parking, the droplet after); `docker`, `cloud-init` and `nvidia-smi` are small fakes on PATH that
 * record their calls, `docker exec <container> ollama ...` runs the stand-in's CLI against the
 * current server. The stand-in counts the model bytes it serves (STANDIN_BYTES_SERVED_FILE).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HostStandin, STANDIN, startHostStandin } from "../e2e/support/standin-host";
import { freePort } from "../e2e/support/app-stub";

// Real processes: seconds each on a busy machine.
jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, "../..");
const PULL_SCRIPT = path.join(ROOT, "components/ollama/scripts/container-pull-model.sh");
const READY_SCRIPT = path.join(ROOT, "components/hosts/scripts/gpu-ready.sh");
const MODEL = "qwen2.5:7b-instruct-q8_0";
const MODEL_BYTES = 8098048000;

let dir: string;
let volume: string;
let bin: string;
let calls: string;
let server: HostStandin | undefined;

function fake(name: string, body: string): void {
    const file = path.join(bin, name);
    fs.writeFileSync(file, `#!/bin/sh\nset -eu\necho "${name} $*" >>"$FAKE_CALLS"\n${body}\n`, { mode: 0o755 });
}

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-unpark-"));
    volume = path.join(dir, "volume", "ollama");
    bin = path.join(dir, "bin");
    calls = path.join(dir, "calls.log");
    fs.mkdirSync(volume, { recursive: true });
    fs.mkdirSync(bin);
    fake("docker", [
        'case "$1" in',
        "    info) printf 'Server Version: 27.5.1\\n Runtimes: io.containerd.runc.v2 nvidia runc\\n' ;;",
        "    run) echo 'GPU 0: NVIDIA RTX 4000 Ada Generation (UUID: GPU-standin)' ;;",
        '    exec) shift 2; [ "$1" = ollama ] || exit 64; shift; exec node "$STANDIN" "$@" ;;',
        '    *) echo "fake docker: unexpected $*" >&2; exit 64 ;;',
        "esac",
    ].join("\n"));
    fake("cloud-init", "echo 'status: done'");
    fake("nvidia-smi", "echo 'NVIDIA RTX 4000 Ada Generation, 20475 MiB, 570.124.06'");
});

afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

/** A droplet's Ollama: a stand-in server whose model store is the volume, counting the bytes it serves. */
async function bootDroplet(label: string): Promise<{ url: string; bytesFile: string }> {
    const bytesFile = path.join(dir, `${label}.bytes`);
    server = await startHostStandin("127.0.0.1", await freePort(), { OLLAMA_MODELS: volume, STANDIN_BYTES_SERVED_FILE: bytesFile, STANDIN_PULL_STEP_MS: "1" });
    return { url: server.url, bytesFile };
}

function run(script: string, env: Record<string, string>, ollamaUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("sh", [script], {
            env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: dir, FAKE_CALLS: calls, STANDIN, OLLAMA_HOST: ollamaUrl, ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("error", reject);
        child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    });
}

const bytes = (file: string) => Number(fs.readFileSync(file, "utf8").trim());
const readyMarker = () => {
    const marker = path.join(dir, "ready");
    fs.writeFileSync(marker, "2026-11-25T14:00:00Z\n");
    return marker;
};
const pullEnv = { OLLAMA_CONTAINER: "rag-stack-prod-ollama", OLLAMA_MODEL: MODEL };
const readyEnv = () => ({ READY_MARKER: readyMarker(), GPU_CHECK_IMAGE: "ollama/ollama:0.12.6" });

test("first droplet: the empty volume gets the model, the whole model is downloaded once", async () => {
    const first = await bootDroplet("first");
    const ready = await run(READY_SCRIPT, readyEnv(), first.url);
    expect(ready.code).toBe(0);
    const pull = await run(PULL_SCRIPT, pullEnv, first.url);
    expect(pull.stdout).toContain(`model: pulling ${MODEL}`);
    expect(pull.code).toBe(0);
    expect(bytes(first.bytesFile)).toBe(MODEL_BYTES);
    expect(fs.readdirSync(path.join(volume, "manifests"))).toEqual(["registry.ollama.ai"]);
    await server?.stop();
    server = undefined;
});

test("parked, then unparked on a new droplet with the same volume: readiness and the model script pull 0 bytes", async () => {
    fs.writeFileSync(calls, "");
    const second = await bootDroplet("second");
    const ready = await run(READY_SCRIPT, readyEnv(), second.url);
    expect(ready.code).toBe(0);
    expect(ready.stdout.trimEnd().split("\n").pop()).toBe("gpu: NVIDIA RTX 4000 Ada Generation, 20475 MiB, 570.124.06");
    const pull = await run(PULL_SCRIPT, pullEnv, second.url);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(`model: ${MODEL} already present, nothing to pull`);
    expect(bytes(second.bytesFile)).toBe(0);
    // What ran on the "droplet": readiness's docker info and the --gpus all container, then `ollama list` only.
    const dockerCalls = fs.readFileSync(calls, "utf8").split("\n").filter((l) => l.startsWith("docker "));
    expect(dockerCalls).toEqual([
        "docker info",
        "docker run --rm --gpus all --entrypoint nvidia-smi ollama/ollama:0.12.6 -L",
        "docker exec rag-stack-prod-ollama ollama list",
    ]);
    expect(server?.log() ?? "").not.toMatch(/pulling /);
});

test("the stand-in's counter is real: an absent model on the same server costs its bytes", async () => {
    const before = bytes(path.join(dir, "second.bytes"));
    const pull = await run(PULL_SCRIPT, { ...pullEnv, OLLAMA_MODEL: "llama3.2:3b" }, server?.url ?? "");
    expect(pull.code).toBe(0);
    expect(bytes(path.join(dir, "second.bytes"))).toBe(before + MODEL_BYTES);
});
