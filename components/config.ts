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
import { baseImageFor, checkDigitalOceanPlacement, DIGITALOCEAN_GPU_SIZES } from "./hosts/digitalocean-sizes";
import { isPinnedImage } from "./images";
import { checkAdminSources, normaliseCidrs, parseListenAddress } from "./validation/addresses";
import { ENV_NAME_ALLOWED, invalidEnvNames } from "./validation/env-names";
import { hostPortClashes } from "./validation/host-ports";
import { parseImageReference } from "./validation/image-reference";
import { ORIGIN_ALLOWED, originProblem } from "./validation/origins";
import { ineffectiveKeyWarnings } from "./validation/placement";
import { deployPlatform, metalPlatformProblem } from "./validation/platform";
import { unknownKeyProblems } from "./validation/unknown-keys";

export { isPinnedImage } from "./images";

export const PROJECT = "rag-stack";

export type OllamaMode = "native" | "container";
export type Accelerator = "metal" | "nvidia" | "cpu";
export type KvCacheType = "f16" | "q8_0" | "q4_0";
export type HostProvider = "local" | "digitalocean" | "existing";

export const OLLAMA_MODES: readonly OllamaMode[] = ["native", "container"];
export const ACCELERATORS: readonly Accelerator[] = ["metal", "nvidia", "cpu"];
export const KV_CACHE_TYPES: readonly KvCacheType[] = ["f16", "q8_0", "q4_0"];
export const HOST_PROVIDERS: readonly HostProvider[] = ["local", "digitalocean", "existing"];
export const DEFAULT_OLLAMA_IMAGE = "ollama/ollama:0.12.6";

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
}

export interface FrontendSettings extends AppImage {
    port: number;
    hostPort: number;
    /** Path answering 200 on the frontend. */
    path: string;
}

export interface Neo4jSettings {
    image: string;
    user: string;
    boltPort: number;
    httpPort: number;
}

export interface ServicesSettings {
    backend: BackendSettings;
    frontend: FrontendSettings;
    neo4j: Neo4jSettings;
    /** Host address the backend and frontend ports are published on (Neo4j is only ever on 127.0.0.1). */
    publishAddress: string;
    /** Public hostname or address users reach the frontend by; used for OLLAMA_ORIGINS and URLs. */
    publicHost: string;
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
    /** Private IPv4 range of the stack's VPC; Ollama and Neo4j ports are open to it only. */
    vpcIpRange: string;
    /** Size of the block volume holding the Ollama models, GB. */
    modelsVolumeGb: number;
    /** Size of the block volume holding the Neo4j data, GB. */
    neo4jVolumeGb: number;
    /** Tags put on the droplet and volumes. */
    tags: string[];
}

export interface HostSettings {
    provider: HostProvider;
    /** Docker engine URL for `local` and `existing` (unix://, ssh://, tcp://). */
    dockerHost: string;
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
    neo4jPassword: pulumi.Output<string>;
    /** DigitalOcean API token from secret config, when not taken from DIGITALOCEAN_TOKEN. */
    digitaloceanToken?: pulumi.Output<string>;
}

/** Raw values as they come from the stack file; secrets are passed separately. */
export interface RawConfig {
    ollama?: unknown;
    host?: unknown;
    docker?: unknown;
    services?: unknown;
    digitalocean?: unknown;
}

export interface RawSecrets {
    neo4jPassword?: { value: pulumi.Output<string>; isSecret: boolean };
    digitaloceanToken?: { value: pulumi.Output<string>; isSecret: boolean };
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
class Reader {
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
/** A Go duration as OLLAMA_KEEP_ALIVE takes it (24h, 30m, 1h30m), a number of seconds, or -1 (forever). */
const DURATION_PATTERN = /^(-1|0|\d+|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/;
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

function isProductionStack(stack: string): boolean {
    return stack === "prod" || stack.startsWith("prod-");
}

function readOllama(problems: string[], raw: unknown, stack: string, frontendOrigin: string): OllamaSettings {
    const r = Reader.of(problems, "ollama", raw);
    r.rejectUnknown([
        "mode", "model", "port", "accelerator", "keepAlive", "image", "bindAddress", "origins", "modelsDir",
        "binary", "adoptExisting", "flashAttention", "kvCacheType", "numParallel", "contextLength",
        "readyTimeoutSeconds", "stateDir",
    ]);
    const mode = r.oneOf("mode", OLLAMA_MODES);
    const model = r.string("model", undefined, MODEL_PATTERN,
        "use name:tag as `ollama pull` takes it, lower-case, e.g. qwen2.5:7b-instruct-q8_0 (a bare name means :latest, which changes under you)");
    const port = r.integer("port", 11434, 1, 65535);
    const accelerator = r.oneOf("accelerator", ACCELERATORS);
    const keepAlive = r.string("keepAlive", "24h", DURATION_PATTERN,
        "use a duration such as 24h, 30m or 1h30m, a number of seconds, or -1 to keep the model loaded forever");
    const image = imageReference(r, "image", DEFAULT_OLLAMA_IMAGE, "ollama/ollama:0.12.6");
    const bindAddress = listenAddress(r, "bindAddress", "auto", ["auto", "localhost"],
        "use auto (narrowest address the backend container can reach), an IP address of this host (127.0.0.1, 172.17.0.1, ::1), or 0.0.0.0");
    const origins = r.stringList("origins", [frontendOrigin]);
    for (const origin of origins) {
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
    const stateDirRaw = r.string("stateDir", `~/.local/state/${PROJECT}/${stack}`, /^(~|~\/.*|\/.*)$/,
        "use an absolute path or one starting with ~/");

    if (accelerator === "metal" && mode === "container") {
        problems.push(
            `${PROJECT}:ollama.accelerator: "metal" is not allowed with ${PROJECT}:ollama.mode "container"; ` +
                "Docker on a Mac runs containers in a Linux VM that cannot reach the Metal GPU (Ollama falls back to the CPU, " +
                "0.5-0.7 tok/s). Use mode: native for Metal, or accelerator: cpu to accept CPU speed knowingly",
        );
    }
    if (kvCacheType !== undefined && kvCacheType !== "f16" && flashAttention === false) {
        problems.push(`${PROJECT}:ollama.kvCacheType: ${show(kvCacheType)} needs flash attention; set ${PROJECT}:ollama.flashAttention: true`);
    }
    return {
        mode, model, port, accelerator, keepAlive, image, bindAddress, origins,
        modelsDir: modelsDirRaw === undefined ? undefined : expandHome(modelsDirRaw),
        binary, adoptExisting, flashAttention, kvCacheType, numParallel, contextLength, readyTimeoutSeconds,
        stateDir: expandHome(stateDirRaw),
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

function readServices(problems: string[], raw: unknown): ServicesSettings {
    const s = Reader.of(problems, "services", raw);
    s.rejectUnknown(["backend", "frontend", "neo4j", "publishAddress", "publicHost"]);
    const b = s.child("backend");
    b.rejectUnknown(["image", "build", "port", "hostPort", "healthPath", "env"]);
    const backendPort = b.integer("port", 8000, 1, 65535);
    const backend: BackendSettings = {
        ...readAppImage(b, "rag-backend:dev"),
        port: backendPort,
        hostPort: b.integer("hostPort", backendPort, 1, 65535),
        healthPath: b.string("healthPath", "/health", /^\/\S*$/, "expected a path starting with /"),
        env: b.stringMap("env"),
    };
    for (const name of invalidEnvNames(backend.env)) b.problem("env", name, `it is not a valid environment variable name; ${ENV_NAME_ALLOWED}`);
    for (const reserved of ["OLLAMA_BASE_URL", "NEO4J_URI", "NEO4J_USER", "NEO4J_USERNAME", "NEO4J_PASSWORD"]) {
        if (reserved in backend.env) {
            b.problem(`env.${reserved}`, backend.env[reserved], "this variable is wired by the stack itself; remove it from services.backend.env");
        }
    }
    const f = s.child("frontend");
    f.rejectUnknown(["image", "build", "port", "hostPort", "path"]);
    const frontendPort = f.integer("port", 3000, 1, 65535);
    const frontend: FrontendSettings = {
        ...readAppImage(f, "rag-frontend:dev"),
        port: frontendPort,
        hostPort: f.integer("hostPort", frontendPort, 1, 65535),
        path: f.string("path", "/", /^\/\S*$/, "expected a path starting with /"),
    };
    const n = s.child("neo4j");
    n.rejectUnknown(["image", "user", "boltPort", "httpPort"]);
    const neo4j: Neo4jSettings = {
        image: imageReference(n, "image", "neo4j:5.26-community", "neo4j:5.26-community"),
        user: n.string("user", "neo4j", /^[A-Za-z][A-Za-z0-9_]*$/, "expected a user name of letters, digits and _"),
        boltPort: n.integer("boltPort", 7687, 1, 65535),
        httpPort: n.integer("httpPort", 7474, 1, 65535),
    };
    const publishAddress = listenAddress(s, "publishAddress", "127.0.0.1", [],
        "use an IP address of the Docker host: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces, behind a firewall)");
    const publicHost = s.string("publicHost", "localhost", /^[A-Za-z0-9.:\-[\]]+$/, "expected a hostname or address");
    return { backend, frontend, neo4j, publishAddress, publicHost };
}

function readHost(problems: string[], rawHost: unknown, rawDocker: unknown): HostSettings {
    const h = Reader.of(problems, "host", rawHost);
    h.rejectUnknown(["provider", "sshUser"]);
    const d = Reader.of(problems, "docker", rawDocker);
    d.rejectUnknown(["host"]);
    const provider = h.oneOf("provider", HOST_PROVIDERS, "local");
    const dockerHost = d.string("host", "unix:///var/run/docker.sock", DOCKER_HOST,
        "use a Docker engine URL: unix:///var/run/docker.sock, ssh://user@host or tcp://host:2376");
    if (provider === "existing" && !/^(ssh|tcp):\/\//.test(dockerHost)) {
        d.problem("host", dockerHost, `${PROJECT}:host.provider "existing" deploys to a remote engine; use ssh://user@host`);
    }
    if (provider === "digitalocean" && d.has("host")) {
        d.problem("host", dockerHost, `${PROJECT}:host.provider "digitalocean" creates the engine itself (ssh://<sshUser>@<reserved ip>); remove ${PROJECT}:docker.host`);
    }
    const sshUser = h.string("sshUser", "root", /^[a-z_][a-z0-9_-]*$/, "expected a Unix user name");
    return { provider, dockerHost, sshUser };
}

/** Ports the droplet's firewall never opens to the internet: Ollama, Neo4j bolt and browser. */
export const DIGITALOCEAN_PRIVATE_PORTS: readonly number[] = [11434, 7687, 7474];

const PRIVATE_IPV4_CIDR = /^(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3})\/(1[6-9]|2[0-8])$/;

function readDigitalOcean(problems: string[], raw: unknown, provider: HostProvider, publicPorts: number[]): DigitalOceanSettings | undefined {
    if (provider !== "digitalocean") {
        if (raw !== undefined) {
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
        "allowSshFromAnywhere", "vpcIpRange", "modelsVolumeGb", "neo4jVolumeGb", "tags",
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
        vpcIpRange: r.string("vpcIpRange", "10.110.0.0/20", PRIVATE_IPV4_CIDR,
            "use a private IPv4 range from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, such as 10.110.0.0/20"),
        modelsVolumeGb: r.integer("modelsVolumeGb", 100, 10, 16384),
        neo4jVolumeGb: r.integer("neo4jVolumeGb", 20, 1, 16384),
        tags: r.stringList("tags", ["rag-stack"], /^[A-Za-z0-9:\-_]{1,255}$/, "tags are letters, digits, : - _"),
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

function readSecret(problems: string[], key: string, secret: RawSecrets[keyof RawSecrets], required: string | undefined) {
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
    const host = readHost(problems, raw.host, raw.docker);
    const services = readServices(problems, raw.services);
    const frontendScheme = services.frontend.hostPort === 443 ? "https" : "http";
    const frontendOrigin = [80, 443].includes(services.frontend.hostPort)
        ? `${frontendScheme}://${services.publicHost}`
        : `http://${services.publicHost}:${services.frontend.hostPort}`;
    const ollama = readOllama(problems, raw.ollama, stack, frontendOrigin);
    const digitalocean = readDigitalOcean(problems, raw.digitalocean, host.provider,
        [services.frontend.hostPort, services.backend.hostPort]);

    if (ollama.mode === "native" && host.provider !== "local") {
        problems.push(
            `${PROJECT}:ollama.mode: "native" is not allowed with ${PROJECT}:host.provider "${host.provider}"; ` +
                "native Ollama runs on the machine that runs Pulumi, next to a local Docker engine. Use mode: container on a remote host",
        );
    }
    // Ollama first: a service on Ollama's port is the one named as the clash.
    problems.push(...hostPortClashes([
        ...(ollama.mode === "native" || host.provider === "local" ? [{ key: `${PROJECT}:ollama.port`, port: ollama.port }] : []),
        { key: `${PROJECT}:services.backend.hostPort`, port: services.backend.hostPort },
        { key: `${PROJECT}:services.frontend.hostPort`, port: services.frontend.hostPort },
        { key: `${PROJECT}:services.neo4j.boltPort`, port: services.neo4j.boltPort },
        { key: `${PROJECT}:services.neo4j.httpPort`, port: services.neo4j.httpPort },
    ]));
    if (ollama.accelerator === "metal" && host.provider !== "local") {
        problems.push(`${PROJECT}:ollama.accelerator: "metal" is not allowed with ${PROJECT}:host.provider "${host.provider}"; Metal exists only on a Mac running Ollama natively. Use nvidia`);
    }
    if (production) {
        const images: [string, string][] = [
            ["ollama.image", ollama.image],
            ["services.backend.image", services.backend.image],
            ["services.frontend.image", services.frontend.image],
            ["services.neo4j.image", services.neo4j.image],
        ];
        for (const [key, ref] of images) {
            if (key === "ollama.image" && ollama.mode !== "container") continue;
            if (!isPinnedImage(ref)) {
                problems.push(`${PROJECT}:${key}: ${show(ref)} is not pinned; production stacks need an explicit version tag or @sha256 digest (not :latest)`);
            }
        }
    }
    const neo4jPassword = readSecret(problems, "neo4jPassword", secrets.neo4jPassword,
        "run: pulumi config set --secret neo4jPassword <password> (at least 8 characters)");
    const digitaloceanToken = readSecret(problems, "digitaloceanToken", secrets.digitaloceanToken, undefined);
    if (host.provider === "digitalocean" && !digitaloceanToken && !env.DIGITALOCEAN_TOKEN) {
        problems.push(`${PROJECT}:digitaloceanToken is missing and DIGITALOCEAN_TOKEN is not set; export DIGITALOCEAN_TOKEN=... or run: pulumi config set --secret digitaloceanToken <token>`);
    }

    if (problems.length > 0) throw new ConfigError(stack, problems);
    return {
        stack, production, ollama, host, services, digitalocean,
        neo4jPassword: neo4jPassword as pulumi.Output<string>,
        digitaloceanToken,
    };
}

type SecretAwareRuntime = { isConfigSecret?: (key: string) => boolean };

/**
 * Reads the current stack's configuration through Pulumi and validates it. Also refuses keys of the
 * namespace nothing reads (every key read here is known: the `raw` fields and the secrets) and
 * `accelerator: metal` off a Mac, and warns about keys without effect in this placement.
 */
export function loadProfile(): Profile {
    const config = new pulumi.Config(PROJECT);
    const isConfigSecret = (pulumi.runtime as unknown as SecretAwareRuntime).isConfigSecret ?? (() => true);
    const secretNames: string[] = [];
    const secret = (key: string) => {
        secretNames.push(key);
        const value = config.getSecret(key);
        return value === undefined ? undefined : { value, isSecret: isConfigSecret(`${PROJECT}:${key}`) };
    };
    const raw: RawConfig = {
        ollama: config.getObject("ollama"),
        host: config.getObject("host"),
        docker: config.getObject("docker"),
        services: config.getObject("services"),
        digitalocean: config.getObject("digitalocean"),
    };
    const secrets: RawSecrets = { neo4jPassword: secret("neo4jPassword"), digitaloceanToken: secret("digitaloceanToken") };

    const all = pulumi.runtime.allConfig();
    const startProblems = unknownKeyProblems(PROJECT, all, [...Object.keys(raw), ...secretNames],
        Object.keys(all).filter((k) => isConfigSecret(k)));
    const ollama = (raw.ollama ?? {}) as Obj;
    // Only where nothing else refuses metal already (a container, a remote host): one sentence per mistake.
    const provider = ((raw.host ?? {}) as Obj).provider ?? "local";
    const metal = ollama.mode === "native" && provider === "local" ? metalPlatformProblem(PROJECT, String(ollama.accelerator), deployPlatform()) : undefined;
    if (metal) startProblems.push(metal);

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
    return profile;
}
