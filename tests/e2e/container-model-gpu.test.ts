/**
 * The prod model pull and GPU check exactly as rendered (remote commands: `sh -s` with the script
 * on stdin), run on this machine playing the droplet: a real `docker exec` into an Ollama container
 * made from the prod render (the stand-in image in place of ollama/ollama; no GPU here, so the
 * share is the stand-in's STANDIN_GPU_SHARE). The pull's progress is redrawn every 100 ms as the
 * real client does; the figures are printed.
 */
import { spawn } from "child_process";
import { Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { createNetwork, docker, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { CONTAINER_TYPE, containerSpec, ContainerSpec, runRenderedContainer } from "./support/rendered-containers";

jest.setTimeout(180_000);

let rendered: Rendered;
let image: string;
let ollama: ContainerSpec;
let networkNames: Record<string, string>;
const name = `rag-stack-prod-ollama-e2e-${RUN_ID}`;

async function startOllama(knobs: Record<string, string>): Promise<void> {
    try { docker(["rm", "-f", name]); } catch { /* first start */ }
    runRenderedContainer(ollama, { name, image, command: ["ollama", "serve"], networkNames, extraEnv: knobs });
    for (let i = 0; i < 100; i++) {
        try { docker(["exec", name, "ollama", "ps"], 5000); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    throw new Error(`the Ollama container did not answer:\n${docker(["logs", name])}`);
}

/** Runs a rendered remote.Command here: its `create` line by sh, its stdin piped in, the container name swapped for this run's. */
function runRendered(resource: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const cmd = rendered.named(resource, "command:remote:Command");
    const create = String(cmd.inputs.create).replace("'rag-stack-prod-ollama'", `'${name}'`);
    return new Promise((resolve) => {
        const child = spawn("/bin/sh", ["-c", create], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
        child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
        const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
        child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
        child.stdin.end(String(cmd.inputs.stdin));
    });
}

beforeAll(async () => {
    requireDockerEngine();
    rendered = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "e2e-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "e2e-not-a-token" } }));
    image = await ensureStandinImage();
    const network = rendered.named("app-network", "docker:index/network:Network").inputs.name as string;
    networkNames = { [network]: createNetwork(`${network}-e2e-${RUN_ID}`) };
    ollama = containerSpec(rendered.named("ollama-container", CONTAINER_TYPE));
});

afterAll(() => {
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
});

test("the rendered pull: a few plain lines where `ollama pull` redraws ten times a second", async () => {
    await startOllama({ STANDIN_PULL_STEPS: "150", STANDIN_PULL_STEP_MS: "20" });
    const raw = docker(["exec", name, "sh", "-c", "ollama pull other:model 2>&1"], 60_000);
    const redraws = raw.split("\x1b[1G").length - 1;
    const r = await runRendered("ollama-container-model");
    expect(r.code).toBe(0);
    const out = r.stdout + r.stderr;
    const lines = out.trimEnd().split("\n");
    console.log(`pull of an 8.1 GB model (stand-in, ~3 s): raw client output ${redraws} redraws / ${Buffer.byteLength(raw)} bytes; ` +
        `the rendered command keeps ${lines.length} lines / ${Buffer.byteLength(out)} bytes`);
    expect(redraws).toBeGreaterThan(20);
    expect(out).not.toMatch(/\x1b/);
    expect(lines.length).toBeLessThanOrEqual(20);
    expect(out).toMatch(/model: pulling [0-9a-f]{12} 100% \(8\.1 GB\/8\.1 GB\)/);
    expect(lines[lines.length - 1]).toBe("model: qwen2.5:7b-instruct-q8_0 pulled");
});

test("the rendered GPU check after the pull: 100% GPU passes and reports the processor; a partial share fails up", async () => {
    await startOllama({ STANDIN_PRELOADED_MODELS: "qwen2.5:7b-instruct-q8_0", STANDIN_GPU_SHARE: "1" });
    const ok = await runRendered("ollama-container-gpu-check");
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("@ollama processor=100% GPU");

    await startOllama({ STANDIN_PRELOADED_MODELS: "qwen2.5:7b-instruct-q8_0", STANDIN_GPU_SHARE: "0.7" });
    const partial = await runRendered("ollama-container-gpu-check");
    expect(partial.code).toBe(6);
    expect(partial.stdout).toContain("@ollama processor=30%/70% CPU/GPU");
    expect(partial.stderr).toContain("rag-stack:ollama.accelerator is nvidia, which needs 100% GPU");
});
