/**
 * The model's real size, read from its registry before anything is pulled or bought: the
 * manifest Ollama itself reads first when it pulls (server/images.go pullModelManifest, 0.12.6):
 *
 *   GET https://<host>/v2/<namespace>/<name>/manifests/<tag>
 *   Accept: application/vnd.docker.distribution.manifest.v2+json
 *
 * with types/model/name.go's defaults (host registry.ollama.ai, namespace library). A 404 is "no
 * such model or tag" (makeRequestWithRetry maps it to os.ErrNotExist). The weights are the layers
 * Ollama loads onto the GPU: application/vnd.ollama.image.model, plus a vision model's .projector
 * and any .adapter (server/images.go GetModel; llm/memory.go counts projector weights).
 *
 * The budget with those bytes is validation's (budget.ts): the full budget when the table knows
 * the model's geometry, weights + overhead otherwise (the KV term is read from /api/show at deploy).
 */
import type { OllamaSettings } from "../config/ollama";
import { computeBudget, effectiveKvCacheType, fits, formatArithmetic, gb, GpuMemory, OVERHEAD_BYTES } from "./budget";
import { findKnownModel } from "./models";
import { splitModelName } from "./tag-estimate";

export const MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json";
const WEIGHT_LAYERS = ["application/vnd.ollama.image.model", "application/vnd.ollama.image.projector", "application/vnd.ollama.image.adapter"];

export type ManifestRead =
    | { kind: "found"; url: string; weightsBytes: number }
    | { kind: "not-found"; url: string }
    | { kind: "unreadable"; url: string; why: string };

export interface ManifestReadOptions {
    /** Base URL for a registry host; https://<host> unless a test points it at a stand-in. */
    baseUrl?: (host: string) => string;
    timeoutMs?: number;
}

/** The manifest URL Ollama reads for `model`. */
export function manifestUrl(model: string, baseUrl: (host: string) => string = (host) => `https://${host}`): string {
    const n = splitModelName(model);
    return `${baseUrl(n.host)}/v2/${n.namespace}/${n.name}/manifests/${encodeURIComponent(n.tag)}`;
}

/** Reads the manifest and sums its weight layers; never throws. */
export async function readModelManifest(model: string, opts: ManifestReadOptions = {}): Promise<ManifestRead> {
    const url = manifestUrl(model, opts.baseUrl);
    let response: Response;
    try {
        response = await fetch(url, { headers: { Accept: MANIFEST_ACCEPT }, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
    } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return { kind: "unreadable", url, why: cause?.code ?? cause?.message ?? (err as Error).message };
    }
    if (response.status === 404) return { kind: "not-found", url };
    if (!response.ok) {
        const why = response.status === 401 || response.status === 403 ? `HTTP ${response.status}: the registry wants credentials` : `HTTP ${response.status}`;
        return { kind: "unreadable", url, why };
    }
    let manifest: unknown;
    try {
        manifest = await response.json();
    } catch {
        return { kind: "unreadable", url, why: "the answer is not a JSON manifest" };
    }
    const layers = (manifest as { layers?: unknown }).layers;
    const weights = Array.isArray(layers)
        ? layers.filter((l): l is { mediaType: string; size: number } =>
            typeof l === "object" && l !== null && WEIGHT_LAYERS.includes((l as { mediaType?: unknown }).mediaType as string) &&
            Number.isSafeInteger((l as { size?: unknown }).size) && (l as { size: number }).size >= 0)
        : [];
    if (!weights.some((l) => l.mediaType === WEIGHT_LAYERS[0])) {
        return { kind: "unreadable", url, why: "the manifest lists no application/vnd.ollama.image.model layer" };
    }
    return { kind: "found", url, weightsBytes: weights.reduce((sum, l) => sum + l.size, 0) };
}

export interface RegistryCheck {
    /** A refusal: the model does not exist, or cannot fit. */
    problem?: string;
    /** The size could not be read: said, and the run goes on. */
    warning?: string;
    /** What was read, for the log. */
    info?: string;
}

/** The registry's answer judged against the GPU's memory (undefined: not known, only existence is checked). */
export function judgeManifest(ollama: OllamaSettings, memory: GpuMemory | undefined, read: ManifestRead): RegistryCheck {
    const model = ollama.model;
    if (read.kind === "not-found") {
        const n = splitModelName(model);
        const where = n.host === "registry.ollama.ai" && n.namespace === "library" ? ` (https://ollama.com/library/${n.name}/tags lists the tags there are)` : "";
        return {
            problem: `rag-stack:ollama.model: ${JSON.stringify(model)} is not in its registry: ${read.url} answered 404, no such model or tag. ` +
                `Check the name and the tag${where}; nothing was pulled`,
        };
    }
    if (read.kind === "unreadable") {
        return {
            warning: `could not read the size of ${model} from its registry (${read.url}: ${read.why}), so it is not known before the pull whether it fits the GPU; ` +
                "the capacity check after the pull (Ollama's /api/show) still stops `up` before the model is loaded",
        };
    }
    const info = `${model}: ${gb(read.weightsBytes)} of weights in its registry's manifest (${read.url})`;
    if (!memory || ollama.accelerator === "cpu") return { info };
    const known = findKnownModel(model);
    const source = `weights from its registry's manifest, ${read.url}`;
    if (known) {
        const budget = computeBudget({
            model, weightsBytes: read.weightsBytes, geometry: known.geometry, numParallel: ollama.numParallel,
            contextLength: ollama.contextLength, kvCacheType: effectiveKvCacheType(ollama.kvCacheType, ollama.flashAttention),
        });
        if (fits(budget, memory)) return { info };
        return {
            problem: `rag-stack:ollama: ${model} with numParallel ${budget.numParallel} and contextLength ${budget.cappedFrom ?? budget.context} does not fit the GPU: ` +
                `${formatArithmetic(budget)} > ${gb(memory.bytes)} usable (${memory.source}; ${source}). Ollama would put layers on the CPU and answer at CPU speed. ` +
                "Lower rag-stack:ollama.numParallel or contextLength, pick a smaller quantization, or a GPU with more memory",
        };
    }
    const total = read.weightsBytes + OVERHEAD_BYTES;
    if (total <= memory.bytes) return { info };
    return {
        problem: `rag-stack:ollama: ${model} does not fit the GPU: ${gb(read.weightsBytes)} weights (${source}) + ${gb(OVERHEAD_BYTES)} overhead = ` +
            `${gb(total)} > ${gb(memory.bytes)} usable (${memory.source}), before any KV cache. Ollama would put layers on the CPU and answer at CPU speed. ` +
            "Pick a smaller model or quantization, or a GPU with more memory",
    };
}
