/**
 * The profile: every configuration key of the project, read and validated here and nowhere else.
 *
 * `parseProfile` is pure (raw values in, typed profile or one error listing every problem out) so
 * it is tested directly; `loadProfile` reads the stack's config through Pulumi and calls it. The
 * program calls `loadProfile` before it registers any resource, so a bad stack file stops `up`
 * and `preview` before anything changes.
 */
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { BACKEND_STACK_SOURCES, RESERVED_BACKEND_VARIABLES } from "./app/backend-env";
import { baseImageFor, checkDigitalOceanPlacement, DIGITALOCEAN_GPU_SIZES } from "./hosts/digitalocean-sizes";
import { LOCAL_PROBE, resolveDockerHost } from "./hosts/docker-endpoint";
import { DoksSettings, readDoks } from "./config-doks";
import { isPinnedImage } from "./images";
import { isProductionStack, PROJECT } from "./project";
import { capacityProblems, capacityWarnings } from "./capacity/validate";
import { bcryptProblem, isDnsName, isHostName, isIpAddress } from "./proxy/validation";

export type { DoksSettings } from "./config-doks";
import { checkAdminSources, normaliseCidrs, parseListenAddress } from "./validation/addresses";
import { ENV_NAME_ALLOWED, invalidEnvNames } from "./validation/env-names";
import { hostPortClashes } from "./validation/host-ports";
import { parseImageReference } from "./validation/image-reference";
import { ORIGIN_ALLOWED, originProblem } from "./validation/origins";
import { parseKeepAlive } from "./validation/keep-alive";
import { modelsDirContentProblem, modelsDirNameProblem, MODELS_DIR_ALLOWED } from "./validation/models-dir";
import { ineffectiveKeyWarnings } from "./validation/placement";
import { deployPlatform, metalPlatformProblem, nvidiaPlatformProblem } from "./validation/platform";
import { unknownKeyProblems } from "./validation/unknown-keys";

export { isPinnedImage } from "./images";

export { PROJECT } from "./project";

export type OllamaMode = "native" | "container" | "kubernetes";
export type Accelerator = "metal" | "nvidia" | "cpu";
export type KvCacheType = "f16" | "q8_0" | "q4_0";
export type HostProvider = "local" | "digitalocean" | "existing" | "doks";

export const OLLAMA_MODES: readonly OllamaMode[] = ["native", "container", "kubernetes"];
export const ACCELERATORS: readonly Accelerator[] = ["metal", "nvidia", "cpu"];
export const KV_CACHE_TYPES: readonly KvCacheType[] = ["f16", "q8_0", "q4_0"];
export const HOST_PROVIDERS: readonly HostProvider[] = ["local", "digitalocean", "existing", "doks"];
export const DEFAULT_OLLAMA_IMAGE = "ollama/ollama:0.12.6";

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

/** Where and how Ollama runs. */
export interface OllamaSettings {
    /** `native`: a process on the Docker host itself (Metal on a Mac); `container`: a container on the app network. */
    mode: OllamaMode;
    /** Model to pull and serve, always `name:tag`. */
    model: string;
    /** Port Ollama listens on. */
    port: number;
    /** What verify and the GPU check demand: the model must sit 100% in VRAM unless `cpu`. */
    accelerator: Accelerator;
    /** OLLAMA_KEEP_ALIVE: how long a model stays loaded after a request. */
    keepAlive: string;
    /** Container placement: the pinned `ollama/ollama` image. */
    image: string;
    /**
     * Native placement: the address `ollama serve` binds to. `auto` picks the narrowest one the
     * backend container can reach: 127.0.0.1 on macOS (Docker Desktop forwards host.docker.internal
     * to the host's loopback), the Docker bridge gateway on Linux (where host-gateway points).
     */
    bindAddress: string;
    /** OLLAMA_ORIGINS; defaults to the frontend's own origin, never `*`. */
    origins: string[];
    /** Model store: OLLAMA_MODELS for native, a bind-backed volume for a local container. Absolute, `~` expanded. */
    modelsDir?: string;
    /** Native placement: path of the `ollama` executable; otherwise looked up on a PATH with Homebrew's directories. */
    binary?: string;
    /** Native placement: adopt an Ollama already answering on the port (and never stop it). */
    adoptExisting: boolean;
    /** OLLAMA_FLASH_ATTENTION */
    flashAttention?: boolean;
    /** OLLAMA_KV_CACHE_TYPE */
    kvCacheType?: KvCacheType;
    /** OLLAMA_NUM_PARALLEL */
    numParallel?: number;
    /** OLLAMA_CONTEXT_LENGTH */
    contextLength?: number;
    /** Seconds to wait for /api/version to answer after a start. */
    readyTimeoutSeconds: number;
    /** Directory for the native server's pidfile and log on Linux (per stack). */
    stateDir: string;
    /**
     * GiB of memory the GPU may use, for the capacity check (components/capacity/): on a Mac the
     * Metal working set (README, "How many users?"); unset on DigitalOcean (taken from the size).
     */
    gpuMemoryGb?: number;
    /** Kubernetes placement: Ollama pods, one GPU and one GPU node each. */
    replicas: number;
}

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

/** A basic-auth user with its bcrypt hash, kept secret. */
export interface BasicAuthUser {
    name: string;
    passwordHash: pulumi.Output<string>;
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

export interface DigitalOceanSettings {
    /** Region slug (tor1, nyc2...): must offer `size` (see components/hosts/digitalocean-sizes.ts). */
    region: string;
    /** GPU droplet size slug, e.g. gpu-4000adax1-20gb. */
    size: string;
    /** Droplet image; defaults to the size's AI/ML-ready NVIDIA base image (gpu-h100x1-base for one GPU). */
    image: string;
    /** Public key text to register, or existing key fingerprints (at least one of the two). */
    sshPublicKey?: string;
    sshKeyFingerprints: string[];
    /** Path of the private key the Docker provider and remote commands use (ssh-agent when unset). */
    sshPrivateKeyPath?: string;
    /** CIDRs allowed to reach SSH. */
    adminCidrs: string[];
    /** Allow 0.0.0.0/0 or ::/0 in adminCidrs (refused otherwise). */
    allowSshFromAnywhere: boolean;
    /**
     * Private IPv4 range of the stack's VPC, when chosen by hand. Unset (the default): DigitalOcean
     * picks a range that does not overlap the account's other VPCs, and the firewall opens Ollama
     * and Neo4j to the range the VPC really got.
     */
    vpcIpRange?: string;
    /** Size of the block volume holding the Ollama models, GB. */
    modelsVolumeGb: number;
    /** Size of the block volume holding the Neo4j data, GB. */
    neo4jVolumeGb: number;
    /** Tags put on the droplet and volumes. */
    tags: string[];
    /**
     * Park the GPU: no droplet (nor anything on it) while true; the volumes, reserved IP, VPC,
     * firewall and SSH key stay. See README, "Park the GPU".
     */
    parked: boolean;
    /**
     * DigitalOcean ids of retained block volumes to adopt instead of creating new ones (Pulumi's
     * `import` option): after the stack lost them from its state but they still hold the data.
     */
    importVolumeIds?: { models?: string; neo4j?: string };
}

export interface HostSettings {
    provider: HostProvider;
    /** Docker engine URL for `local` and `existing` (unix://, ssh://, tcp://). */
    dockerHost: string;
    /** Why that engine: config, DOCKER_HOST, Docker Desktop's socket or the system socket (hosts/docker-endpoint.ts). */
    dockerHostReason: string;
    /** User for ssh to the droplet (`digitalocean`). */
    sshUser: string;
}

/** The whole validated configuration of one stack. */
export interface Profile {
    stack: string;
    /** Stacks named `prod` or `prod-*`: pinned images required, policy mandatory. */
    production: boolean;
    ollama: OllamaSettings;
    host: HostSettings;
    services: ServicesSettings;
    digitalocean?: DigitalOceanSettings;
    /** DigitalOcean Kubernetes cluster (`host.provider: doks`). */
    doks?: DoksSettings;
    neo4jPassword: pulumi.Output<string>;
    /** DigitalOcean API token from secret config, when not taken from DIGITALOCEAN_TOKEN. */
    digitaloceanToken?: pulumi.Output<string>;
    /** Basic-auth users of the front door (services.auth.users with their hashes); empty: no auth. */
    basicAuth: BasicAuthUser[];
}

/** Raw values as they come from the stack file; secrets are passed separately. */
export interface RawConfig {
    ollama?: unknown;
    host?: unknown;
    docker?: unknown;
    services?: unknown;
    digitalocean?: unknown;
    doks?: unknown;
}

export interface RawSecrets {
    /** `text`: the plain value, only to check its length (Neo4j's minimum). */
    neo4jPassword?: { value: pulumi.Output<string>; isSecret: boolean; text?: string };
    digitaloceanToken?: { value: pulumi.Output<string>; isSecret: boolean };
    /** `authPasswordHashes`: user name -> bcrypt hash, read as plain data so it can be checked here. */
    authPasswordHashes?: { value: unknown; isSecret: boolean };
}

/** Thrown when the stack's configuration is invalid; lists every problem found. */
export class ConfigError extends Error {
    constructor(public readonly stack: string, public readonly problems: string[]) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

type Obj = Record<string, unknown>;

/** Collects problems while reading one object of the config; keys are reported fully qualified. */
export class Reader {
    constructor(private readonly problems: string[], private readonly prefix: string, private readonly obj: Obj) {}

    static of(problems: string[], key: string, value: unknown): Reader {
        if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
            problems.push(`${PROJECT}:${key}: ${show(value)} is not an object; write it as a YAML mapping`);
            return new Reader(problems, key, {});
        }
        return new Reader(problems, key, (value ?? {}) as Obj);
    }

    key(name: string): string {
        return `${PROJECT}:${this.prefix}.${name}`;
    }

    has(name: string): boolean {
        return this.obj[name] !== undefined;
    }

    problem(name: string, value: unknown, allowed: string): void {
        this.problems.push(`${this.key(name)}: ${show(value)} is not allowed; ${allowed}`);
    }

    child(name: string): Reader {
        return Reader.of(this.problems, `${this.prefix}.${name}`, this.obj[name]);
    }

    string(name: string, fallback?: string, pattern?: RegExp, allowed?: string): string {
        const value = this.obj[name];
        if (value === undefined) {
            if (fallback === undefined) {
                this.problems.push(`${this.key(name)} is missing; ${allowed ?? "set it in the stack file"}`);
                return "";
            }
            return fallback;
        }
        if (typeof value !== "string" || value.trim() === "") {
            this.problem(name, value, allowed ?? "expected a non-empty string");
            return fallback ?? "";
        }
        if (pattern && !pattern.test(value)) {
            this.problem(name, value, allowed ?? `expected to match ${pattern}`);
        }
        return value;
    }

    optionalString(name: string, pattern?: RegExp, allowed?: string): string | undefined {
        return this.has(name) ? this.string(name, undefined, pattern, allowed) : undefined;
    }

    oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T {
        const value = this.obj[name];
        if (value === undefined && fallback !== undefined) return fallback;
        if (value === undefined) {
            this.problems.push(`${this.key(name)} is missing; use one of: ${choices.join(", ")}`);
            return choices[0];
        }
        if (!choices.includes(value as T)) {
            this.problem(name, value, `use one of: ${choices.join(", ")}`);
            return fallback ?? choices[0];
        }
        return value as T;
    }

    integer(name: string, fallback: number, min: number, max: number): number {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.problem(name, value, `expected an integer from ${min} to ${max}`);
            return fallback;
        }
        return n;
    }

    optionalInteger(name: string, min: number, max: number): number | undefined {
        return this.has(name) ? this.integer(name, min, min, max) : undefined;
    }

    boolean(name: string, fallback: boolean): boolean {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problem(name, value, "expected true or false");
        return fallback;
    }

    optionalBoolean(name: string): boolean | undefined {
        return this.has(name) ? this.boolean(name, false) : undefined;
    }

    stringList(name: string, fallback: string[], pattern?: RegExp, allowed?: string): string[] {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
            this.problem(name, value, "expected a list of non-empty strings");
            return fallback;
        }
        if (pattern) {
            for (const item of value as string[]) {
                if (!pattern.test(item)) this.problem(name, item, allowed ?? `each item must match ${pattern}`);
            }
        }
        return value as string[];
    }

    stringMap(name: string): Record<string, string> {
        const value = this.obj[name];
        if (value === undefined) return {};
        if (typeof value !== "object" || value === null || Array.isArray(value) ||
            Object.values(value).some((v) => typeof v !== "string")) {
            this.problem(name, value, "expected a mapping of names to string values");
            return {};
        }
        return value as Record<string, string>;
    }

    /** Keys present in the object that the schema does not know: almost always a typo. */
    rejectUnknown(known: readonly string[]): void {
        for (const k of Object.keys(this.obj)) {
            if (!known.includes(k)) {
                this.problems.push(`${this.key(k)} is not a known setting; known: ${known.join(", ")}`);
            }
        }
    }
}

function show(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

/** `name:tag`, optionally `namespace/name:tag` or `registry/namespace/name:tag`, as `ollama pull` accepts. */
export const MODEL_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*){0,2}:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DOCKER_HOST = /^(unix|ssh|tcp|npipe):\/\/\S+$/;


/** An image key, checked by the reference grammar (components/validation/image-reference.ts). */
function imageReference(r: Reader, name: string, fallback: string, example: string): string {
    const value = r.string(name, fallback, undefined, `expected an image reference such as ${example}`);
    const parsed = value === "" ? undefined : parseImageReference(value);
    if (parsed && !parsed.ok) {
        r.problem(name, value, `${parsed.reason}; expected an image reference such as ${example} (name[:tag][@sha256:<64 hex digits>])`);
    }
    return value;
}

/** A listen/publish address key: a keyword or a strict IP address (components/validation/addresses.ts), normalised. */
function listenAddress(r: Reader, name: string, fallback: string, keywords: readonly string[], allowed: string): string {
    const value = r.string(name, fallback, undefined, allowed);
    const address = parseListenAddress(value, keywords);
    if (address === undefined) {
        if (value !== "") r.problem(name, value, `it is not an IP address; ${allowed}`);
        return fallback;
    }
    return address;
}

function expandHome(p: string): string {
    return p === "~" ? os.homedir() : p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
}

/** `ollama.keepAlive`: a duration or seconds as Ollama reads them (validation/keep-alive.ts); YAML's `-1` arrives as a number. */
function readKeepAlive(r: Reader, raw: unknown): string {
    if (!r.has("keepAlive")) return "24h";
    const value = (raw as Obj).keepAlive;
    const parsed = parseKeepAlive(value);
    if (!parsed.ok) {
        r.problem("keepAlive", value, parsed.reason);
        return "24h";
    }
    return parsed.text;
}

function readOllama(problems: string[], raw: unknown, stack: string, frontendOrigin: string): OllamaSettings {
    const r = Reader.of(problems, "ollama", raw);
    r.rejectUnknown([
        "mode", "model", "port", "accelerator", "keepAlive", "image", "bindAddress", "origins", "modelsDir",
        "binary", "adoptExisting", "flashAttention", "kvCacheType", "numParallel", "contextLength",
        "readyTimeoutSeconds", "stateDir", "gpuMemoryGb", "replicas",
    ]);
    const mode = r.oneOf("mode", OLLAMA_MODES);
    const model = r.string("model", undefined, MODEL_PATTERN,
        "use name:tag as `ollama pull` takes it, lower-case, e.g. qwen2.5:7b-instruct-q8_0 (a bare name means :latest, which changes under you)");
    const port = r.integer("port", 11434, 1, 65535);
    const accelerator = r.oneOf("accelerator", ACCELERATORS);
    const keepAlive = readKeepAlive(r, raw);
    const image = imageReference(r, "image", DEFAULT_OLLAMA_IMAGE, "ollama/ollama:0.12.6");
    const bindAddress = listenAddress(r, "bindAddress", "auto", ["auto", "localhost"],
        "use auto (narrowest address the backend container can reach), an IP address of this host (127.0.0.1, 172.17.0.1, ::1), or 0.0.0.0");
    const origins = r.stringList("origins", [frontendOrigin]);
    // The default is derived from services.publicHost, whose own check names a bad host once.
    for (const origin of r.has("origins") ? origins : []) {
        const problem = originProblem(origin);
        if (problem) r.problem("origins", origin, `${problem}; ${ORIGIN_ALLOWED}`);
    }
    const modelsDirRaw = r.optionalString("modelsDir", /^(~|~\/.*|\/.*)$/, "use an absolute path or one starting with ~/");
    const binary = r.optionalString("binary", /^\/\S*$/, "use an absolute path to the ollama executable");
    const adoptExisting = r.boolean("adoptExisting", false);
    const flashAttention = r.optionalBoolean("flashAttention");
    const kvCacheType = r.has("kvCacheType") ? r.oneOf("kvCacheType", KV_CACHE_TYPES) : undefined;
    const numParallel = r.optionalInteger("numParallel", 1, 64);
    const contextLength = r.optionalInteger("contextLength", 256, 1048576);
    const readyTimeoutSeconds = r.integer("readyTimeoutSeconds", 60, 1, 3600);
    const gpuMemoryRaw: unknown = r.has("gpuMemoryGb") ? (raw as Obj).gpuMemoryGb : undefined;
    const gpuMemoryGb = gpuMemoryRaw === undefined ? undefined : typeof gpuMemoryRaw === "number" ? gpuMemoryRaw
        : typeof gpuMemoryRaw === "string" && /^\d+(\.\d+)?$/.test(gpuMemoryRaw) ? Number(gpuMemoryRaw) : NaN;
    if (gpuMemoryGb !== undefined && !(Number.isFinite(gpuMemoryGb) && gpuMemoryGb > 0 && gpuMemoryGb <= 4096)) {
        r.problem("gpuMemoryGb", gpuMemoryRaw, "expected GiB of GPU memory, a number above 0, e.g. 21.3 (what Ollama's log prints as total)");
    }
    const replicas = r.integer("replicas", 1, 1, 64);
    if (r.has("replicas") && mode !== "kubernetes") {
        r.problem("replicas", replicas, `only the kubernetes placement runs several Ollama servers; remove it or set ${PROJECT}:ollama.mode: kubernetes`);
    }
    const stateDirRaw = r.string("stateDir", `~/.local/state/${PROJECT}/${stack}`, /^(~|~\/.*|\/.*)$/,
        "use an absolute path or one starting with ~/");

    if (accelerator === "metal" && mode === "container") {
        problems.push(
            `${PROJECT}:ollama.accelerator: "metal" is not allowed with ${PROJECT}:ollama.mode "container"; ` +
                "Docker on a Mac runs containers in a Linux VM that cannot reach the Metal GPU (Ollama falls back to the CPU, " +
                "0.5-0.7 tok/s). Use mode: native for Metal, or accelerator: cpu to accept CPU speed knowingly",
        );
    }
    const modelsDir = modelsDirRaw === undefined ? undefined : expandHome(modelsDirRaw);
    const modelsDirProblem = modelsDir === undefined ? undefined : modelsDirNameProblem(modelsDir, os.homedir());
    if (modelsDirProblem) {
        r.problem("modelsDir", modelsDirRaw, `${modelsDirProblem}, and Ollama keeps blobs/ and manifests/ there and at every start deletes any file in blobs/ that is not one of its own; ${MODELS_DIR_ALLOWED}`);
    }
    if (kvCacheType !== undefined && kvCacheType !== "f16" && flashAttention === false) {
        problems.push(`${PROJECT}:ollama.kvCacheType: ${show(kvCacheType)} needs flash attention; set ${PROJECT}:ollama.flashAttention: true`);
    }
    return {
        mode, model, port, accelerator, keepAlive, image, bindAddress, origins,
        modelsDir,
        binary, adoptExisting, flashAttention, kvCacheType, numParallel, contextLength, readyTimeoutSeconds,
        stateDir: expandHome(stateDirRaw),
        gpuMemoryGb: gpuMemoryGb !== undefined && Number.isFinite(gpuMemoryGb) && gpuMemoryGb > 0 ? gpuMemoryGb : undefined,
        replicas,
    };
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

function readServices(problems: string[], raw: unknown, provider: HostProvider): ServicesSettings {
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

/** Pairs each services.auth user with its bcrypt hash from the secret `authPasswordHashes`. */
function readBasicAuth(problems: string[], users: string[], secret: RawSecrets["authPasswordHashes"]): BasicAuthUser[] {
    const key = `${PROJECT}:authPasswordHashes`;
    const command = (user: string) => `pulumi config set --secret --path 'authPasswordHashes.${user}' "$(caddy hash-password)"`;
    if (!secret) {
        if (users.length > 0) problems.push(`${key} is missing; services.auth.users needs a bcrypt hash per user: ${command(users[0])}`);
        return [];
    }
    if (!secret.isSecret) problems.push(`${key} is stored in plain text in the stack file; set each hash with: ${command(users[0] ?? "<user>")}`);
    const value = typeof secret.value === "string" ? parseJsonObject(secret.value) : secret.value;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${key}: (a secret, not shown) is not allowed; expected a mapping of user name to bcrypt hash`);
        return [];
    }
    const hashes = value as Record<string, unknown>;
    for (const name of Object.keys(hashes)) {
        if (!users.includes(name)) {
            problems.push(`${key}.${name}: a hash for a user not in ${PROJECT}:services.auth.users (${users.join(", ") || "none"}); add the user there or remove the hash`);
        }
    }
    const result: BasicAuthUser[] = [];
    for (const name of users) {
        const hash = hashes[name];
        if (hash === undefined) {
            problems.push(`${key}.${name} is missing; user ${JSON.stringify(name)} of ${PROJECT}:services.auth.users needs a bcrypt hash: ${command(name)}`);
            continue;
        }
        const problem = bcryptProblem(hash);
        if (problem) {
            problems.push(`${key}.${name}: (a secret, not shown) is not allowed; ${problem}. Store a bcrypt hash: ${command(name)}`);
            continue;
        }
        result.push({ name, passwordHash: pulumi.secret(hash as string) });
    }
    return result;
}

function parseJsonObject(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function readHost(problems: string[], rawHost: unknown, rawDocker: unknown, env: NodeJS.ProcessEnv): HostSettings {
    const h = Reader.of(problems, "host", rawHost);
    h.rejectUnknown(["provider", "sshUser"]);
    const d = Reader.of(problems, "docker", rawDocker);
    d.rejectUnknown(["host"]);
    const provider = h.oneOf("provider", HOST_PROVIDERS, "local");
    // Unset: DOCKER_HOST, then Docker Desktop's socket, then /var/run/docker.sock (hosts/docker-endpoint.ts).
    const configured = d.optionalString("host", DOCKER_HOST,
        "use a Docker engine URL: unix:///var/run/docker.sock, ssh://user@host or tcp://host:2376, or leave it unset to follow DOCKER_HOST");
    const resolved = provider === "digitalocean" || provider === "doks"
        ? { url: "", reason: provider === "doks" ? "no Docker engine: a Kubernetes cluster" : "the droplet's engine over ssh" }
        : resolveDockerHost(configured, { ...LOCAL_PROBE, env });
    if ("problem" in resolved) problems.push(`${PROJECT}:docker.host is unset and ${resolved.problem}`);
    const dockerHost = "problem" in resolved ? "" : resolved.url;
    const dockerHostReason = "problem" in resolved ? "" : resolved.reason;
    if (provider === "existing" && !/^(ssh|tcp):\/\//.test(dockerHost)) {
        d.problem("host", dockerHost, `${PROJECT}:host.provider "existing" deploys to a remote engine; use ssh://user@host`);
    }
    if (provider === "doks" && d.has("host")) {
        d.problem("host", configured, `${PROJECT}:host.provider "doks" deploys to Kubernetes, not to a Docker engine; remove ${PROJECT}:docker.host`);
    }
    if (provider === "digitalocean" && d.has("host")) {
        d.problem("host", configured, `${PROJECT}:host.provider "digitalocean" creates the engine itself (ssh://<sshUser>@<reserved ip>); remove ${PROJECT}:docker.host`);
    }
    const sshUser = h.string("sshUser", "root", /^[a-z_][a-z0-9_-]*$/, "expected a Unix user name");
    return { provider, dockerHost, dockerHostReason, sshUser };
}

/** Neo4j 5's default dbms.security.auth_minimum_password_length. */
export const NEO4J_MIN_PASSWORD_LENGTH = 8;

/** Ports the droplet's firewall never opens to the internet: Ollama, Neo4j bolt and browser. */
export const DIGITALOCEAN_PRIVATE_PORTS: readonly number[] = [11434, 7687, 7474];

const PRIVATE_IPV4_CIDR = /^(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3})\/(1[6-9]|2[0-8])$/;

function readDigitalOcean(problems: string[], raw: unknown, provider: HostProvider, publicPorts: number[]): DigitalOceanSettings | undefined {
    if (provider !== "digitalocean") {
        const parked = raw !== null && typeof raw === "object" && (raw as Obj).parked;
        if (parked === true || parked === "true") {
            problems.push(`${PROJECT}:digitalocean.parked: true is not allowed with ${PROJECT}:host.provider "${provider}"; ` +
                "there is nothing to park: the stack parks only a GPU droplet it created itself (host.provider: digitalocean). " +
                "Remove digitalocean.parked, or stop the app on that host with pulumi destroy");
        } else if (raw !== undefined) {
            problems.push(`${PROJECT}:digitalocean is set but ${PROJECT}:host.provider is "${provider}"; set host.provider: digitalocean or remove it`);
        }
        return undefined;
    }
    if (raw === undefined) {
        problems.push(`${PROJECT}:digitalocean is missing; host.provider "digitalocean" needs region, size, adminCidrs and an ssh key`);
    }
    const r = Reader.of(problems, "digitalocean", raw);
    r.rejectUnknown([
        "region", "size", "image", "sshPublicKey", "sshKeyFingerprints", "sshPrivateKeyPath", "adminCidrs",
        "allowSshFromAnywhere", "vpcIpRange", "modelsVolumeGb", "neo4jVolumeGb", "tags", "parked", "importVolumeIds",
    ]);
    const sizeSlugs = Object.keys(DIGITALOCEAN_GPU_SIZES);
    const size = r.string("size", undefined, /^\S+$/, `use one of the DigitalOcean NVIDIA GPU sizes: ${sizeSlugs.join(", ")}`);
    const settings: DigitalOceanSettings = {
        region: r.string("region", undefined, /^[a-z]{3}\d$/, "use a region slug such as tor1, nyc2, atl1, ams3"),
        size,
        image: r.string("image", baseImageFor(size), /^\S+$/, "use a DigitalOcean image slug such as gpu-h100x1-base"),
        sshPublicKey: r.optionalString("sshPublicKey", /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/,
            "paste the public key line (ssh-ed25519 AAAA... comment)"),
        sshKeyFingerprints: r.stringList("sshKeyFingerprints", [], /^([0-9a-f]{2}:){15}[0-9a-f]{2}$|^\d+$/,
            "each item must be an MD5 fingerprint (aa:bb:...) or a numeric key id"),
        sshPrivateKeyPath: r.optionalString("sshPrivateKeyPath", /^(~|~\/.*|\/.*)$/, "use an absolute path or one starting with ~/"),
        adminCidrs: r.stringList("adminCidrs", []),
        allowSshFromAnywhere: r.boolean("allowSshFromAnywhere", false),
        vpcIpRange: r.optionalString("vpcIpRange", PRIVATE_IPV4_CIDR,
            "use a private IPv4 range from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 that no other VPC of the account uses, or remove it to let DigitalOcean choose"),
        modelsVolumeGb: r.integer("modelsVolumeGb", 100, 10, 16384),
        neo4jVolumeGb: r.integer("neo4jVolumeGb", 20, 1, 16384),
        tags: r.stringList("tags", ["rag-stack"], /^[A-Za-z0-9:\-_]{1,255}$/, "tags are letters, digits, : - _"),
        parked: r.boolean("parked", false),
        importVolumeIds: readImportVolumeIds(r),
    };
    if (settings.sshPrivateKeyPath) settings.sshPrivateKeyPath = expandHome(settings.sshPrivateKeyPath);
    if (!settings.sshPublicKey && settings.sshKeyFingerprints.length === 0) {
        problems.push(`${PROJECT}:digitalocean.sshPublicKey is missing; set it (the public key line) or list existing keys in ${PROJECT}:digitalocean.sshKeyFingerprints`);
    }
    if (raw !== undefined && settings.adminCidrs.length === 0) {
        problems.push(`${PROJECT}:digitalocean.adminCidrs is empty; list the CIDRs allowed to reach SSH, e.g. [203.0.113.7/32]`);
    }
    // Parsed with ipaddr.js and judged by the same code as the policy pack's firewall rule.
    for (const p of checkAdminSources(settings.adminCidrs, settings.allowSshFromAnywhere, `${PROJECT}:digitalocean.allowSshFromAnywhere: true`)) {
        r.problem("adminCidrs", p.value, p.reason);
    }
    settings.adminCidrs = normaliseCidrs(settings.adminCidrs);
    if (settings.size && settings.region) {
        const placementProblem = checkDigitalOceanPlacement(settings.size, settings.region);
        if (placementProblem) problems.push(`${PROJECT}:digitalocean.${placementProblem}`);
    }
    for (const port of publicPorts) {
        if (port === 22 || DIGITALOCEAN_PRIVATE_PORTS.includes(port)) {
            problems.push(`${PROJECT}:services: host port ${port} is not allowed with host.provider "digitalocean"; the firewall opens the frontend and backend ports to the internet, ` +
                `and ${[22, ...DIGITALOCEAN_PRIVATE_PORTS].join(", ")} must stay closed: use 80, 443 or another port`);
        }
    }
    return settings;
}

/** `digitalocean.importVolumeIds: {models, neo4j}`: volume ids as `doctl compute volume list` prints them. */
function readImportVolumeIds(r: Reader): { models?: string; neo4j?: string } {
    if (!r.has("importVolumeIds")) return {};
    const ids = r.child("importVolumeIds");
    ids.rejectUnknown(["models", "neo4j"]);
    const VOLUME_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const allowed = "use the volume's ID from `doctl compute volume list --format ID,Name`";
    return { models: ids.optionalString("models", VOLUME_ID, allowed), neo4j: ids.optionalString("neo4j", VOLUME_ID, allowed) };
}

function readSecret(problems: string[], key: string, secret: RawSecrets["neo4jPassword" | "digitaloceanToken"], required: string | undefined) {
    if (!secret) {
        if (required) problems.push(`${PROJECT}:${key} is missing; ${required}`);
        return undefined;
    }
    if (!secret.isSecret) {
        problems.push(`${PROJECT}:${key} is stored in plain text in the stack file; run: pulumi config set --secret ${key} <value>`);
    }
    return pulumi.secret(secret.value);
}

/** Validates raw config into a Profile, or throws a ConfigError naming every bad key. */
export function parseProfile(stack: string, raw: RawConfig, secrets: RawSecrets, env: NodeJS.ProcessEnv = process.env): Profile {
    const problems: string[] = [];
    const production = isProductionStack(stack);
    const host = readHost(problems, raw.host, raw.docker, env);
    const services = readServices(problems, raw.services, host.provider);
    const frontendScheme = services.frontend.hostPort === 443 ? "https" : "http";
    // On Kubernetes the frontend is reached only through the load balancer's HTTPS.
    const frontendOrigin = host.provider === "doks" ? `https://${services.publicHost}`
        : services.proxy.enabled ? publicOrigin(services)
        : [80, 443].includes(services.frontend.hostPort)
            ? `${frontendScheme}://${services.publicHost}`
            : `http://${services.publicHost}:${services.frontend.hostPort}`;
    const ollama = readOllama(problems, raw.ollama, stack, frontendOrigin);
    const digitalocean = readDigitalOcean(problems, raw.digitalocean, host.provider, publishedAppPorts(services));

    const doks = readDoks(problems, raw.doks, host.provider, ollama, services.publicHost);
    // Will the model, its context and its parallel slots fit the GPU? (components/capacity/)
    problems.push(...capacityProblems(ollama, host.provider, digitalocean, doks?.gpuPool.size));

    if ((ollama.mode === "kubernetes") !== (host.provider === "doks")) {
        problems.push(
            `${PROJECT}:ollama.mode: ${show(ollama.mode)} is not allowed with ${PROJECT}:host.provider ${show(host.provider)}; ` +
                "the kubernetes placement runs on a DigitalOcean Kubernetes cluster and a cluster runs only that placement: use mode: kubernetes with provider: doks",
        );
    }
    if (ollama.mode === "native" && host.provider !== "local" && host.provider !== "doks") {
        problems.push(
            `${PROJECT}:ollama.mode: "native" is not allowed with ${PROJECT}:host.provider "${host.provider}"; ` +
                "native Ollama runs on the machine that runs Pulumi, next to a local Docker engine. Use mode: container on a remote host",
        );
    }
    if (services.neo4j.volumeName !== undefined && host.provider === "digitalocean") {
        problems.push(`${PROJECT}:services.neo4j.volumeName: ${show(services.neo4j.volumeName)} is not allowed with ${PROJECT}:host.provider "digitalocean"; ` +
            "the droplet keeps Neo4j's data on its own block volume. Adopt an existing volume on a local or existing engine only");
    }
    // Ollama first: a service on Ollama's port is the one named as the clash. Only what really takes a
    // port on the host: the native server, the app's own ports or the front door's, Neo4j's loopback
    // ports. A Kubernetes cluster publishes nothing on any host.
    if (host.provider !== "doks") {
        problems.push(...hostPortClashes([
            ...(ollama.mode === "native" ? [{ key: `${PROJECT}:ollama.port`, port: ollama.port }] : []),
            ...(services.proxy.enabled
                ? [
                    { key: `${PROJECT}:services.proxy.httpPort`, port: services.proxy.httpPort },
                    { key: `${PROJECT}:services.proxy.httpsPort`, port: services.proxy.httpsPort },
                ]
                : [
                    { key: `${PROJECT}:services.backend.hostPort`, port: services.backend.hostPort },
                    { key: `${PROJECT}:services.frontend.hostPort`, port: services.frontend.hostPort },
                ]),
            { key: `${PROJECT}:services.neo4j.boltPort`, port: services.neo4j.boltPort },
            { key: `${PROJECT}:services.neo4j.httpPort`, port: services.neo4j.httpPort },
        ]));
    }
    if (ollama.accelerator === "metal" && host.provider !== "local") {
        problems.push(`${PROJECT}:ollama.accelerator: "metal" is not allowed with ${PROJECT}:host.provider "${host.provider}"; Metal exists only on a Mac running Ollama natively. Use nvidia`);
    }
    // Every size the droplet can be is an NVIDIA GPU size, and its readiness check demands a working
    // GPU before anything deploys: cpu there pays GPU prices for CPU speed. Refused as DOKS refuses it
    // (config-doks.ts); there is no opt-out, as nothing would be gained by one.
    if (ollama.accelerator === "cpu" && host.provider === "digitalocean" && digitalocean) {
        const gpu = DIGITALOCEAN_GPU_SIZES[digitalocean.size];
        problems.push(`${PROJECT}:ollama.accelerator: "cpu" is not allowed with ${PROJECT}:host.provider "digitalocean"; the droplet is a GPU droplet ` +
            `(${digitalocean.size}${gpu ? `, ${gpu.gpuCount}x ${gpu.gpu} at $${gpu.pricePerHourUsd}/h` : ""}) and must pass its GPU check before anything deploys, ` +
            "while Ollama would leave the GPU idle and answer at CPU speed. Use accelerator: nvidia; to stop paying for the GPU, park it (digitalocean.parked: true)");
    }
    if (production) {
        const images: [string, string][] = [
            ["ollama.image", ollama.image],
            ["services.backend.image", services.backend.image],
            ["services.frontend.image", services.frontend.image],
            ["services.neo4j.image", services.neo4j.image],
            ...(services.proxy.enabled ? [["services.proxy.image", services.proxy.image] as [string, string]] : []),
        ];
        for (const [key, ref] of images) {
            if (key === "ollama.image" && ollama.mode === "native") continue;
            if (!isPinnedImage(ref)) {
                problems.push(`${PROJECT}:${key}: ${show(ref)} is not pinned; production stacks need an explicit version tag or @sha256 digest (not :latest)`);
            }
        }
    }
    const neo4jPassword = readSecret(problems, "neo4jPassword", secrets.neo4jPassword,
        "run: pulumi config set --secret neo4jPassword <password> (at least 8 characters)");
    const passwordLength = secrets.neo4jPassword?.text?.length;
    if (passwordLength !== undefined && passwordLength < NEO4J_MIN_PASSWORD_LENGTH) {
        problems.push(`${PROJECT}:neo4jPassword: a password of ${passwordLength} characters is not allowed; Neo4j refuses passwords shorter than ` +
            `${NEO4J_MIN_PASSWORD_LENGTH} (dbms.security.auth_minimum_password_length) and would not start. run: pulumi config set --secret neo4jPassword <at least 8 characters>`);
    }
    const digitaloceanToken = readSecret(problems, "digitaloceanToken", secrets.digitaloceanToken, undefined);
    const basicAuth = readBasicAuth(problems, services.auth.users, secrets.authPasswordHashes);
    if ((host.provider === "digitalocean" || host.provider === "doks") && !digitaloceanToken && !env.DIGITALOCEAN_TOKEN) {
        problems.push(`${PROJECT}:digitaloceanToken is missing and DIGITALOCEAN_TOKEN is not set; export DIGITALOCEAN_TOKEN=... or run: pulumi config set --secret digitaloceanToken <token>`);
    }

    if (problems.length > 0) throw new ConfigError(stack, problems);
    return {
        stack, production, ollama, host, services, digitalocean, doks,
        neo4jPassword: neo4jPassword as pulumi.Output<string>,
        digitaloceanToken,
        basicAuth,
    };
}

/** `https://<publicHost>` (with the port when it is not 443): the origin users reach the front door at. */
export function publicOrigin(services: ServicesSettings): string {
    return `https://${services.publicHost}${services.proxy.httpsPort === 443 ? "" : `:${services.proxy.httpsPort}`}`;
}

/** Host ports the backend and frontend publish themselves: none behind the front door. */
export function publishedAppPorts(services: ServicesSettings): number[] {
    return services.proxy.enabled ? [] : [services.frontend.hostPort, services.backend.hostPort];
}

type SecretAwareRuntime = { isConfigSecret?: (key: string) => boolean };

/**
 * Reads the current stack's configuration through Pulumi and validates it. Also refuses what
 * depends on this machine: keys of the namespace nothing reads (every key read here is known: the
 * `raw` fields and the secrets), `accelerator: metal` off a Mac and `nvidia` on one, a model store
 * here that holds other things; and warns about keys without effect in this placement and about a
 * model whose size validation cannot tell.
 */
export function loadProfile(): Profile {
    const config = new pulumi.Config(PROJECT);
    const isConfigSecret = (pulumi.runtime as unknown as SecretAwareRuntime).isConfigSecret ?? (() => true);
    const secretNames: string[] = [];
    const secret = (key: string) => {
        secretNames.push(key);
        const value = config.getSecret(key);
        // config.get reads the same value in plain text, for the length check only (it never leaves parseProfile).
        return value === undefined ? undefined : { value, isSecret: isConfigSecret(`${PROJECT}:${key}`), text: config.get(key) };
    };
    const raw: RawConfig = {
        ollama: config.getObject("ollama"),
        host: config.getObject("host"),
        docker: config.getObject("docker"),
        services: config.getObject("services"),
        digitalocean: config.getObject("digitalocean"),
        doks: config.getObject("doks"),
    };
    const hashes = config.getObject<unknown>("authPasswordHashes");
    secretNames.push("authPasswordHashes");
    const secrets: RawSecrets = {
        neo4jPassword: secret("neo4jPassword"),
        digitaloceanToken: secret("digitaloceanToken"),
        authPasswordHashes: hashes === undefined ? undefined : { value: hashes, isSecret: isConfigSecret(`${PROJECT}:authPasswordHashes`) },
    };

    const all = pulumi.runtime.allConfig();
    const startProblems = unknownKeyProblems(PROJECT, all, [...Object.keys(raw), ...secretNames],
        Object.keys(all).filter((k) => isConfigSecret(k)));
    const ollama = (raw.ollama ?? {}) as Obj;
    // Only where nothing else refuses metal already (a container, a remote host): one sentence per mistake.
    const provider = ((raw.host ?? {}) as Obj).provider ?? "local";
    const metal = ollama.mode === "native" && provider === "local" ? metalPlatformProblem(PROJECT, String(ollama.accelerator), deployPlatform()) : undefined;
    if (metal) startProblems.push(metal);
    // NVIDIA where Ollama would run on this Mac: natively, or in a container of its own (unix socket) engine.
    const dockerHost = String(((raw.docker ?? {}) as Obj).host ?? process.env.DOCKER_HOST ?? "unix://");
    const onThisMachine = provider === "local" && (ollama.mode === "native" || (ollama.mode === "container" && dockerHost.startsWith("unix://")));
    const nvidia = onThisMachine ? nvidiaPlatformProblem(PROJECT, String(ollama.accelerator), deployPlatform(), ollama.mode === "native" ? "native" : "container") : undefined;
    if (nvidia) startProblems.push(nvidia);
    // The model store, where Ollama uses a directory of this machine: its content (validation/models-dir.ts);
    // a refused name is parseProfile's to report.
    const store = typeof ollama.modelsDir === "string" && /^(~|~\/.*|\/.*)$/.test(ollama.modelsDir) ? expandHome(ollama.modelsDir) : undefined;
    if (store !== undefined && provider === "local" && (ollama.mode === "native" || ollama.mode === "container") && !modelsDirNameProblem(store, os.homedir())) {
        const content = modelsDirContentProblem(store, os.homedir());
        if (content) startProblems.push(`${PROJECT}:ollama.modelsDir: ${show(ollama.modelsDir)} is not allowed; ${content}; ${MODELS_DIR_ALLOWED}`);
    }

    let profile: Profile;
    try {
        profile = parseProfile(pulumi.getStack(), raw, secrets);
    } catch (e) {
        if (e instanceof ConfigError && startProblems.length > 0) throw new ConfigError(e.stack, [...startProblems, ...e.problems]);
        throw e;
    }
    if (startProblems.length > 0) throw new ConfigError(profile.stack, startProblems);
    const written = ollama && typeof ollama === "object" ? Object.keys(ollama) : [];
    for (const warning of ineffectiveKeyWarnings(PROJECT, { mode: profile.ollama.mode, provider: profile.host.provider }, written)) {
        pulumi.log.warn(warning);
    }
    for (const warning of capacityWarnings(profile.ollama, profile.host.provider, profile.digitalocean, profile.doks?.gpuPool.size)) {
        pulumi.log.warn(warning);
    }
    return profile;
}
