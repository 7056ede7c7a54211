/**
 * Caddy's native JSON config for the front door, generated from the profile in this one place.
 * Pure: plain values in, a JSON document out; the unit tests run it through a real
 * `caddy validate`, and the e2e serves real traffic with it.
 *
 * The shape (https://caddyserver.com/docs/json/):
 * - one HTTP server on :443 whose single route matches `publicHost`. A host matcher is what turns
 *   on Caddy's automatic HTTPS for that name: a certificate from the configured issuer, and an
 *   automatic HTTP->HTTPS redirect server on :80 (which also answers ACME HTTP challenges);
 * - inside it: security headers; the health path (`/healthz`) to the health responder, before
 *   authentication so an uptime check needs no credentials, never to the app (health/caddy-route.ts);
 *   optional basic auth (bcrypt, with Caddy's cache of recent checks), then `<apiPrefix>` and
 *   `<apiPrefix>/*` to the backend (prefix stripped unless configured otherwise), everything else to
 *   the frontend. The upstreams are network aliases on the app network;
 * - with `activity`, an access log of the requests that count as using Ollama (the API routes past
 *   authentication, not the backend's health path), JSON lines in a rolled file the health
 *   responder reads (health/activity-log.ts); every other request is flagged not to be logged;
 * - an error route for the health path: a 503 with a JSON body when the responder does not answer;
 * - reverse_proxy with `flush_interval: -1` (flush every write: streamed LLM answers and SSE arrive
 *   as they are produced) and long transport timeouts; WebSocket upgrades pass through
 *   reverse_proxy natively;
 * - HTTP/1.1 and HTTP/2 only: the cloud firewall opens TCP 443, not the UDP HTTP/3 would need;
 * - the server has a header read timeout (slow clients) but no overall read or write timeout,
 *   which would cut a streamed answer off after that time;
 * - the certificates' storage is pinned to /data/caddy, the directory the container mounts from
 *   the protected block volume, so a replaced droplet finds its certificates again;
 * - the admin API is off: the config only changes by replacing the container.
 */
import type { CertificateAuthority } from "../config/services";
import { activityLogging, activityRoute, activityServerLogs, logSkip } from "../health/activity-log";
import { healthErrorRoute, healthRoute, HealthRouteArgs } from "../health/caddy-route";

/** Let's Encrypt's directories (https://letsencrypt.org/docs/staging-environment/). */
export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const LETSENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

/** Where the container keeps Caddy's state (certificates, ACME account, local CA): the volume mount. */
export const CADDY_DATA_DIR = "/data";
/** Where the container keeps Caddy's own config state (autosave): the second volume mount. */
export const CADDY_CONFIG_DIR = "/config";
/** Where the generated JSON is uploaded in the container. */
export const CADDY_CONFIG_FILE = "/etc/caddy/rag-stack.json";

/** How long the proxy waits on an upstream between reads/writes: an answer can stream for minutes. */
export const UPSTREAM_TIMEOUT = "30m";

export interface Upstream {
    /** Network alias on the app network. */
    host: string;
    port: number;
}

export interface CaddyConfigArgs {
    /** The name the certificate is for, and the only Host the door answers. */
    publicHost: string;
    ca: CertificateAuthority;
    /** ACME account contact; with a Let's Encrypt CA. */
    acmeEmail?: string;
    apiPrefix: string;
    stripApiPrefix: boolean;
    backend: Upstream;
    frontend: Upstream;
    /** Basic-auth users with their bcrypt hashes; empty: no auth. */
    users: { name: string; passwordHash: string }[];
    /** The health responder behind the health path; absent: no health route. */
    health?: HealthRouteArgs;
    /** Log the requests that use Ollama (health/activity-log.ts); absent: no access log. */
    activity?: {
        /** The backend's health path as the backend sees it (services.backend.healthPath). */
        backendHealthPath: string;
    };
}

type Json = Record<string, unknown>;

/** Response headers on every answer through the door. HSTS only with a publicly trusted CA. */
export function securityHeaders(ca: CertificateAuthority): Record<string, string[]> {
    const headers: Record<string, string[]> = {
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["SAMEORIGIN"],
        "Referrer-Policy": ["strict-origin-when-cross-origin"],
    };
    // HSTS pins the name to HTTPS in browsers for a year: right for a real domain, wrong for
    // localhost or an address served by Caddy's local CA (it would break every http:// app there).
    if (ca !== "internal") headers["Strict-Transport-Security"] = ["max-age=31536000"];
    return headers;
}

function reverseProxy(upstream: Upstream): Json {
    return {
        handler: "reverse_proxy",
        upstreams: [{ dial: `${upstream.host}:${upstream.port}` }],
        // Negative: flush to the client after every write (no buffering of streamed answers).
        flush_interval: -1,
        transport: {
            protocol: "http",
            dial_timeout: "10s",
            read_timeout: UPSTREAM_TIMEOUT,
            write_timeout: UPSTREAM_TIMEOUT,
        },
    };
}

function issuer(args: CaddyConfigArgs): Json {
    if (args.ca === "internal") return { module: "internal" };
    return {
        module: "acme",
        ca: args.ca === "letsencrypt-staging" ? LETSENCRYPT_STAGING : LETSENCRYPT_PRODUCTION,
        ...(args.acmeEmail ? { email: args.acmeEmail } : {}),
    };
}

/** The config as an object (for tests that look inside). */
export function caddyConfig(args: CaddyConfigArgs): Json {
    const routes: Json[] = [
        // Deferred: applied as the response goes out, so they win over (and strip) the upstream's own.
        {
            handle: [
                { handler: "headers", response: { set: securityHeaders(args.ca), delete: ["Server"], deferred: true } },
                // Nothing is logged unless the activity route below clears the flag.
                ...(args.activity ? [logSkip(true)] : []),
            ],
        },
    ];
    // Before authentication: an uptime check has no credentials, and the answer holds no secret.
    if (args.health) routes.push(healthRoute(args.health));
    if (args.users.length > 0) {
        routes.push({
            handle: [{
                handler: "authentication",
                providers: {
                    http_basic: {
                        hash: { algorithm: "bcrypt" },
                        // Remembers recent successful checks: without it every request (each asset
                        // of a page, each API call) pays a full bcrypt comparison.
                        hash_cache: {},
                        realm: "rag-stack",
                        accounts: args.users.map((u) => ({ username: u.name, password: u.passwordHash })),
                    },
                },
            }],
        });
    }
    if (args.activity) {
        const healthOutside = args.stripApiPrefix ? `${args.apiPrefix}${args.activity.backendHealthPath}` : args.activity.backendHealthPath;
        routes.push(activityRoute({ apiPrefix: args.apiPrefix, backendHealthPathOutside: healthOutside }));
    }
    routes.push({
        match: [{ path: [args.apiPrefix, `${args.apiPrefix}/*`] }],
        handle: [
            ...(args.stripApiPrefix ? [{ handler: "rewrite", strip_path_prefix: args.apiPrefix }] : []),
            reverseProxy(args.backend),
        ],
        terminal: true,
    });
    routes.push({ handle: [reverseProxy(args.frontend)] });

    return {
        admin: { disabled: true },
        ...(args.activity ? { logging: activityLogging() } : {}),
        storage: { module: "file_system", root: `${CADDY_DATA_DIR}/caddy` },
        apps: {
            http: {
                servers: {
                    "front-door": {
                        listen: [":443"],
                        // TCP only: the firewall opens tcp/443, so no HTTP/3 (UDP) to advertise.
                        protocols: ["h1", "h2"],
                        read_header_timeout: "30s",
                        idle_timeout: "5m",
                        ...(args.activity ? { logs: activityServerLogs() } : {}),
                        routes: [{
                            match: [{ host: [args.publicHost] }],
                            handle: [{ handler: "subroute", routes }],
                            terminal: true,
                        }],
                        ...(args.health ? { errors: { routes: [healthErrorRoute({ path: args.health.path, hosts: [args.publicHost] })] } } : {}),
                    },
                },
            },
            tls: {
                automation: {
                    policies: [{ subjects: [args.publicHost], issuers: [issuer(args)] }],
                },
            },
        },
    };
}

/** The config file's text. */
export function caddyConfigJson(args: CaddyConfigArgs): string {
    return `${JSON.stringify(caddyConfig(args), null, 2)}\n`;
}
