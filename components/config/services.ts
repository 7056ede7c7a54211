/**
 * `rag-stack:services`: the app (backend, frontend, Neo4j), where it is published, the HTTPS front
 * door (proxy) and its basic auth.
 */
import { ENV_NAME_ALLOWED, invalidEnvNames } from "../validation/env-names";
import { BACKEND_STACK_SOURCES, RESERVED_BACKEND_VARIABLES } from "../app/backend-env";
import { PROJECT } from "../project";
import { isDnsName, isHostName, isIpAddress } from "../proxy/validation";
import type { HostProvider } from "./host";
import { expandHome, imageReference, listenAddress, Reader } from "./reader";

/** Who signs the front door's certificate: Let's Encrypt, its staging CA (for first tries), or Caddy's own local CA. */
export type CertificateAuthority = "letsencrypt" | "letsencrypt-staging" | "internal";
export const CERTIFICATE_AUTHORITIES: readonly CertificateAuthority[] = ["letsencrypt", "letsencrypt-staging", "internal"];
/**
 * The official Caddy image, pinned by tag and digest. 2.11.4 is the current 2.x in
 * docker-library/official-images (library/caddy: "Tags: 2.11.4-alpine ... SharedTags: 2.11.4, 2.11,
 * 2, latest"); the digest is the one public repositories pin `docker.io/library/caddy:2.11.4` to
 * (check it with `docker buildx imagetools inspect caddy:2.11.4` before relying on it).
 */
export const DEFAULT_PROXY_IMAGE = "caddy:2.11.4@sha256:df7f1c2fb114453b951de51a98efc010db1655a92c2e86be6706714e2417a78d";

/** An application image: a name to run, or a build context that produces that name. */
export interface AppImage {
    /** Image reference (`name:tag`). When `build` is set, the tag given to the built image. */
    image: string;
    /** Build the image locally from this context instead of pulling it. */
    build?: { context: string; dockerfile?: string; args?: Record<string, string> };
}

export interface BackendSettings extends AppImage {
    /** Port the backend listens on inside its container. */
    port: number;
    /** Port published on the Docker host. */
    hostPort: number;
    /** Path answering 200 when the backend is healthy. */
    healthPath: string;
    /** Extra, non-secret environment for the backend. */
    env: Record<string, string>;
    /** Health probe run inside the container instead of the default HTTP one (components/app/health.ts). */
    healthCommand?: string;
    /** Seconds `up` waits for the container to report healthy before it fails. */
    readyTimeoutSeconds: number;
}

export interface FrontendSettings extends AppImage {
    port: number;
    hostPort: number;
    /** Path answering 200 on the frontend. */
    path: string;
    /** Health probe run inside the container instead of the default HTTP one (components/app/health.ts). */
    healthCommand?: string;
    /** Seconds `up` waits for the container to report healthy before it fails. */
    readyTimeoutSeconds: number;
}

export interface Neo4jSettings {
    image: string;
    user: string;
    boltPort: number;
    httpPort: number;
    /** An existing Docker volume to keep Neo4j's data in (an old compose stack's): used, never created or deleted. */
    volumeName?: string;
}

/** The HTTPS front door: a Caddy container, the only one publishing ports when enabled. */
export interface ProxySettings {
    /** Default: on with host.provider digitalocean, off elsewhere (dev keeps its localhost ports). */
    enabled: boolean;
    /** Pinned official Caddy image. */
    image: string;
    /** Certificate authority for `publicHost`: start with letsencrypt-staging, then letsencrypt. */
    ca: CertificateAuthority;
    /** ACME account contact (Let's Encrypt); required with a Let's Encrypt CA. */
    acmeEmail?: string;
    /** Requests under this prefix go to the backend, everything else to the frontend. */
    apiPrefix: string;
    /** Remove the prefix before the backend sees the path (`/api/health` reaches it as `/health`). */
    stripApiPrefix: boolean;
    /** Host ports for HTTP (redirects to HTTPS, ACME challenges) and HTTPS; 80 and 443 with Let's Encrypt. */
    httpPort: number;
    httpsPort: number;
}

/** Access control at the front door. */
export interface AuthSettings {
    /** Basic-auth user names; each needs a bcrypt hash in the secret `authPasswordHashes`. Empty: no auth. */
    users: string[];
}

export interface ServicesSettings {
    backend: BackendSettings;
    frontend: FrontendSettings;
    neo4j: Neo4jSettings;
    /** Host address the published ports are on (the proxy's, or the backend's and frontend's without it); Neo4j only ever on 127.0.0.1. */
    publishAddress: string;
    /** Public hostname or address users reach the frontend by; used for OLLAMA_ORIGINS, URLs and the certificate. */
    publicHost: string;
    proxy: ProxySettings;
    auth: AuthSettings;
}

function readAppImage(r: Reader, fallbackImage: string): AppImage {
    const image = imageReference(r, "image", fallbackImage, "rag-backend:1.4.2");
    if (!r.has("build")) return { image };
    const b = r.child("build");
    b.rejectUnknown(["context", "dockerfile", "args"]);
    const build = {
        context: expandHome(b.string("context", undefined, undefined, "set the directory holding the Dockerfile")),
        dockerfile: b.optionalString("dockerfile"),
        args: b.has("args") ? b.stringMap("args") : undefined,
    };
    return { image, build };
}

export function readServices(problems: string[], raw: unknown, provider: HostProvider): ServicesSettings {
    const s = Reader.of(problems, "services", raw);
    s.rejectUnknown(["backend", "frontend", "neo4j", "publishAddress", "publicHost", "proxy", "auth"]);
    const b = s.child("backend");
    b.rejectUnknown(["image", "build", "port", "hostPort", "healthPath", "env", "healthCommand", "readyTimeoutSeconds"]);
    const backendPort = b.integer("port", 8000, 1, 65535);
    const backend: BackendSettings = {
        ...readAppImage(b, "rag-backend:dev"),
        port: backendPort,
        hostPort: b.integer("hostPort", backendPort, 1, 65535),
        healthPath: b.string("healthPath", "/health", /^\/\S*$/, "expected a path starting with /"),
        env: b.stringMap("env"),
        healthCommand: b.optionalString("healthCommand"),
        readyTimeoutSeconds: b.integer("readyTimeoutSeconds", 180, 10, 3600),
    };
    for (const name of invalidEnvNames(backend.env)) b.problem("env", name, `it is not a valid environment variable name; ${ENV_NAME_ALLOWED}`);
    // The names the stack sets for the backend itself, the one list both placements build from (app/backend-env.ts).
    for (const reserved of RESERVED_BACKEND_VARIABLES) {
        if (!Object.prototype.hasOwnProperty.call(backend.env, reserved)) continue;
        const why = `this variable is wired by the stack itself (from ${BACKEND_STACK_SOURCES[reserved]}); remove it from services.backend.env`;
        if (reserved === "NEO4J_PASSWORD") problems.push(`${b.key(`env.${reserved}`)}: (a password, not shown) is not allowed; ${why}`);
        else b.problem(`env.${reserved}`, backend.env[reserved], why);
    }
    const f = s.child("frontend");
    f.rejectUnknown(["image", "build", "port", "hostPort", "path", "healthCommand", "readyTimeoutSeconds"]);
    const frontendPort = f.integer("port", 3000, 1, 65535);
    const frontend: FrontendSettings = {
        ...readAppImage(f, "rag-frontend:dev"),
        port: frontendPort,
        hostPort: f.integer("hostPort", frontendPort, 1, 65535),
        path: f.string("path", "/", /^\/\S*$/, "expected a path starting with /"),
        healthCommand: f.optionalString("healthCommand"),
        readyTimeoutSeconds: f.integer("readyTimeoutSeconds", 180, 10, 3600),
    };
    const n = s.child("neo4j");
    n.rejectUnknown(["image", "user", "boltPort", "httpPort", "volumeName"]);
    const neo4j: Neo4jSettings = {
        image: imageReference(n, "image", "neo4j:5.26-community", "neo4j:5.26-community"),
        user: n.string("user", "neo4j", /^[A-Za-z][A-Za-z0-9_]*$/, "expected a user name of letters, digits and _"),
        boltPort: n.integer("boltPort", 7687, 1, 65535),
        httpPort: n.integer("httpPort", 7474, 1, 65535),
        volumeName: n.optionalString("volumeName", /^[A-Za-z0-9][A-Za-z0-9_.-]+$/,
            "expected a Docker volume name as `docker volume ls` lists it, e.g. docker_neo4j_data"),
    };
    const publishAddress = listenAddress(s, "publishAddress", "127.0.0.1", [],
        "use an IP address of the Docker host: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces, behind a firewall)");
    const publicHost = s.string("publicHost", "localhost");
    const proxy = readProxy(s.child("proxy"), provider);
    checkPublicHost(s, publicHost, proxy);
    if (proxy.enabled && !proxy.stripApiPrefix && !backend.healthPath.startsWith(`${proxy.apiPrefix}/`)) {
        b.problem("healthPath", backend.healthPath,
            `with ${PROJECT}:services.proxy.stripApiPrefix false the backend is only reached under ${proxy.apiPrefix}/; use a health path there, or strip the prefix`);
    }
    if (proxy.enabled) {
        for (const [reader, role] of [[b, "backend"], [f, "frontend"]] as const) {
            if (reader.has("hostPort")) {
                reader.problem("hostPort", role === "backend" ? backend.hostPort : frontend.hostPort,
                    `the ${role} publishes no port while ${PROJECT}:services.proxy is enabled (the proxy is the only door); remove it`);
            }
        }
    }
    const a = s.child("auth");
    a.rejectUnknown(["users"]);
    const users = a.stringList("users", [], /^[A-Za-z0-9._@-]{1,64}$/, "each user name is 1-64 letters, digits, . _ @ or -");
    for (const dup of users.filter((u, i) => users.indexOf(u) !== i)) a.problem("users", dup, "each user name once");
    if (users.length > 0 && !proxy.enabled) {
        a.problem("users", users, `basic auth is enforced by the front door; enable ${PROJECT}:services.proxy or remove the users`);
    }
    return { backend, frontend, neo4j, publishAddress, publicHost, proxy, auth: { users } };
}

function readProxy(p: Reader, provider: HostProvider): ProxySettings {
    p.rejectUnknown(["enabled", "image", "ca", "acmeEmail", "apiPrefix", "stripApiPrefix", "httpPort", "httpsPort"]);
    const proxy: ProxySettings = {
        enabled: p.boolean("enabled", provider === "digitalocean"),
        image: p.string("image", DEFAULT_PROXY_IMAGE, /^\S+$/, `expected an image reference such as ${DEFAULT_PROXY_IMAGE}`),
        ca: p.oneOf("ca", CERTIFICATE_AUTHORITIES, "letsencrypt"),
        acmeEmail: p.optionalString("acmeEmail", /^[^\s@]+@[^\s@]+\.[^\s@]+$/, "expected an e-mail address such as ops@your-domain.org"),
        apiPrefix: p.string("apiPrefix", "/api", /^(\/[A-Za-z0-9._~-]+)+$/, "expected a path prefix such as /api (no trailing slash, no wildcards)"),
        stripApiPrefix: p.boolean("stripApiPrefix", true),
        httpPort: p.integer("httpPort", 80, 1, 65535),
        httpsPort: p.integer("httpsPort", 443, 1, 65535),
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

/** publicHost is a DNS name or an address; with a Let's Encrypt certificate, a public DNS name. */
function checkPublicHost(s: Reader, publicHost: string, proxy: ProxySettings): void {
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
