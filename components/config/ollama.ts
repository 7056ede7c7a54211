/**
 * `rag-stack:ollama`: where and how Ollama runs (components/ollama/ takes these settings).
 */
import * as os from "os";
import { PROJECT } from "../project";
import { parseKeepAlive } from "../validation/keep-alive";
import { modelsDirNameProblem, MODELS_DIR_ALLOWED } from "../validation/models-dir";
import { ORIGIN_ALLOWED, originProblem } from "../validation/origins";
import { expandHome, imageReference, listenAddress, Obj, Reader, show } from "./reader";

export type OllamaMode = "native" | "container" | "kubernetes";
export type Accelerator = "metal" | "nvidia" | "cpu";
export type KvCacheType = "f16" | "q8_0" | "q4_0";

export const OLLAMA_MODES: readonly OllamaMode[] = ["native", "container", "kubernetes"];
export const ACCELERATORS: readonly Accelerator[] = ["metal", "nvidia", "cpu"];
export const KV_CACHE_TYPES: readonly KvCacheType[] = ["f16", "q8_0", "q4_0"];
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
    /**
     * GiB of memory the GPU may use, for the capacity check (components/capacity/): on a Mac the
     * Metal working set (README, "How many users?"); unset on DigitalOcean (taken from the size).
     */
    gpuMemoryGb?: number;
    /** Kubernetes placement: Ollama pods, one GPU and one GPU node each. */
    replicas: number;
}

/** `name:tag`, optionally `namespace/name:tag` or `registry/namespace/name:tag`, as `ollama pull` accepts. */
export const MODEL_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*){0,2}:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

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

export function readOllama(problems: string[], raw: unknown, stack: string, frontendOrigin: string): OllamaSettings {
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
