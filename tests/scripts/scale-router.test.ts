/**
 * The scale stack's router config (Caddy native JSON), checked by the real `caddy validate`
 * (Debian's caddy package; CI installs it): it loads, and a broken one is refused, so the check
 * can fail. Routing itself is asserted on the rendered stack (scale-stack.test.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROUTER_HEALTH_PATH, routerConfig } from "../../components/kubernetes/router-config";

const routes = { listenPort: 8080, backend: "backend.rag-stack.svc.cluster.local:8000", frontend: "frontend.rag-stack.svc.cluster.local:3000", apiPrefix: "/api" };

function caddyValidate(config: unknown): { status: number | null; out: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-router-"));
    try {
        const file = path.join(dir, "router.json");
        fs.writeFileSync(file, JSON.stringify(config));
        const r = spawnSync("caddy", ["validate", "--config", file], { encoding: "utf8", timeout: 30_000, env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
        if (r.error) throw new Error(`caddy is not installed (apt-get install -y caddy): ${r.error.message}`);
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test("the router config is valid for the real caddy", () => {
    const r = caddyValidate(routerConfig(routes));
    expect(r.out).toContain("Valid configuration");
    expect(r.status).toBe(0);
});

test("a broken config is refused by the same check", () => {
    const broken = routerConfig(routes) as { apps: { http: { servers: { router: { routes: { handle: { handler: string }[] }[] } } } } };
    broken.apps.http.servers.router.routes[1].handle[1].handler = "reverse_proxyy";
    const r = caddyValidate(broken);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("reverse_proxyy");
});

test("routes: health answered by the router, the API prefix to the backend, the rest to the frontend, unbuffered", () => {
    const c = routerConfig(routes) as { apps: { http: { servers: { router: { listen: string[]; routes: { match?: { path: string[] }[]; handle: Record<string, unknown>[] }[] } } } } };
    const server = c.apps.http.servers.router;
    expect(server.listen).toEqual([":8080"]);
    expect(server.routes.map((r) => r.match?.[0]?.path[0])).toEqual([ROUTER_HEALTH_PATH, "/api/*", undefined]);
    const proxies = server.routes.slice(1).map((r) => r.handle.find((h) => h.handler === "reverse_proxy"));
    expect(proxies.map((p) => p?.upstreams)).toEqual([[{ dial: routes.backend }], [{ dial: routes.frontend }]]);
    for (const p of proxies) expect(p?.flush_interval).toBe(-1);
});
