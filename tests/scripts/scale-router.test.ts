/**
 * The scale stack's router config (Caddy native JSON), checked by the real `caddy validate`
 * (Debian's caddy package; CI installs it): it loads, and a broken one is refused, so the check
 * can fail. Routing itself is asserted on the rendered stack (scale-stack.test.ts); the health
 * route is also served for real (below).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { healthScript } from "../../components/health/responder";
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

test.each([["without", undefined], ["with", { dial: "127.0.0.1:8081", answerTimeoutSeconds: 16 }]])("the router config is valid for the real caddy (%s the health route)", (_label, health) => {
    const r = caddyValidate(routerConfig({ ...routes, health }));
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

/**
 * The router with its health route, served by the real Caddy on loopback in front of a stub
 * backend and frontend and the real responder (busybox httpd running the script), as in a router
 * pod: /healthz answers the responder's JSON and never reaches the app; with the responder down
 * the router itself answers 503 JSON (not a bare 502); other paths keep their own error status.
 */
describe("the health route on the real Caddy", () => {
    const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p));
    const children: ChildProcess[] = [];
    const servers: http.Server[] = [];
    const seen: string[] = [];
    let dir: string;
    let routerPort: number;
    let responderPort: number;
    let frontend: http.Server;

    const freePort = async () => {
        const s = net.createServer();
        await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
        const p = (s.address() as net.AddressInfo).port;
        await new Promise((r) => s.close(r));
        return p;
    };
    const stub = async (role: string, answer: (req: http.IncomingMessage, res: http.ServerResponse) => void) => {
        const s = http.createServer((req, res) => { seen.push(`${role} ${req.method} ${req.url}`); answer(req, res); });
        servers.push(s);
        await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
        return s;
    };
    const get = (p: string, method = "GET") => new Promise<{ status: number; type?: string; body: string }>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: routerPort, path: p, method, timeout: 20_000 }, (res) => {
            let body = "";
            res.on("data", (d) => { body += d; });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
        });
        req.on("error", reject);
        req.end();
    });
    const startResponder = (env: Record<string, string>) => {
        const c = spawn(path.join(dir, "bin", "httpd"), ["-f", "-p", `127.0.0.1:${responderPort}`, "-h", path.join(dir, "www")],
            { env: { PATH: path.join(dir, "bin"), ...env }, stdio: "ignore" });
        children.push(c);
        return c;
    };
    let responder: ChildProcess;

    beforeAll(async () => {
        if (!busybox) throw new Error("busybox is not installed; install Debian's busybox-static (apt-get install busybox-static)");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-router-health-"));
        fs.mkdirSync(path.join(dir, "bin"));
        for (const a of ["sh", "wget", "awk", "grep", "timeout", "date", "stat", "sed", "tr", "cut", "paste", "tail", "head", "cat", "mkdir", "mktemp", "rm", "rmdir", "mv", "sleep", "httpd"]) {
            fs.symlinkSync(busybox, path.join(dir, "bin", a));
        }
        fs.mkdirSync(path.join(dir, "www", "cgi-bin"), { recursive: true });
        fs.writeFileSync(path.join(dir, "www", "cgi-bin", "healthz"), healthScript(), { mode: 0o555 });
        const backend = await stub("backend", (_req, res) => { res.writeHead(200); res.end("ok"); });
        const ollama = await stub("ollama", (req, res) => {
            res.writeHead(200, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ models: [{ name: "qwen2.5:7b", model: "qwen2.5:7b", size: 100, size_vram: 100, details: { families: ["qwen2"] } }] }));
        });
        frontend = await stub("frontend", (req, res) => { res.writeHead(200); res.end(`frontend ${req.url}`); });
        const portOf = (s: http.Server) => (s.address() as net.AddressInfo).port;
        responderPort = await freePort();
        routerPort = await freePort();
        responder = startResponder({
            HEALTH_BACKEND_URL: `http://127.0.0.1:${portOf(backend)}/health`, HEALTH_OLLAMA_URLS: `http://127.0.0.1:${portOf(ollama)}`,
            HEALTH_MODELS: "qwen2.5:7b", HEALTH_CACHE_SECONDS: "0", HEALTH_TIMEOUT_SECONDS: "2", HEALTH_CACHE_DIR: path.join(dir, "cache"),
        });
        const config = routerConfig({
            ...routes, listenPort: routerPort, backend: `127.0.0.1:${portOf(backend)}`, frontend: `127.0.0.1:${portOf(frontend)}`,
            health: { dial: `127.0.0.1:${responderPort}`, answerTimeoutSeconds: 14 },
        }) as { apps: { http: { servers: { router: { listen: string[] } } } } };
        config.apps.http.servers.router.listen = [`127.0.0.1:${routerPort}`];
        fs.writeFileSync(path.join(dir, "router.json"), JSON.stringify(config));
        const caddy = spawn("caddy", ["run", "--config", path.join(dir, "router.json")],
            { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, stdio: "ignore" });
        children.push(caddy);
        for (let i = 0; i < 100; i++) {
            try { await get(ROUTER_HEALTH_PATH); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
        }
    });

    afterAll(async () => {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
        await Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("/healthz: the responder's 200 JSON; POST is 405; the frontend never sees it; the app's routes still work", async () => {
        const ok = await get("/healthz");
        expect(ok.status).toBe(200);
        expect(ok.type).toBe("application/json");
        expect(JSON.parse(ok.body)).toMatchObject({ status: "ok", failed: [] });
        expect((await get("/healthz", "POST")).status).toBe(405);
        expect((await get("/")).body).toBe("frontend /");
        expect(seen.filter((s) => s.startsWith("frontend ") && s.includes("healthz"))).toEqual([]);
        expect(seen.filter((s) => s.startsWith("backend "))).toEqual(["backend GET /health"]);
    });

    test("the responder down: the router answers 503 with the JSON contract, not 502; other paths keep their own status", async () => {
        responder.kill("SIGKILL");
        await new Promise((r) => responder.once("exit", r));
        const down = await get("/healthz");
        expect(down.status).toBe(503);
        expect(down.type).toBe("application/json");
        expect(JSON.parse(down.body)).toEqual({
            status: "failing", failed: ["responder"], lastOllamaRequestAt: null,
            checks: { responder: { ok: false, reason: expect.stringContaining("the health responder did not answer"), proxyStatus: 502 } },
        });
        // The error route is for the health path only: a frontend that is down is still a 502.
        await new Promise((r) => { frontend.closeAllConnections(); frontend.close(r); });
        expect((await get("/")).status).toBe(502);
    });
});
