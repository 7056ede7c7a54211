/**
 * The container placement measures the GPU share after a warm-up, as the native one does:
 * container-gpu-check.sh run as a real process against the stand-in Ollama (a real server whose
 * /api/ps reports STANDIN_GPU_SHARE of the model in VRAM, and the stand-in `ollama run`/`ollama ps`
 * clients); `docker exec <container>` is a shim that runs the command here.
 */
import * as fs from "fs";
import * as path from "path";
import { answers, http, runCommand, Sandbox, scriptResults, STANDIN, waitFor } from "../scripts/support/native";
import { keepAliveAsDuration } from "../../components/validation/keep-alive";

const SCRIPT = "sh components/ollama/scripts/container-gpu-check.sh";
const CONTAINER = "rag-stack-prod-ollama";
const MODEL = "qwen2.5:7b-instruct-q8_0";
const boxes: Sandbox[] = [];

/** A stand-in server holding the model, whose loaded models sit `share` in VRAM, and the env to reach it. */
async function ollamaWithShare(share: string): Promise<Record<string, string>> {
    const sb = await new Sandbox().init();
    boxes.push(sb);
    fs.symlinkSync(STANDIN, path.join(sb.bin, "ollama"));
    sb.fake("docker", [
        "#!/bin/sh",
        '[ "$1" = exec ] || { echo "docker shim: only exec" >&2; exit 125; }',
        'shift; name=$1; shift',
        `[ "$name" = "${CONTAINER}" ] || { echo "Error response from daemon: No such container: $name" >&2; exit 1; }`,
        'exec "$@"',
        "",
    ].join("\n"));
    sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models, STANDIN_GPU_SHARE: share });
    if (!(await waitFor(() => answers(sb.url), 10_000))) throw new Error("stand-in did not start");
    expect((await http(`${sb.url}/api/pull`, { model: MODEL, stream: false })).status).toBe(200);
    return { ...sb.baseEnv(), OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_CONTAINER: CONTAINER, OLLAMA_MODEL: MODEL, RAG_OLLAMA_KEEP_ALIVE: "24h" };
}

afterAll(async () => {
    for (const sb of boxes) await sb.cleanup();
});

test("all in VRAM with nvidia: passes and reports processor=100% GPU, the model stays loaded", async () => {
    const env = await ollamaWithShare("1");
    const r = await runCommand(SCRIPT, { ...env, RAG_OLLAMA_ACCELERATOR: "nvidia" }, 30_000);
    expect(r.code).toBe(0);
    expect(scriptResults(r.stdout).processor).toBe("100% GPU");
    expect(r.stdout).toContain("gpu: nvidia: the whole model is on the GPU");
    const ps = await runCommand(`docker exec ${CONTAINER} ollama ps`, env, 10_000);
    expect(ps.stdout).toMatch(/hours? from now/);
}, 30_000);

test("half on the CPU with nvidia: up fails (exit 6) naming the share and what to check", async () => {
    const env = await ollamaWithShare("0.5");
    const r = await runCommand(SCRIPT, { ...env, RAG_OLLAMA_ACCELERATOR: "nvidia" }, 30_000);
    expect(r.code).toBe(6);
    expect(scriptResults(r.stdout).processor).toBe("50%/50% CPU/GPU");
    expect(r.stderr).toContain("runs 50%/50% CPU/GPU");
    expect(r.stderr).toContain("nvidia-smi");
    // accelerator cpu: the same share is reported, not enforced
    const cpu = await runCommand(SCRIPT, { ...env, RAG_OLLAMA_ACCELERATOR: "cpu" }, 30_000);
    expect(cpu.code).toBe(0);
    expect(scriptResults(cpu.stdout).processor).toBe("50%/50% CPU/GPU");
}, 30_000);

test("a model that cannot load: exit 6 with Ollama's message", async () => {
    const env = await ollamaWithShare("1");
    const r = await runCommand(SCRIPT, { ...env, OLLAMA_MODEL: "absent:model", RAG_OLLAMA_ACCELERATOR: "nvidia" }, 30_000);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('model "absent:model" not found');
}, 30_000);

test("the keep-alive reaches `ollama run --keepalive` as a Go duration: seconds alone are refused there, as the real client refuses them", async () => {
    const env = await ollamaWithShare("1");
    // What the stack passed before: the configured value as it is. `ollama run` parses it with time.ParseDuration.
    const bare = await runCommand(SCRIPT, { ...env, RAG_OLLAMA_KEEP_ALIVE: "300", RAG_OLLAMA_ACCELERATOR: "nvidia" }, 30_000);
    expect(bare.code).toBe(6);
    expect(bare.stderr).toContain('time: missing unit in duration "300"');
    // What the stack passes now (components/validation/keep-alive.ts).
    for (const keepAlive of ["300", "-1", "24h"]) {
        const r = await runCommand(SCRIPT, { ...env, RAG_OLLAMA_KEEP_ALIVE: keepAliveAsDuration(keepAlive), RAG_OLLAMA_ACCELERATOR: "nvidia" }, 30_000);
        expect([keepAlive, r.code]).toEqual([keepAlive, 0]);
    }
}, 60_000);
