/**
 * The capacity check of the container placement on a real Docker engine: the exact command the
 * prod render registers for the droplet (remote.Command: `NAME='value' ... sh -s`, the script on
 * stdin) run here with the local engine in the droplet's place, against an Ollama container (the
 * stand-in image) that really answers `docker exec ... ollama list` and `ollama show --verbose`.
 * There is no GPU here: the container gets a one-line `nvidia-smi` that prints a memory total, the
 * only shim in this test.
 */
import { spawn } from "child_process";
import { Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";

jest.setTimeout(240_000);

const RENDERED_NAME = "rag-stack-prod-ollama";
const name = `rag-stack-capacity-e2e-${RUN_ID}`;
let create: string;
let stdin: string;
let model: string;

function runRemoteCommand(memoryMiB: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    docker(["exec", name, "sh", "-c", `printf '#!/bin/sh\\necho ${memoryMiB}\\n' > /usr/local/bin/nvidia-smi && chmod +x /usr/local/bin/nvidia-smi`]);
    // The droplet runs `create` with the script on stdin; here the local engine plays the droplet's.
    const command = create.split(`'${RENDERED_NAME}'`).join(`'${name}'`);
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`no exit within 60 s:\n${stdout}\n${stderr}`)); }, 60_000);
        child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
        child.stdin.end(stdin);
    });
}

beforeAll(async () => {
    requireDockerEngine();
    const image = await ensureStandinImage();
    const rendered = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "x-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_x" } }));
    const capacity = rendered.named("ollama-container-capacity", "command:remote:Command");
    create = String(capacity.inputs.create);
    stdin = String(capacity.inputs.stdin);
    model = (rendered.result.outputs as { ollamaModel: string }).ollamaModel;
    expect(create).toContain(`OLLAMA_CONTAINER='${RENDERED_NAME}'`);
    docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`,
        "-e", "OLLAMA_HOST=0.0.0.0:11434", "-e", `STANDIN_PRELOADED_MODELS=${model}`, image, "ollama", "serve"]);
    for (let i = 0; i < 100; i++) {
        try {
            docker(["exec", name, "ollama", "ps"], 5000);
            return;
        } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    throw new Error(`the Ollama container did not answer within 10 s:\n${docker(["logs", name])}`);
});
afterAll(() => { removeRunObjects(); });

test("prod's model fits a 20 GiB card: the budget from the container's own answers", async () => {
    const r = await runRemoteCommand(20475);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`capacity: ${model}: qwen2, 28 layers, 4 KV heads of 128, context up to 32768, 8100000000 bytes of weights`);
    expect(r.stdout).toContain("@ollama budget=8.1 GB weights + 1 × 4096 × 56 KiB = 0.2 GB KV (f16) + 1.1 GB overhead = 9.4 GB");
    expect(r.stdout).toContain("(nvidia-smi: 1 GPU(s), 20475 MiB): fits");
});

test("and is refused on an 8 GiB card, with the arithmetic", async () => {
    const r = await runRemoteCommand(8192);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`rag-stack:ollama: ${model} with numParallel 1 and contextLength 4096 does not fit the GPU: ` +
        "8.1 GB weights + 1 × 4096 × 56 KiB = 0.2 GB KV (f16) + 1.1 GB overhead = 9.4 GB > 8.6 GB usable (nvidia-smi: 1 GPU(s), 8192 MiB)");
});
