/**
 * prod's front door, rendered from the real Pulumi.prod.yaml: the Caddy container is the only one
 * publishing ports (Neo4j's loopback-only ports aside), its uploaded config routes as the profile
 * says and passes a real `caddy validate`, its state sits on the protected block volume, and auth
 * users' hashes stay secrets. Last, dev opting into a local door.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rendered, RenderedResource, renderStack, renderStackInChildProcess } from "../../tools/render";
import { CONTAINER, envOf, networksOf, portsOf, VOLUME } from "../unit/support/containers";
import { forDebianCaddy } from "../fixtures/images/caddy-image";

const HASH = `$2a$12$${"Q".repeat(53)}`;
let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" } }));
});

type Upload = { file: string; content: string };
const uploadsOf = (c: RenderedResource) => (c.inputs.uploads ?? []) as Upload[];
const configOf = (c: RenderedResource): Record<string, any> => JSON.parse(uploadsOf(c)[0].content);

test("only the proxy publishes ports, 80 and 443; Neo4j only on loopback; backend, frontend, Ollama nothing", () => {
    const published = r.ofType(CONTAINER).filter((c) => portsOf(c).some((p) => p.ip !== "127.0.0.1"));
    expect(published.map((c) => c.name)).toEqual(["proxy-container"]);
    expect(portsOf(r.named("proxy-container", CONTAINER))).toEqual([
        { internal: 80, external: 80, ip: "0.0.0.0" },
        { internal: 443, external: 443, ip: "0.0.0.0" },
    ]);
    for (const name of ["app-backend", "app-frontend", "ollama-container"]) expect(portsOf(r.named(name, CONTAINER))).toEqual([]);
    expect(portsOf(r.named("app-neo4j", CONTAINER)).every((p) => p.ip === "127.0.0.1")).toBe(true);
});

test("the proxy: pinned official Caddy image, on the app network, runs the uploaded JSON, fixed name replaced delete-first", () => {
    const proxy = r.named("proxy-container", CONTAINER);
    expect(r.named("proxy-image").inputs.name).toMatch(/^caddy:2\.11\.4@sha256:[0-9a-f]{64}$/);
    expect(networksOf(proxy)).toEqual([{ name: "rag-stack-prod", aliases: ["proxy"] }]);
    expect(proxy.inputs.command).toEqual(["caddy", "run", "--config", "/etc/caddy/rag-stack.json"]);
    expect(uploadsOf(proxy).map((u) => u.file)).toEqual(["/etc/caddy/rag-stack.json"]);
    expect(proxy.inputs.name).toBe("rag-stack-prod-proxy");
    expect(proxy.deleteBeforeReplace).toBe(true);
    expect(proxy.inputs.restart).toBe("unless-stopped");
});

test("the config routes as the stack file says: rag.example.com, /api to backend:8000 (stripped), the rest to frontend:3000, staging CA", () => {
    const config = configOf(r.named("proxy-container", CONTAINER));
    const route = config.apps.http.servers["front-door"].routes[0];
    expect(route.match).toEqual([{ host: ["rag.example.com"] }]);
    const inner = route.handle[0].routes;
    // The health path first (it never reaches the app: health/caddy-route.ts), then the API.
    expect(inner[1].match).toEqual([{ path: ["/healthz"] }]);
    // The activity route (it only clears the "not logged" flag) comes first, then the API route.
    const [activity, api] = inner.filter((x: { match?: { path?: string[] }[] }) => x.match?.[0]?.path?.includes("/api"));
    expect(activity.match).toEqual([{ path: ["/api", "/api/*"], not: [{ path: ["/api/health"] }] }]);
    expect(config.apps.http.servers["front-door"].logs).toEqual({ default_logger_name: "ollama-activity" });
    expect(api.match).toEqual([{ path: ["/api", "/api/*"] }]);
    expect(api.handle.map((h: { handler: string }) => h.handler)).toEqual(["rewrite", "reverse_proxy"]);
    expect(api.handle[1].upstreams).toEqual([{ dial: "backend:8000" }]);
    expect(inner[inner.length - 1].handle[0].upstreams).toEqual([{ dial: "frontend:3000" }]);
    expect(config.apps.tls.automation.policies[0].issuers).toEqual([
        { module: "acme", ca: "https://acme-staging-v02.api.letsencrypt.org/directory", email: "ops@example.com" },
    ]);
});

test("Caddy's /data and /config bind to the protected block volume and follow a replaced droplet", () => {
    const proxy = r.named("proxy-container", CONTAINER);
    expect(proxy.inputs.volumes).toEqual([
        { volumeName: expect.any(String), containerPath: "/data" },
        { volumeName: expect.any(String), containerPath: "/config" },
        // The activity log: the responder's volume on the droplet's own disk (health/activity-log.ts).
        { volumeName: expect.any(String), containerPath: "/var/log/rag-stack" },
    ]);
    const logVolume = (proxy.inputs.volumes as { volumeName: string }[])[2].volumeName;
    expect(r.named("health-activity-log", VOLUME).inputs.driverOpts).toBeUndefined();
    expect(r.named("health-container", CONTAINER).inputs.volumes).toContainEqual({ volumeName: logVolume, containerPath: "/status/activity", readOnly: true });
    expect(r.named("proxy-data", VOLUME).inputs).toMatchObject({ driver: "local", driverOpts: { type: "none", o: "bind", device: "/mnt/rag-stack-neo4j/caddy/data" } });
    expect(r.named("proxy-config", VOLUME).inputs).toMatchObject({ driverOpts: { device: "/mnt/rag-stack-neo4j/caddy/config" } });
    const droplet = r.ofType("digitalocean:index/droplet:Droplet")[0];
    expect(r.named("proxy-data", VOLUME).replaceWith).toEqual([droplet.urn]);
    // The directory the binds need is made on the volume at first boot.
    expect(String(droplet.inputs.userData)).toContain("CADDY_DIR='/mnt/rag-stack-neo4j/caddy'");
});

test("the backend still reaches Neo4j and Ollama by alias; Ollama's allowed origin is the https name", () => {
    expect(envOf(r.named("ollama-container", CONTAINER)).OLLAMA_ORIGINS).toBe("https://rag.example.com");
    expect(r.dependsOn(r.named("proxy-container", CONTAINER), r.named("app-frontend", CONTAINER))).toBe(true);
});

test("the exact uploaded config passes a real `caddy validate`", () => {
    if (spawnSync("sh", ["-c", "command -v caddy"]).status !== 0) {
        console.warn("caddy is not installed (apt-get install caddy): validation skipped");
        return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-caddy-render-"));
    try {
        const config = JSON.parse(forDebianCaddy(uploadsOf(r.named("proxy-container", CONTAINER))[0].content));
        config.storage.root = path.join(dir, "storage"); // validate provisions storage: keep it in the temp dir
        fs.writeFileSync(path.join(dir, "c.json"), JSON.stringify(config));
        const result = spawnSync("caddy", ["validate", "--config", path.join(dir, "c.json")],
            { encoding: "utf8", timeout: 60_000, env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
        expect(`${result.stdout}${result.stderr}`).toContain("Valid configuration");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("with auth users, the hashes reach Caddy as secrets and no output carries them", () => {
    const withAuth = new Rendered(renderStackInChildProcess({
        stack: "prod",
        secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test", authPasswordHashes: JSON.stringify({ alice: HASH }) },
        overrides: { "services.auth": { users: ["alice"] } },
    }));
    const proxy = withAuth.named("proxy-container", CONTAINER);
    expect(proxy.secretPaths.some((p) => p === "uploads" || p.startsWith("uploads."))).toBe(true);
    // After the security headers and the health path (which an uptime check reaches without credentials).
    const auth = configOf(proxy).apps.http.servers["front-door"].routes[0].handle[0].routes[2].handle[0];
    expect(auth.providers.http_basic.accounts).toEqual([{ username: "alice", password: HASH }]);
    const plainOutputs = Object.entries(withAuth.result.outputs).filter(([k]) => !withAuth.result.secretOutputs.includes(k));
    expect(JSON.stringify(plainOutputs)).not.toContain(HASH);
    expect(withAuth.result.outputs.frontDoor).toMatchObject({ auth: "basic" });
    // Without users the door is open: the outputs say so (and the policy pack warns).
    expect(r.result.outputs.frontDoor).toMatchObject({ auth: "none", closedPorts: [3000, 7474, 7687, 8000, 11434] });
});

test("dev can opt into a local door: Caddy's internal CA on 127.0.0.1 ports, app ports unpublished, no HSTS", () => {
    const dev = new Rendered(renderStackInChildProcess({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        overrides: { "services.proxy": { enabled: true, ca: "internal", httpPort: 8080, httpsPort: 8443 } },
    }));
    expect(portsOf(dev.named("proxy-container", CONTAINER))).toEqual([
        { internal: 80, external: 8080, ip: "127.0.0.1" },
        { internal: 443, external: 8443, ip: "127.0.0.1" },
    ]);
    expect(portsOf(dev.named("app-backend", CONTAINER))).toEqual([]);
    expect(portsOf(dev.named("app-frontend", CONTAINER))).toEqual([]);
    const config = configOf(dev.named("proxy-container", CONTAINER));
    expect(config.apps.tls.automation.policies[0]).toEqual({ subjects: ["localhost"], issuers: [{ module: "internal" }] });
    expect(config.apps.http.servers["front-door"].routes[0].handle[0].routes[0].handle[0].response.set["Strict-Transport-Security"]).toBeUndefined();
    expect(dev.result.outputs.frontendUrl).toBe("https://localhost:8443/");
});

test("services.healthPath: the door's health route and its 503 error route, the healthUrl output and the uptime check all take it", () => {
    const custom = new Rendered(renderStackInChildProcess({
        stack: "prod",
        secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
        overrides: { "services.healthPath": "/_status/rag", "alerts.emails": ["ops@example.org"] },
    }));
    const server = configOf(custom.named("proxy-container", CONTAINER)).apps.http.servers["front-door"];
    const inner = server.routes[0].handle[0].routes as Record<string, any>[];
    // After the security headers, before auth and the app's routes (then /api: the activity log's
    // mark, and the route to the backend).
    expect(inner.map((x) => x.match?.[0]?.path?.[0]).filter(Boolean)).toEqual(["/_status/rag", "/api", "/api"]);
    expect(inner[1].match[0].path).toEqual(["/_status/rag"]);
    expect(server.errors.routes[0].match[0].path).toEqual(["/_status/rag"]);
    expect(custom.result.outputs.healthUrl).toBe("https://rag.example.com/_status/rag");
    expect(custom.named("alerts-uptime-check", "digitalocean:index/uptimeCheck:UptimeCheck").inputs.target).toBe("https://rag.example.com/_status/rag");
    expect(JSON.stringify(server)).not.toContain("\"/healthz\""); // only the responder's own CGI path is /cgi-bin/healthz
});
