/**
 * On the real Docker engine, with the stand-in image (nothing can be pulled here):
 * - a rebuild under the same tag gives a new image ID, and a container made from the tag keeps
 *   the old one: why the stack runs a built image by its ID (issue 9, item 5);
 * - the backend's rendered health check (the default probe; busybox wget answers it here) makes a
 *   serving container healthy, and never a crash-looping or wrong-path one, which is what the
 *   provider's `wait` turns into a failed `up` (issue 9, item 15).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";

jest.setTimeout(180_000);

let image: string;
let rendered: Rendered;
const builtIds: string[] = [];
const context = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-e2e-build-"));
const tag = `rag-stack-e2e-app-${RUN_ID}:dev`;

beforeAll(async () => {
    requireDockerEngine();
    image = await ensureStandinImage();
    rendered = new Rendered(await renderStack({ stack: "dev", secrets: { neo4jPassword: "e2e-password-1" } }));
});

afterAll(() => {
    const problems = removeRunObjects();
    for (const id of builtIds) {
        try { docker(["image", "rm", "-f", id]); } catch (err) { problems.push((err as Error).message); }
    }
    fs.rmSync(context, { recursive: true, force: true });
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
});

function build(content: string): string {
    fs.writeFileSync(path.join(context, "Dockerfile"), `FROM ${image}\nCOPY build.txt /build.txt\n`);
    fs.writeFileSync(path.join(context, "build.txt"), content);
    docker(["build", "--quiet", "--label", `${E2E_LABEL}=${RUN_ID}`, "--tag", tag, context], 120_000);
    const id = docker(["image", "inspect", "--format", "{{.Id}}", tag]);
    builtIds.push(id);
    return id;
}

test("a rebuild keeps the tag and changes the ID; a container made from the tag keeps running the old build", () => {
    const first = build("v1\n");
    const fromTag = `rag-stack-e2e-bytag-${RUN_ID}`;
    docker(["create", "--name", fromTag, "--label", `${E2E_LABEL}=${RUN_ID}`, tag, "cat", "/build.txt"]);
    const second = build("v2\n");
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second).not.toBe(first);
    expect(docker(["image", "inspect", "--format", "{{.Id}}", tag])).toBe(second);
    // The tag moved; the container did not: only a new `image` input (the ID) replaces it.
    expect(docker(["inspect", "--format", "{{.Image}}", fromTag])).toBe(first);
    const byId = `rag-stack-e2e-byid-${RUN_ID}`;
    docker(["run", "--name", byId, "--label", `${E2E_LABEL}=${RUN_ID}`, second, "cat", "/build.txt"]);
    expect(docker(["logs", byId])).toBe("v2");
});

type Health = { tests: string[] };

/** Runs the stand-in image with the backend's rendered health command (checked every second here). */
function runWithRenderedHealth(name: string, command: string[]): string {
    const health = rendered.named("app-backend", "docker:index/container:Container").inputs.healthcheck as Health;
    expect(health.tests[0]).toBe("CMD-SHELL");
    docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`, "--restart", "unless-stopped",
        "--health-cmd", health.tests[1], "--health-interval", "1s", "--health-timeout", "5s", "--health-retries", "3",
        image, ...command]);
    return name;
}

async function healthAfter(name: string, seconds: number, stopWhen: (status: string) => boolean): Promise<string> {
    const deadline = Date.now() + seconds * 1000;
    let status = "";
    while (Date.now() < deadline) {
        status = docker(["inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", name]);
        if (stopWhen(status)) return status;
        await new Promise((r) => setTimeout(r, 500));
    }
    return status;
}

const server = (healthPath: string) => ["node", "-e",
    `require("http").createServer((q, s) => { s.statusCode = q.url === ${JSON.stringify(healthPath)} ? 200 : 404; s.end("x"); }).listen(8000, "0.0.0.0")`];

test("a backend answering on /health becomes healthy with the rendered probe", async () => {
    const name = runWithRenderedHealth(`rag-stack-e2e-healthy-${RUN_ID}`, server("/health"));
    expect(await healthAfter(name, 30, (s) => s === "healthy")).toBe("healthy");
});

test("a crash-looping backend never becomes healthy (the provider's wait then fails up)", async () => {
    const name = runWithRenderedHealth(`rag-stack-e2e-crashloop-${RUN_ID}`, ["sh", "-c", "echo 'backend: cannot reach neo4j' >&2; exit 1"]);
    expect(await healthAfter(name, 8, (s) => s === "healthy")).not.toBe("healthy");
    expect(Number(docker(["inspect", "--format", "{{.RestartCount}}", name]))).toBeGreaterThan(0);
});

test("a backend that answers 404 on its health path turns unhealthy", async () => {
    const name = runWithRenderedHealth(`rag-stack-e2e-wrongpath-${RUN_ID}`, server("/other"));
    expect(await healthAfter(name, 30, (s) => s === "unhealthy" || s === "healthy")).toBe("unhealthy");
});
