/**
 * App containers have health checks and `up` waits for them: backend on its healthPath, frontend
 * on its path, each command replaceable in the config. (tests/e2e/app-health.test.ts runs the
 * rendered check in a real container, healthy and crash-looping.)
 */
import { defaultHealthCommand } from "../../components/app-health";
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER } from "./support/containers";

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
