/**
 * App containers have health checks and `up` waits for them: backend on its healthPath, frontend
 * on its path, each command replaceable in the config. (tests/e2e/app-health.test.ts runs the
 * rendered check in a real container, healthy and crash-looping.)
 */
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { defaultHealthCommand } from "../../components/app/health";
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER } from "../unit/support/containers";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        overrides: {
            "services.frontend.healthCommand": "test -f /usr/share/nginx/html/index.html",
            "services.backend.readyTimeoutSeconds": 240,
        },
    }));
});

type Health = { tests: string[]; interval: string; retries: number; startPeriod: string };

test("the backend is probed on its health path from inside its container, and up waits for it", () => {
    const backend = r.named("app-backend", CONTAINER);
    const health = backend.inputs.healthcheck as Health;
    expect(health.tests[0]).toBe("CMD-SHELL");
    expect(health.tests[1]).toBe(defaultHealthCommand(8000, "/health"));
    expect(health.tests[1]).toContain("http://127.0.0.1:8000/health");
    expect(backend.inputs.wait).toBe(true);
    expect(backend.inputs.waitTimeout).toBe(240);
});

test("the frontend too, with the configured command instead of the default probe", () => {
    const frontend = r.named("app-frontend", CONTAINER);
    expect((frontend.inputs.healthcheck as Health).tests).toEqual(["CMD-SHELL", "test -f /usr/share/nginx/html/index.html"]);
    expect(frontend.inputs.wait).toBe(true);
    expect(frontend.inputs.waitTimeout).toBe(180);
});

test("the default probe tries wget, curl, python3, node in turn and fails when none answers", () => {
    const cmd = defaultHealthCommand(3000, "/");
    const order = ["wget", "curl", "python3", "node", "exit 1"].map((tool) => cmd.indexOf(tool));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
});

/** Runs the default probe by /bin/sh with a PATH holding only `tool` (as an image with just that client). */
describe("the default probe, run for real with one HTTP client at a time", () => {
    const which = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
    const tools: [string, string][] = [
        ["wget", which("busybox") || "/bin/busybox"], ["curl", which("curl")], ["python3", spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim()], ["node", process.execPath],
    ];
    let server: http.Server;
    let port = 0;
    const bins: string[] = [];

    beforeAll(async () => {
        server = http.createServer((req, res) => { res.statusCode = req.url === "/health" ? 200 : 500; res.end("x"); });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
        await new Promise((r) => server.close(r));
        bins.forEach((b) => fs.rmSync(b, { recursive: true, force: true }));
    });

    /** Async: the HTTP server answers from this same process. */
    function probe(onlyTool: [string, string] | undefined, urlPath: string): Promise<number | null> {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "rag-probe-bin-"));
        bins.push(bin);
        if (onlyTool) fs.symlinkSync(onlyTool[1], path.join(bin, onlyTool[0]));
        return new Promise((resolve) => {
            execFile("/bin/sh", ["-c", defaultHealthCommand(port, urlPath)], { env: { PATH: bin }, timeout: 15_000 },
                (err) => resolve(err ? (err as { code?: number | string }).code as number : 0));
        });
    }

    test.each(tools)("with only %s: healthy on 200, unhealthy on 500", async (name, file) => {
        if (!file || !fs.existsSync(file)) throw new Error(`${name} is not installed here (${file})`);
        expect(await probe([name, file], "/health")).toBe(0);
        expect(await probe([name, file], "/broken")).toBe(1);
    });

    test("with no client at all: unhealthy (exit 1), never healthy by accident", async () => {
        expect(await probe(undefined, "/health")).toBe(1);
    });
});
