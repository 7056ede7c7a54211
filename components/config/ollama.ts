/**
 * `rag-stack:ollama`: where and how Ollama runs. components/ollama/ takes `OllamaSettings`.
 *
 * To add a key: declare it in OLLAMA_KEYS (its kind, default, allowed values, doc, and where it
 * has an effect: `appliesTo`), read it in readOllama with `r.get(name)`; its type, its refusal
 * messages and its line in docs/configuration.md follow from the declaration
 * (`npm run docs:config` rewrites the page).
 */
import * as os from "os";
import { PROJECT } from "../project";
import { parseKeepAlive } from "../validation/keep-alive";
import { modelsDirNameProblem, MODELS_DIR_ALLOWED } from "../validation/models-dir";
import { ORIGIN_ALLOWED, originProblem } from "../validation/origins";
import { MIN_VERSION_PATTERN, OLLAMA_TESTED_VERSION } from "../ollama/version";
import { imageReference, listenAddress, localPath, Reader, show } from "./reader";
import { boolean, integer, list, number, oneOf, parsed, section, SettingsOf, string } from "./schema";

export const OLLAMA_MODES = ["native", "container", "kubernetes"] as const;
export const ACCELERATORS = ["metal", "nvidia", "cpu"] as const;
export const KV_CACHE_TYPES = ["f16", "q8_0", "q4_0"] as const;
export type OllamaMode = (typeof OLLAMA_MODES)[number];
export type Accelerator = (typeof ACCELERATORS)[number];
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

/** The image of the release the stack is tested with (components/ollama/version.ts). */
export const DEFAULT_OLLAMA_IMAGE = `ollama/ollama:${OLLAMA_TESTED_VERSION}`;

/** `name:tag`, optionally `namespace/name:tag` or `registry/namespace/name:tag`, as `ollama pull` accepts. */
export const MODEL_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*){0,2}:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

const NATIVE = { modes: ["native"] } as const;

export const OLLAMA = section({
    mode: oneOf(OLLAMA_MODES, { required: true,
        doc: "Where Ollama runs: `native` (a process on this machine, Metal on a Mac), `container` (a container next to the app), `kubernetes` (a StatefulSet on the cluster)." }),
    model: string({ required: true, pattern: MODEL_PATTERN,
        allowed: "use name:tag as `ollama pull` takes it, lower-case, e.g. qwen2.5:7b-instruct-q8_0 (a bare name means :latest, which changes under you)",
        doc: "The model to pull and serve, always `name:tag`." }),
    port: integer({ default: 11434, min: 1, max: 65535,
        doc: "The port Ollama listens on (native), or the Ollama Service's port (kubernetes); on a droplet a port the firewall keeps closed." }),
    accelerator: oneOf(ACCELERATORS, { required: true,
        doc: "What the GPU check and verify demand: the model 100% in GPU memory with `metal` or `nvidia`; `cpu` accepts CPU speed." }),
    keepAlive: parsed({ default: "24h", parse: parseKeepAlive, type: "duration",
        allowed: "a duration such as 24h, 30m or 1h30m, a number of seconds, or -1 (loaded forever)",
        doc: "OLLAMA_KEEP_ALIVE: how long a model stays loaded after a request." }),
    image: imageReference("ollama/ollama:0.12.6", { default: DEFAULT_OLLAMA_IMAGE,
        appliesTo: { modes: ["container", "kubernetes"] }, elsewhere: "the native server runs the installed ollama",
        doc: "The pinned `ollama/ollama` image of the container and the Kubernetes pods (and of the droplet's GPU readiness check)." }),
    bindAddress: listenAddress(["auto", "localhost"],
        "use auto (narrowest address the backend container can reach), an IP address of this host (127.0.0.1, 172.17.0.1, ::1), or 0.0.0.0", {
            default: "auto", appliesTo: NATIVE, elsewhere: "it sets the native server's listen address; a container listens inside its own network",
            doc: "The address the native server binds to; `auto`: 127.0.0.1 on macOS, the Docker bridge gateway on Linux (what the backend container reaches)." }),
    origins: list({ derived: "the frontend's origin (services.publicHost, with its port)", allowed: ORIGIN_ALLOWED,
        // The default is derived from services.publicHost, whose own check names a bad host once.
        item: (origin: string) => { const problem = originProblem(origin); return problem && `${problem}; ${ORIGIN_ALLOWED}`; },
        doc: "OLLAMA_ORIGINS: the web origins allowed to call Ollama (`scheme://host[:port]`, never `*`)." }),
    modelsDir: localPath({ optional: true,
        appliesTo: { modes: ["native", "container"], providers: ["local"] }, elsewhere: "a directory on this machine cannot back a remote engine's model store",
        doc: "The model store on this machine: OLLAMA_MODELS of the native server, the bind-mounted store of a local container. A directory of its own." }),
    binary: string({ optional: true, pattern: /^\/\S*$/, allowed: "use an absolute path to the ollama executable", type: "path",
        appliesTo: NATIVE, elsewhere: "it sets the ollama executable the native server runs",
        doc: "The `ollama` executable the native server runs; unset: looked up on PATH and Homebrew's directories." }),
    minVersion: string({ default: OLLAMA_TESTED_VERSION, pattern: MIN_VERSION_PATTERN, type: "version",
        allowed: `use a release number X.Y.Z such as ${OLLAMA_TESTED_VERSION} (no v, no suffix)`,
        appliesTo: NATIVE, elsewhere: "it sets the oldest installed ollama the native server runs; a container runs the pinned image",
        doc: `The oldest \`ollama\` the native server starts or adopts; older is refused before anything starts, with the upgrade command. Default: the release the stack is tested with (${OLLAMA_TESTED_VERSION}).` }),
    adoptExisting: boolean({ default: false, appliesTo: NATIVE, elsewhere: "it sets adopting an Ollama already running on this machine",
        doc: "Adopt an Ollama already answering on the port instead of starting one (the stack then never stops it)." }),
    flashAttention: boolean({ optional: true, doc: "OLLAMA_FLASH_ATTENTION; unset: Ollama's default." }),
    kvCacheType: oneOf(KV_CACHE_TYPES, { optional: true, doc: "OLLAMA_KV_CACHE_TYPE; `q8_0` and `q4_0` need flashAttention: true." }),
    numParallel: integer({ optional: true, min: 1, max: 64, doc: "OLLAMA_NUM_PARALLEL: requests served at once per model (each holds its own context in GPU memory)." }),
    contextLength: integer({ optional: true, min: 256, max: 1048576, doc: "OLLAMA_CONTEXT_LENGTH: tokens of context per request." }),
    readyTimeoutSeconds: integer({ default: 60, min: 1, max: 3600, appliesTo: { modes: ["native", "container"] },
        elsewhere: "it sets how long `up` waits for the native server or the container to answer",
        doc: "Seconds `up` waits for Ollama to answer after a start." }),
    stateDir: localPath({ derived: "`~/.local/state/rag-stack/<stack>`", appliesTo: NATIVE, elsewhere: "it sets the native server's pidfile and log directory",
        doc: "The native server's pidfile and log directory on Linux, per stack." }),
    gpuMemoryGb: number({ optional: true, above: 0, max: 4096,
        allowed: "expected GiB of GPU memory, a number above 0, e.g. 21.3 (what Ollama's log prints as total)",
        doc: "GiB the GPU may use, for the capacity check: on a Mac the Metal working set; unset on DigitalOcean (known from the size)." }),
    replicas: integer({ default: 1, min: 1, max: 64, appliesTo: { modes: ["kubernetes"] },
        doc: "Ollama pods on the cluster, one GPU and one GPU node each." }),
}, { doc: "Where and how Ollama runs." });

/** Where and how Ollama runs: `rag-stack:ollama`, validated. */
export type OllamaSettings = SettingsOf<typeof OLLAMA.keys>;

export function readOllama(problems: string[], raw: unknown, stack: string, frontendOrigin: string): OllamaSettings {
    const r = Reader.of(problems, "ollama", raw, OLLAMA.keys);
    r.rejectUnknown();
    const mode = r.get("mode");
    const model = r.get("model");
    const port = r.get("port");
    const accelerator = r.get("accelerator");
    const keepAlive = r.get("keepAlive");
    const image = r.get("image");
    const bindAddress = r.get("bindAddress");
    const origins = r.get("origins", [frontendOrigin]);
    const modelsDir = r.get("modelsDir");
    const binary = r.get("binary");
    const minVersion = r.get("minVersion");
    const adoptExisting = r.get("adoptExisting");
    const flashAttention = r.get("flashAttention");
    const kvCacheType = r.get("kvCacheType");
    const numParallel = r.get("numParallel");
    const contextLength = r.get("contextLength");
    const readyTimeoutSeconds = r.get("readyTimeoutSeconds");
    const gpuMemoryGb = r.get("gpuMemoryGb");
    const replicas = r.get("replicas");
    if (r.has("replicas") && mode !== "kubernetes") {
        r.problem("replicas", replicas, `only the kubernetes placement runs several Ollama servers; remove it or set ${PROJECT}:ollama.mode: kubernetes`);
    }
    const stateDir = r.get("stateDir", `~/.local/state/${PROJECT}/${stack}`);

    if (accelerator === "metal" && mode === "container") {
        problems.push(
            `${PROJECT}:ollama.accelerator: "metal" is not allowed with ${PROJECT}:ollama.mode "container"; ` +
                "Docker on a Mac runs containers in a Linux VM that cannot reach the Metal GPU (Ollama falls back to the CPU, " +
                "0.5-0.7 tok/s). Use mode: native for Metal, or accelerator: cpu to accept CPU speed knowingly",
        );
    }
    const modelsDirProblem = modelsDir === undefined ? undefined : modelsDirNameProblem(modelsDir, os.homedir());
    if (modelsDirProblem) {
        r.problem("modelsDir", r.raw("modelsDir"), `${modelsDirProblem}, and Ollama keeps blobs/ and manifests/ there and at every start deletes any file in blobs/ that is not one of its own; ${MODELS_DIR_ALLOWED}`);
    }
    if (kvCacheType !== undefined && kvCacheType !== "f16" && flashAttention === false) {
        problems.push(`${PROJECT}:ollama.kvCacheType: ${show(kvCacheType)} needs flash attention; set ${PROJECT}:ollama.flashAttention: true`);
    }
    return {
        mode, model, port, accelerator, keepAlive, image, bindAddress, origins,
        modelsDir,
        binary, minVersion, adoptExisting, flashAttention, kvCacheType, numParallel, contextLength, readyTimeoutSeconds,
        stateDir,
        gpuMemoryGb,
        replicas,
    };
}
