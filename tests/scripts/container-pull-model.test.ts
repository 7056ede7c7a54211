/**
 * The container placement's model pull, run as a real process against the stand-in Ollama (a real
 * server and the stand-in `ollama pull`, which redraws its progress every few ms with cursor moves
 * as the real client does every 100 ms). `docker exec <container>` is a shim that runs the command
 * here. The pull's raw output floods; what the script prints (and the command provider keeps) is a
 * few plain lines.
 */
import * as fs from "fs";
import * as path from "path";
import { answers, runCommand, Sandbox, STANDIN, waitFor } from "../scripts/support/native";

const SCRIPT = "sh components/ollama/scripts/container-pull-model.sh";
const CONTAINER = "rag-stack-dev-ollama";
const MODEL = "qwen2.5:7b-instruct-q8_0";
let sb: Sandbox;
let env: Record<string, string>;

beforeAll(async () => {
    sb = await new Sandbox().init();
    fs.symlinkSync(STANDIN, path.join(sb.bin, "ollama"));
    sb.fake("docker", [
        "#!/bin/sh",
        "# docker exec NAME CMD...: runs CMD here, as the engine would run it in the container",
        '[ "$1" = exec ] || { echo "docker shim: only exec" >&2; exit 125; }',
        'shift; name=$1; shift',
        `[ "$name" = "${CONTAINER}" ] || { echo "Error response from daemon: No such container: $name" >&2; exit 1; }`,
        'exec "$@"',
        "",
    ].join("\n"));
    sb.spawn(STANDIN, ["serve"], {
        OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models,
        STANDIN_PULL_STEPS: "200", STANDIN_PULL_STEP_MS: "5", STANDIN_PULL_FAIL: "missing:model",
    });
    if (!(await waitFor(() => answers(sb.url), 10_000))) throw new Error("stand-in did not start");
    env = { ...sb.baseEnv(), OLLAMA_HOST: `127.0.0.1:${sb.port}`, STANDIN_PROGRESS_MS: "2", OLLAMA_CONTAINER: CONTAINER, OLLAMA_MODEL: MODEL };
}, 20_000);

afterAll(async () => {
    await sb?.cleanup();
});

test("the raw `ollama pull` output is a flood of redraws (what the provider would keep without the filter)", async () => {
    const raw = await runCommand(`docker exec ${CONTAINER} ollama pull other:model`, env, 30_000);
    expect(raw.code).toBe(0);
    const redraws = raw.stderr.split("\x1b[1G").length - 1;
    expect(redraws).toBeGreaterThan(100);
});

test("the pull prints one line per status and per 10% of a layer, no escape sequences", async () => {
    const r = await runCommand(SCRIPT, env, 30_000);
    expect(r.code).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).not.toMatch(/\x1b|\r/);
    const lines = out.trimEnd().split("\n");
    console.log(`container pull: ${lines.length} lines, ${Buffer.byteLength(out)} bytes:\n${out}`);
    expect(lines.length).toBeLessThanOrEqual(20);
    const layer = lines.filter((l) => /^model: pulling [0-9a-f]{12} \d+%/.test(l));
    expect(layer.length).toBeGreaterThanOrEqual(2);
    expect(layer.length).toBeLessThanOrEqual(11);
    expect(layer[layer.length - 1]).toMatch(/ 100% \(/);
    expect(lines.filter((l) => l === "model: pulling manifest")).toHaveLength(1);
    expect(lines).toContain("model: writing manifest");
    expect(lines[lines.length - 1]).toBe(`model: ${MODEL} pulled`);
});

test("present: nothing pulled", async () => {
    const r = await runCommand(SCRIPT, env, 30_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`model: ${MODEL} already present, nothing to pull`);
    expect(r.stdout).not.toContain("pulling manifest");
});

test("a failed pull exits 1 with Ollama's message, in a few lines", async () => {
    const r = await runCommand(SCRIPT, { ...env, OLLAMA_MODEL: "missing:model" }, 30_000);
    expect(r.code).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain("model: Error: pull model manifest: file does not exist");
    expect(out).toContain("pulling missing:model failed");
    expect(out).not.toMatch(/\x1b/);
    expect(out.trimEnd().split("\n").length).toBeLessThanOrEqual(8);
});

test("a container that is not there: exit 1 saying how to check", async () => {
    const r = await runCommand(SCRIPT, { ...env, OLLAMA_CONTAINER: "no-such-ollama" }, 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("docker ps --filter name=no-such-ollama");
});


