/**
 * `rag-stack:services`: the app (backend, frontend, Neo4j), where it is published, the HTTPS front
 * door (proxy) and its basic auth.
 */
import { ENV_NAME_ALLOWED, invalidEnvNames } from "../validation/env-names";
import { reservedBackendEnvProblems } from "../app/backend-env";
import { HEALTH_PATH } from "../health/responder";
import { KUBERNETES_API_PREFIX, ROUTER_HEALTH_PATH } from "../kubernetes/router-config";
import { PROJECT } from "../project";
import { isDnsName, isHostName, isIpAddress } from "../proxy/validation";
import type { HostProvider } from "./host";
import { imageReference, listenAddress, Reader } from "./reader";
import { boolean, integer, list, map, oneOf, section, SettingsOf, string } from "./schema";

/** What only a Docker host reads: host ports, builds, health probes, the front door container. */
const ON_DOCKER = { providers: ["local", "existing", "digitalocean"] } as const;

/** Who signs the front door's certificate: Let's Encrypt, its staging CA (for first tries), or Caddy's own local CA. */
export const CERTIFICATE_AUTHORITIES = ["letsencrypt", "letsencrypt-staging", "internal"] as const;
export type CertificateAuthority = (typeof CERTIFICATE_AUTHORITIES)[number];
/**
 * The official Caddy image, pinned by tag and digest. 2.11.4 is the current 2.x in
 * docker-library/official-images (library/caddy: "Tags: 2.11.4-alpine ... SharedTags: 2.11.4, 2.11,
 * 2, latest"); the digest is the one public repositories pin `docker.io/library/caddy:2.11.4` to
 * (check it with `docker buildx imagetools inspect caddy:2.11.4` before relying on it).
 */
export const DEFAULT_PROXY_IMAGE = "caddy:2.11.4@sha256:df7f1c2fb114453b951de51a98efc010db1655a92c2e86be6706714e2417a78d";

const BUILD = section({
    context: string({ required: true, allowed: "set the directory holding the Dockerfile", expandHome: true, type: "path",
        doc: "The build context: the directory holding the Dockerfile (`~` expanded)." }),
    dockerfile: string({ optional: true, doc: "The Dockerfile's path in the context; unset: `Dockerfile`." }),
    args: map({ optional: true, doc: "Build arguments." }),
}, { optional: true, appliesTo: ON_DOCKER, doc: "Build the image on the Docker host from this context instead of pulling it; `image` names the result." });

/** Image keys of an app service: a name to run, or a build context that produces it. */
const appImage = (fallback: string) => ({
    image: imageReference("rag-backend:1.4.2", { default: fallback, doc: "The image to run (`name:tag`); with `build`, the tag of the built image." }),
    build: BUILD,
});

const HEALTH_COMMAND = string({ optional: true, appliesTo: ON_DOCKER,
    doc: "A health probe run inside the container instead of the default HTTP one (components/app/health.ts)." });
const READY_TIMEOUT = integer({ default: 180, min: 10, max: 3600, appliesTo: ON_DOCKER,
    doc: "Seconds `up` waits for the container to report healthy before it fails." });
const PATH = /^\/\S*$/;
/** One exact path (Caddy's path matcher treats `*` as a wildcard): not `/`, no trailing slash. */
const HEALTH_PATH_PATTERN = /^(\/[A-Za-z0-9._~-]+)+$/;

export const SERVICES = section({
    backend: section({
        ...appImage("rag-backend:dev"),
        port: integer({ default: 8000, min: 1, max: 65535, doc: "The port the backend listens on inside its container." }),
        hostPort: integer({ derived: "services.backend.port", min: 1, max: 65535, appliesTo: ON_DOCKER,
            doc: "The port published on the Docker host, without the front door (with it the backend publishes none)." }),
        healthPath: string({ default: "/health", pattern: PATH, allowed: "expected a path starting with /", doc: "The path answering 200 when the backend is healthy." }),
        env: map({ doc: "Extra, non-secret environment for the backend; the variables the stack sets itself are refused (components/app/backend-env.ts)." }),
        healthCommand: HEALTH_COMMAND,
        readyTimeoutSeconds: READY_TIMEOUT,
    }, { doc: "The backend (the RAG API)." }),
    frontend: section({
        ...appImage("rag-frontend:dev"),
        port: integer({ default: 3000, min: 1, max: 65535, doc: "The port the frontend listens on inside its container." }),
        hostPort: integer({ derived: "services.frontend.port", min: 1, max: 65535, appliesTo: ON_DOCKER,
            doc: "The port published on the Docker host, without the front door (with it the frontend publishes none)." }),
        path: string({ default: "/", pattern: PATH, allowed: "expected a path starting with /", doc: "The path answering 200 on the frontend." }),
        healthCommand: HEALTH_COMMAND,
        readyTimeoutSeconds: READY_TIMEOUT,
    }, { doc: "The frontend (the web app)." }),
    neo4j: section({
        image: imageReference("neo4j:5.26-community", { default: "neo4j:5.26-community", doc: "The Neo4j image." }),
        user: string({ default: "neo4j", pattern: /^[A-Za-z][A-Za-z0-9_]*$/, allowed: "expected a user name of letters, digits and _", doc: "The Neo4j user the backend logs in as." }),
        boltPort: integer({ default: 7687, min: 1, max: 65535, appliesTo: ON_DOCKER, doc: "The host port of Bolt, on 127.0.0.1 only." }),
        httpPort: integer({ default: 7474, min: 1, max: 65535, appliesTo: ON_DOCKER, doc: "The host port of the Neo4j browser, on 127.0.0.1 only." }),
        volumeName: string({ optional: true, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]+$/,
            allowed: "expected a Docker volume name as `docker volume ls` lists it, e.g. docker_neo4j_data", appliesTo: { providers: ["local", "existing"] },
            doc: "An existing Docker volume to keep Neo4j's data in (an old compose stack's): used, never created or deleted." }),
    }, { doc: "Neo4j, the knowledge graph." }),
    publishAddress: listenAddress([], "use an IP address of the Docker host: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces, behind a firewall)", {
        default: "127.0.0.1", appliesTo: ON_DOCKER,
        doc: "The host address the published ports are on (the front door's, or the backend's and frontend's without it); Neo4j stays on 127.0.0.1." }),
    healthPath: string({ default: HEALTH_PATH, pattern: HEALTH_PATH_PATTERN, type: "path",
        allowed: "expected a path such as /healthz: segments of letters, digits and . _ ~ -, no trailing slash, no wildcards",
        doc: "The path the front door answers with the deployment's health (200, or 503 and what failed); never passed to the frontend or the backend." }),
    publicHost: string({ default: "localhost", type: "host name",
        doc: "The DNS name or address users reach the frontend by: the front door's certificate, OLLAMA_ORIGINS and the URLs." }),
    proxy: section({
        enabled: boolean({ derived: "true with host.provider digitalocean, false elsewhere", doc: "The HTTPS front door (Caddy): the only container publishing ports when on." }),
        image: string({ default: DEFAULT_PROXY_IMAGE, pattern: /^\S+$/, allowed: `expected an image reference such as ${DEFAULT_PROXY_IMAGE}`, type: "image reference",
            doc: "The pinned official Caddy image." }),
        ca: oneOf(CERTIFICATE_AUTHORITIES, { default: "letsencrypt",
            doc: "Who signs the certificate for publicHost: start with letsencrypt-staging, then letsencrypt; internal is Caddy's own CA." }),
        acmeEmail: string({ optional: true, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, allowed: "expected an e-mail address such as ops@your-domain.org",
            doc: "The Let's Encrypt account's contact (certificate notices); required with a Let's Encrypt CA." }),
        apiPrefix: string({ default: "/api", pattern: /^(\/[A-Za-z0-9._~-]+)+$/, allowed: "expected a path prefix such as /api (no trailing slash, no wildcards)",
            doc: "Requests under this prefix go to the backend, everything else to the frontend." }),
        stripApiPrefix: boolean({ default: true, doc: "Remove the prefix before the backend sees the path (`/api/health` reaches it as `/health`)." }),
        httpPort: integer({ default: 80, min: 1, max: 65535, doc: "The host port for HTTP (redirects to HTTPS, ACME challenges); 80 with Let's Encrypt." }),
        httpsPort: integer({ default: 443, min: 1, max: 65535, doc: "The host port for HTTPS; 443 with Let's Encrypt." }),
    }, { appliesTo: ON_DOCKER, doc: "The HTTPS front door on a Docker host (on Kubernetes the load balancer is the door)." }),
    auth: section({
        users: list({ default: [], pattern: /^[A-Za-z0-9._@-]{1,64}$/, allowed: "each user name is 1-64 letters, digits, . _ @ or -",
            doc: "Basic-auth users of the front door; each needs a bcrypt hash in the secret authPasswordHashes. Empty: no auth." }),
    }, { appliesTo: ON_DOCKER, doc: "Access control at the front door." }),
}, { doc: "The app (backend, frontend, Neo4j), where it is published, and its HTTPS front door." });

export type ServicesSettings = SettingsOf<typeof SERVICES.keys>;
export type BackendSettings = ServicesSettings["backend"];
export type FrontendSettings = ServicesSettings["frontend"];
export type Neo4jSettings = ServicesSettings["neo4j"];
export type ProxySettings = ServicesSettings["proxy"];
export type AuthSettings = ServicesSettings["auth"];
/** An application image: a name to run, or a build context that produces that name. */
export type AppImage = Pick<BackendSettings, "image" | "build">;

/** An app service's image, with its build when `build` is written. */
function withBuild(image: string, b: Reader<typeof BUILD.keys> | undefined): AppImage {
    if (!b) return { image };
    b.rejectUnknown();
    return { image, build: { context: b.get("context"), dockerfile: b.get("dockerfile"), args: b.get("args") } };
}

export function readServices(problems: string[], raw: unknown, provider: HostProvider): ServicesSettings {
    const s = Reader.of(problems, "services", raw, SERVICES.keys);
    s.rejectUnknown();
    const b = s.child("backend");
    b.rejectUnknown();
    const backendPort = b.get("port");
    const backend: BackendSettings = {
        ...withBuild(b.get("image"), b.has("build") ? b.child("build") : undefined),
        port: backendPort,
        hostPort: b.get("hostPort", backendPort),
        healthPath: b.get("healthPath"),
        env: b.get("env"),
        healthCommand: b.get("healthCommand"),
        readyTimeoutSeconds: b.get("readyTimeoutSeconds"),
    };
    for (const name of invalidEnvNames(backend.env)) b.problem("env", name, `it is not a valid environment variable name; ${ENV_NAME_ALLOWED}`);
    // The names the stack sets for the backend itself, the contract both placements build from (app/backend-env.ts).
    problems.push(...reservedBackendEnvProblems(b.key("env"), backend.env));
    const f = s.child("frontend");
    f.rejectUnknown();
    const frontendPort = f.get("port");
    const frontend: FrontendSettings = {
        ...withBuild(f.get("image"), f.has("build") ? f.child("build") : undefined),
        port: frontendPort,
        hostPort: f.get("hostPort", frontendPort),
        path: f.get("path"),
        healthCommand: f.get("healthCommand"),
        readyTimeoutSeconds: f.get("readyTimeoutSeconds"),
    };
    const n = s.child("neo4j");
    n.rejectUnknown();
    const neo4j: Neo4jSettings = {
        image: n.get("image"),
        user: n.get("user"),
        boltPort: n.get("boltPort"),
        httpPort: n.get("httpPort"),
        volumeName: n.get("volumeName"),
    };
    const healthPath = s.get("healthPath");
    const publishAddress = s.get("publishAddress");
    const publicHost = s.get("publicHost");
    const proxy = readProxy(s.child("proxy"), provider);
    checkPublicHost(s, publicHost, proxy);
    checkHealthPath(s, healthPath, { apiPrefix: provider === "doks" ? KUBERNETES_API_PREFIX : proxy.apiPrefix, frontendPath: frontend.path, provider });
    if (proxy.enabled && !proxy.stripApiPrefix && !backend.healthPath.startsWith(`${proxy.apiPrefix}/`)) {
        b.problem("healthPath", backend.healthPath,
            `with ${PROJECT}:services.proxy.stripApiPrefix false the backend is only reached under ${proxy.apiPrefix}/; use a health path there, or strip the prefix`);
    }
    if (proxy.enabled) {
        if (b.has("hostPort")) b.problem("hostPort", backend.hostPort, hostPortBehindProxy("backend"));
        if (f.has("hostPort")) f.problem("hostPort", frontend.hostPort, hostPortBehindProxy("frontend"));
    }
    const a = s.child("auth");
    a.rejectUnknown();
    const users = a.get("users");
    for (const dup of users.filter((u, i) => users.indexOf(u) !== i)) a.problem("users", dup, "each user name once");
    if (users.length > 0 && !proxy.enabled) {
        a.problem("users", users, `basic auth is enforced by the front door; enable ${PROJECT}:services.proxy or remove the users`);
    }
    return { backend, frontend, neo4j, healthPath, publishAddress, publicHost, proxy, auth: { users } };
}

const hostPortBehindProxy = (role: string) =>
    `the ${role} publishes no port while ${PROJECT}:services.proxy is enabled (the proxy is the only door); remove it`;

function readProxy(p: Reader<typeof SERVICES.keys.proxy.keys>, provider: HostProvider): ProxySettings {
    p.rejectUnknown();
    const proxy: ProxySettings = {
        enabled: p.get("enabled", provider === "digitalocean"),
        image: p.get("image"),
        ca: p.get("ca"),
        acmeEmail: p.get("acmeEmail"),
        apiPrefix: p.get("apiPrefix"),
        stripApiPrefix: p.get("stripApiPrefix"),
        httpPort: p.get("httpPort"),
        httpsPort: p.get("httpsPort"),
    };
    if (proxy.enabled && proxy.ca !== "internal") {
        if (!proxy.acmeEmail) {
            p.problem("acmeEmail", undefined, `set the e-mail address of the Let's Encrypt account (certificate notices); or use ${PROJECT}:services.proxy.ca: internal`);
        }
        if (proxy.httpPort !== 80) p.problem("httpPort", proxy.httpPort, "Let's Encrypt validates on port 80: use 80, or ca: internal");
        if (proxy.httpsPort !== 443) p.problem("httpsPort", proxy.httpsPort, "Let's Encrypt validates on port 443: use 443, or ca: internal");
    }
    return proxy;
}

/**
 * The health route comes first at the door and is terminal (health/caddy-route.ts): a path the app
 * answers itself would be hidden from it. So not the API prefix or under it (the backend's routes),
 * not the frontend's own health path, not the router's load-balancer probe on Kubernetes.
 */
function checkHealthPath(s: Reader<typeof SERVICES.keys>, path: string, door: { apiPrefix: string; frontendPath: string; provider: HostProvider }): void {
    if (!HEALTH_PATH_PATTERN.test(path)) return;
    const prefix = door.apiPrefix.replace(/\/+$/, "");
    if (path === prefix || path.startsWith(`${prefix}/`)) {
        s.problem("healthPath", path, `it is under the API prefix ${prefix}, whose requests belong to the backend; use a path outside it, such as ${HEALTH_PATH}`);
    } else if (path === door.frontendPath) {
        s.problem("healthPath", path, `it is ${PROJECT}:services.frontend.path, the frontend's own health path, which the door would then hide from it; use another, such as ${HEALTH_PATH}`);
    } else if (door.provider === "doks" && path === ROUTER_HEALTH_PATH) {
        s.problem("healthPath", path, `the router answers its load balancer's probe there; use another, such as ${HEALTH_PATH}`);
    }
}

/** publicHost is a DNS name or an address; with a Let's Encrypt certificate, a public DNS name. */
function checkPublicHost(s: Reader<typeof SERVICES.keys>, publicHost: string, proxy: ProxySettings): void {
    const dns = isDnsName(publicHost);
    const ip = isIpAddress(publicHost);
    if (!isHostName(publicHost) && !ip) {
        s.problem("publicHost", publicHost, "expected a DNS name such as rag.example.com, a host name such as localhost, or an IP address");
        return;
    }
    if (proxy.enabled && proxy.ca !== "internal" && !dns) {
        s.problem("publicHost", publicHost,
            `${PROJECT}:services.proxy.ca ${proxy.ca} issues certificates for DNS names: point a name (an A record) at the publicIp output and use it, ` +
                `or set ${PROJECT}:services.proxy.ca: internal (a certificate no browser trusts)`);
    }
}

/** The origin the frontend is reached at: the default of `ollama.origins`. */
export function frontendOrigin(services: ServicesSettings, provider: HostProvider): string {
    const frontendScheme = services.frontend.hostPort === 443 ? "https" : "http";
    // On Kubernetes the frontend is reached only through the load balancer's HTTPS.
    return provider === "doks" ? `https://${services.publicHost}`
        : services.proxy.enabled ? publicOrigin(services)
        : [80, 443].includes(services.frontend.hostPort)
            ? `${frontendScheme}://${services.publicHost}`
            : `http://${services.publicHost}:${services.frontend.hostPort}`;
}

/** `https://<publicHost>` (with the port when it is not 443): the origin users reach the front door at. */
export function publicOrigin(services: ServicesSettings): string {
    return `https://${services.publicHost}${services.proxy.httpsPort === 443 ? "" : `:${services.proxy.httpsPort}`}`;
}

/** Host ports the backend and frontend publish themselves: none behind the front door. */
export function publishedAppPorts(services: ServicesSettings): number[] {
    return services.proxy.enabled ? [] : [services.frontend.hostPort, services.backend.hostPort];
}
