/**
 * The front door's Caddy JSON: routes, streaming, headers, auth and CA as configured, and every
 * variant accepted by a real `caddy validate` (Debian's caddy). Caddy decodes its JSON strictly,
 * so a misspelt field fails here, as the last test proves.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CaddyConfigArgs, caddyConfig, caddyConfigJson, LETSENCRYPT_PRODUCTION, LETSENCRYPT_STAGING } from "../../components/proxy/caddy-config";
import { forDebianCaddy } from "../fixtures/images/caddy-image";

const hasCaddy = spawnSync("sh", ["-c", "command -v caddy"]).status === 0;
if (!hasCaddy) console.warn("caddy is not installed (apt-get install caddy): `caddy validate` tests skipped");

const HASH = `$2a$10$${"N".repeat(53)}`;
const base: CaddyConfigArgs = {
    publicHost: "rag.example.com",
    ca: "letsencrypt",
    acmeEmail: "ops@example.org",
    apiPrefix: "/api",
    stripApiPrefix: true,
    backend: { host: "backend", port: 8000 },
    frontend: { host: "frontend", port: 3000 },
    users: [],
};

type Json = Record<string, any>;
const server = (c: Json): Json => c.apps.http.servers["front-door"];
const innerRoutes = (c: Json): Json[] => server(c).routes[0].handle[0].routes;
const handlers = (c: Json): Json[] => innerRoutes(c).flatMap((r: Json) => r.handle);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-caddy-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * `caddy validate` provisions every module, storage included: the storage root (/data/caddy in the
 * container) is pointed at a temporary directory so validating writes nothing outside it.
 */
function validate(text: string): { ok: boolean; output: string } {
    const name = Math.random().toString(36).slice(2);
    const config = JSON.parse(forDebianCaddy(text)) as Json;
    config.storage.root = path.join(dir, `storage-${name}`);
    const file = path.join(dir, `config-${name}.json`);
    fs.writeFileSync(file, JSON.stringify(config));
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, "data"), XDG_CONFIG_HOME: path.join(dir, "config") };
    const r = spawnSync("caddy", ["validate", "--config", file], { encoding: "utf8", timeout: 60_000, env });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

test("one HTTPS server answers only publicHost: the host matcher is what turns on certificates and the :80 redirect", () => {
    const c = caddyConfig(base);
    expect(server(c).listen).toEqual([":443"]);
    expect(server(c).routes).toHaveLength(1);
    expect(server(c).routes[0].match).toEqual([{ host: ["rag.example.com"] }]);
    expect(server(c).automatic_https).toBeUndefined(); // redirects left on
    expect(server(c).protocols).toEqual(["h1", "h2"]); // no HTTP/3: the firewall opens TCP only
    expect(c.admin).toEqual({ disabled: true });
    expect(c.storage).toEqual({ module: "file_system", root: "/data/caddy" });
});

test("<apiPrefix> and below go to the backend (prefix stripped), everything else to the frontend, in that order", () => {
    const routes = innerRoutes(caddyConfig(base));
    const api = routes.find((r) => r.match)!;
    expect(api.match).toEqual([{ path: ["/api", "/api/*"] }]);
    expect(api.terminal).toBe(true);
    expect(api.handle[0]).toEqual({ handler: "rewrite", strip_path_prefix: "/api" });
    expect(api.handle[1].upstreams).toEqual([{ dial: "backend:8000" }]);
    const last = routes[routes.length - 1];
    expect(last.match).toBeUndefined();
    expect(last.handle[0].upstreams).toEqual([{ dial: "frontend:3000" }]);
    expect(routes.indexOf(api)).toBeLessThan(routes.indexOf(last));

    const unstripped = innerRoutes(caddyConfig({ ...base, apiPrefix: "/backend/v1", stripApiPrefix: false })).find((r) => r.match)!;
    expect(unstripped.match).toEqual([{ path: ["/backend/v1", "/backend/v1/*"] }]);
    expect(unstripped.handle.map((h: Json) => h.handler)).toEqual(["reverse_proxy"]);
});

test("both upstreams stream unbuffered with long timeouts", () => {
    for (const proxy of handlers(caddyConfig(base)).filter((h) => h.handler === "reverse_proxy")) {
        expect(proxy.flush_interval).toBe(-1);
        expect(proxy.transport).toMatchObject({ protocol: "http", read_timeout: "30m", write_timeout: "30m" });
    }
    // No server-wide read/write timeout: it would cut a long streamed answer off.
    expect(server(caddyConfig(base)).read_timeout).toBeUndefined();
    expect(server(caddyConfig(base)).write_timeout).toBeUndefined();
});

test("security headers on every answer; HSTS only with a publicly trusted CA", () => {
    const headers = (ca: CaddyConfigArgs["ca"]) => innerRoutes(caddyConfig({ ...base, ca }))[0].handle[0].response.set;
    expect(headers("letsencrypt")).toMatchObject({
        "Strict-Transport-Security": ["max-age=31536000"],
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["SAMEORIGIN"],
        "Referrer-Policy": ["strict-origin-when-cross-origin"],
    });
    expect(headers("internal")["Strict-Transport-Security"]).toBeUndefined();
    const response = innerRoutes(caddyConfig(base))[0].handle[0].response;
    expect(response.delete).toEqual(["Server"]);
    expect(response.deferred).toBe(true); // applied on the way out, over the upstream's own headers
});

test("the CA: Let's Encrypt production or staging with the e-mail, or Caddy's internal CA", () => {
    const issuers = (args: Partial<CaddyConfigArgs>) => (caddyConfig({ ...base, ...args }) as Json).apps.tls.automation.policies[0];
    expect(issuers({})).toEqual({ subjects: ["rag.example.com"], issuers: [{ module: "acme", ca: LETSENCRYPT_PRODUCTION, email: "ops@example.org" }] });
    expect(issuers({ ca: "letsencrypt-staging" }).issuers).toEqual([{ module: "acme", ca: LETSENCRYPT_STAGING, email: "ops@example.org" }]);
    expect(issuers({ ca: "internal" }).issuers).toEqual([{ module: "internal" }]);
});

test("basic auth comes before the routes when there are users, and not at all without", () => {
    expect(handlers(caddyConfig(base)).some((h) => h.handler === "authentication")).toBe(false);
    const routes = innerRoutes(caddyConfig({ ...base, users: [{ name: "alice", passwordHash: HASH }] }));
    const auth = routes[1].handle[0];
    expect(auth.handler).toBe("authentication");
    expect(auth.providers.http_basic).toEqual({ hash: { algorithm: "bcrypt" }, hash_cache: {}, realm: "rag-stack", accounts: [{ username: "alice", password: HASH }] });
    expect(routes[1].match).toBeUndefined(); // every path, the API included
});

const health = { dial: "health:8081", answerTimeoutSeconds: 16 };

test("the health path: after the security headers, before authentication, to the responder only; a 503 JSON error route for it", () => {
    const c = caddyConfig({ ...base, users: [{ name: "alice", passwordHash: HASH }], health });
    const routes = innerRoutes(c);
    expect(routes[1].match).toEqual([{ path: ["/healthz"] }]);
    expect(routes[1].terminal).toBe(true);
    expect(routes[2].handle[0].handler).toBe("authentication");
    const proxies = JSON.stringify(routes[1]).match(/"dial":"[^"]+"/g);
    expect(proxies).toEqual(['"dial":"health:8081"']);
    const inner = routes[1].handle[0].routes;
    expect(inner[0].handle[1].transport).toEqual({ protocol: "http", dial_timeout: "2s", response_header_timeout: "16s" });
    const errors = server(c).errors.routes;
    expect(errors[0].match).toEqual([{ path: ["/healthz"], host: ["rag.example.com"] }]);
    const body = errors[0].handle[0].body.replace("{http.error.status_code}", "502");
    expect(JSON.parse(body)).toMatchObject({ status: "failing", failed: ["responder"], checks: { responder: { ok: false, proxyStatus: 502 } }, lastOllamaRequestAt: null });
    // Without a responder: no health route, no error route (the app's own paths are untouched).
    expect(JSON.stringify(caddyConfig(base))).not.toContain("/healthz");
    expect(server(caddyConfig(base)).errors).toBeUndefined();
});

const activity = { backendHealthPath: "/health" };

test("the activity log: nothing logged but the API routes past authentication, not the backend's health path; a rolled JSON file", () => {
    const c = caddyConfig({ ...base, users: [{ name: "alice", passwordHash: HASH }], health, activity }) as Json;
    const routes = innerRoutes(c);
    // First: every request flagged "not logged" (both Caddy versions' names), before /healthz.
    expect(routes[0].handle[1]).toEqual({ handler: "vars", log_skip: true, skip_log: true });
    expect(routes[1].match).toEqual([{ path: ["/healthz"] }]);
    expect(routes[2].handle[0].handler).toBe("authentication");
    // After authentication, before the API route: the requests that count clear the flag.
    expect(routes[3]).toEqual({ match: [{ path: ["/api", "/api/*"], not: [{ path: ["/api/health"] }] }], handle: [{ handler: "vars", log_skip: false, skip_log: false }] });
    expect(routes[3].terminal).toBeUndefined();
    expect(routes[4].match).toEqual([{ path: ["/api", "/api/*"] }]);
    expect(server(c).logs).toEqual({ default_logger_name: "ollama-activity" });
    expect(c.logging.logs.default).toEqual({ exclude: ["http.log.access.ollama-activity"] });
    expect(c.logging.logs["ollama-activity"]).toEqual({
        writer: { output: "file", filename: "/var/log/rag-stack/ollama-activity.log", mode: "0644", roll_size_mb: 5, roll_keep: 2, roll_keep_days: 7, roll_gzip: true },
        encoder: { format: "json" },
        include: ["http.log.access.ollama-activity"],
    });
    // With the prefix kept, the backend's health path is already under it.
    const kept = innerRoutes(caddyConfig({ ...base, stripApiPrefix: false, activity: { backendHealthPath: "/api/health" } }));
    expect(kept.find((r) => r.handle[0].handler === "vars" && r.match)?.match[0].not).toEqual([{ path: ["/api/health"] }]);
    // Without it: no logging at all, no flags.
    expect(caddyConfig(base).logging).toBeUndefined();
    expect(JSON.stringify(caddyConfig(base))).not.toContain("log_skip");
});

const variants: [string, Partial<CaddyConfigArgs>][] = [
    ["activity log with health and basic auth", { health, activity, users: [{ name: "alice", passwordHash: HASH }] }],
    ["health route", { health }],
    ["health route with basic auth", { health, users: [{ name: "alice", passwordHash: HASH }] }],
    ["Let's Encrypt", {}],
    ["staging CA", { ca: "letsencrypt-staging" }],
    ["internal CA on localhost", { ca: "internal", publicHost: "localhost", acmeEmail: undefined }],
    ["prefix kept", { stripApiPrefix: false, apiPrefix: "/backend" }],
    ["basic auth", { users: [{ name: "alice", passwordHash: HASH }, { name: "bob", passwordHash: HASH }] }],
];
(hasCaddy ? test.each(variants) : test.skip.each(variants))("`caddy validate` accepts the config (%s)", (_label, args) => {
    const result = validate(caddyConfigJson({ ...base, ...args }));
    expect(result.output).toContain("Valid configuration");
    expect(result.ok).toBe(true);
});

(hasCaddy ? test : test.skip)("`caddy validate` does reject a misspelt field (the check is real)", () => {
    const broken = caddyConfigJson(base).replace('"flush_interval"', '"flush_intervall"');
    expect(broken).not.toBe(caddyConfigJson(base));
    const result = validate(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('unknown field "flush_intervall"');
});
