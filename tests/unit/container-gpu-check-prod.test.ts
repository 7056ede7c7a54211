/**
 * prod (real Pulumi.prod.yaml, mocks): after the model pull, a GPU check runs on the droplet over
 * SSH, the backend waits for it, and its `@ollama processor=` line becomes the ollamaProcessor
 * output (before: always undefined for a container placement).
 */
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER } from "./support/containers";

const REMOTE_COMMAND = "command:remote:Command";
let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "prod-password-1", digitaloceanToken: "do-token" } }));
});

test("the GPU check runs on the droplet after the pull with the accelerator and keep-alive; the backend waits for it", () => {
    const check = r.named("ollama-container-gpu-check", REMOTE_COMMAND);
    expect(check.inputs.create).toBe(
        "OLLAMA_CONTAINER='rag-stack-prod-ollama' OLLAMA_MODEL='qwen2.5:7b-instruct-q8_0' RAG_OLLAMA_ACCELERATOR='nvidia' RAG_OLLAMA_KEEP_ALIVE='24h' sh -s");
    expect(String(check.inputs.stdin)).toContain("ollama ps");
    expect(String(check.inputs.stdin)).toContain("@ollama processor=");
    expect(r.dependsOn(check, r.named("ollama-container-model", REMOTE_COMMAND))).toBe(true);
    expect(r.dependsOn(r.named("app-backend", CONTAINER), check)).toBe(true);
    // A new container, model, accelerator or script re-runs it.
    const triggers = check.inputs.triggers as string[];
    expect(triggers).toEqual(expect.arrayContaining(["qwen2.5:7b-instruct-q8_0", "nvidia", "24h"]));
    expect(triggers).toHaveLength(5);
});
