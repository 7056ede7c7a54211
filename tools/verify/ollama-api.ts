/**
 * Ollama's HTTP API as verify reads it (field names from ollama/ollama docs/api.md): parsers that
 * turn what the ollama client returns (parsed JSON, typed by the client but never checked) into
 * checked values, and the PROCESSOR column exactly as `ollama ps` prints it.
 */

export interface OllamaModelEntry {
    name: string;
    /** Bytes: weights on disk in /api/tags; weights plus cache in memory in /api/ps. */
    size: number;
    /** /api/ps only: bytes of the loaded model in VRAM. */
    sizeVram?: number;
    contextLength?: number;
}

/** The final chunk of /api/generate, durations in nanoseconds. */
export interface GenerateStats {
    evalCount: number;
    evalDurationNs: number;
    promptEvalCount?: number;
    promptEvalDurationNs?: number;
    loadDurationNs?: number;
    totalDurationNs?: number;
}

export class ApiShapeError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ApiShapeError";
    }
}

type Obj = Record<string, unknown>;

/** An object from the client (which types what it returns but does not check it), or an ApiShapeError. */
function asObject(v: unknown, what: string): Obj {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ApiShapeError(`${what} returned ${JSON.stringify(v)}, not an object`);
    return v as Obj;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The answer of /api/version (ollama-js `version()`). */
export function parseVersion(value: unknown): string {
    const v = asObject(value, "/api/version").version;
    if (typeof v !== "string" || !v) throw new ApiShapeError("/api/version has no version field");
    return v;
}

function parseModels(value: unknown, what: string): OllamaModelEntry[] {
    const models = asObject(value, what).models;
    if (!Array.isArray(models)) throw new ApiShapeError(`${what} has no models list`);
    return models.filter((m): m is Obj => typeof m === "object" && m !== null).map((m) => ({
        name: String(m.name ?? m.model ?? ""),
        size: num(m.size) ?? 0,
        sizeVram: num(m.size_vram),
        contextLength: num(m.context_length),
    }));
}

/** The answer of /api/tags (ollama-js `list()`). */
export const parseTags = (value: unknown): OllamaModelEntry[] => parseModels(value, "/api/tags");
/** The answer of /api/ps (ollama-js `ps()`). */
export const parsePs = (value: unknown): OllamaModelEntry[] => parseModels(value, "/api/ps");

/** `qwen2.5` and `qwen2.5:latest` are the same model; registry prefixes of the default library too. */
export function normalizeModelName(name: string): string {
    let n = name.trim().toLowerCase().replace(/^registry\.ollama\.ai\//, "").replace(/^library\//, "");
    if (!/:[^/]+$/.test(n)) n += ":latest";
    return n;
}

export function findModel(models: OllamaModelEntry[], wanted: string): OllamaModelEntry | undefined {
    const w = normalizeModelName(wanted);
    return models.find((m) => normalizeModelName(m.name) === w);
}

/** PROCESSOR as `ollama ps` computes it (cmd/cmd.go): "100% GPU", "100% CPU", or "48%/52% CPU/GPU". */
export function processorLabel(size: number, sizeVram: number): string {
    if (sizeVram === 0) return "100% CPU";
    if (sizeVram === size) return "100% GPU";
    if (sizeVram > size || size === 0) return "Unknown";
    const cpuPercent = Math.round(((size - sizeVram) / size) * 100);
    return `${cpuPercent}%/${100 - cpuPercent}% CPU/GPU`;
}

/** Share of the loaded model in VRAM, 0..1. */
export function vramShare(size: number, sizeVram: number): number {
    return size > 0 ? Math.min(1, sizeVram / size) : 0;
}

/** One chunk of a streamed /api/generate: the text it adds, whether it is the last. */
export interface GenerateChunk {
    response: string;
    done: boolean;
    stats?: GenerateStats;
}

/** One streamed /api/generate chunk (ollama-js yields them parsed, one per NDJSON line). */
export function parseGenerateChunk(value: unknown): GenerateChunk {
    const o = asObject(value, "/api/generate");
    const done = o.done === true;
    const chunk: GenerateChunk = { response: typeof o.response === "string" ? o.response : "", done };
    if (done) {
        const evalCount = num(o.eval_count);
        const evalDurationNs = num(o.eval_duration);
        if (evalCount !== undefined && evalDurationNs !== undefined) {
            chunk.stats = {
                evalCount, evalDurationNs,
                promptEvalCount: num(o.prompt_eval_count),
                promptEvalDurationNs: num(o.prompt_eval_duration),
                loadDurationNs: num(o.load_duration),
                totalDurationNs: num(o.total_duration),
            };
        }
    }
    return chunk;
}

/** Human size as Ollama prints it (decimal units). */
export function humanBytes(n: number): string {
    const units = ["B", "KB", "MB", "GB", "TB"];
    let v = n;
    let i = 0;
    while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i++;
    }
    return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
