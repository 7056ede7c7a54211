/**
 * The VRAM budget of one Ollama model, and whether it fits the GPU: pure arithmetic, the same at
 * validation (components/capacity/models.ts) and at deploy (scripts/capacity-check.sh repeats it
 * in awk from /api/show; tests hold the two to the same numbers).
 *
 *   budget = weights + numParallel × context × KV bytes per token + overhead
 *   KV bytes per token = 2 (K and V) × layers × KV heads × head dim × bytes per element
 *
 * - numParallel × context: Ollama 0.12.6 gives each parallel slot its own context
 *   (server/sched.go: `opts.NumCtx = opts.NumCtx * numParallel`), capped at the model's trained
 *   context per slot.
 * - Bytes per element by OLLAMA_KV_CACHE_TYPE: f16 2; q8_0 and q4_0 are ggml block types of 32
 *   elements stored in 34 and 18 bytes (ggml.c type traits: block_q8_0 = fp16 scale + 32 int8,
 *   block_q4_0 = fp16 scale + 16 bytes of nibbles), so 1.0625 and 0.5625. Ollama's FAQ rounds
 *   them to "1/2" and "1/4" of f16; its own estimator uses 1 and 0.5.
 * - Overhead, 1 GiB: the compute graph plus the GPU runtime's own context. Measured on a
 *   32 GB M1 Max: qwen2.5:7b-instruct-q8_0 at 8.9 GB loaded for 8.1 GB of weights and 0.23 GB of f16 KV at
 *   4096 tokens: about 0.6 GB of graph; Ollama keeps a further 457 MiB free on CUDA
 *   (discover: cudaMinimumMemory) for the driver context. 0.6 GB + 0.48 GB ≈ 1 GiB.
 * - Defaults when unset, Ollama 0.12.6's: OLLAMA_NUM_PARALLEL 1, OLLAMA_CONTEXT_LENGTH 4096
 *   (envconfig; later versions pick 4k/32k/256k by VRAM), OLLAMA_KV_CACHE_TYPE f16.
 */
import type { KvCacheType } from "../config/ollama";
import { ModelGeometry } from "./models";

export const OLLAMA_DEFAULT_NUM_PARALLEL = 1;
export const OLLAMA_DEFAULT_CONTEXT_LENGTH = 4096;
export const OLLAMA_DEFAULT_KV_CACHE_TYPE: KvCacheType = "f16";
export const GIB = 1024 ** 3;
export const OVERHEAD_BYTES = GIB;

export const KV_BYTES_PER_ELEMENT: Record<KvCacheType, number> = { f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

/**
 * The KV cache type Ollama really uses: a quantized cache needs flash attention, and without it
 * Ollama falls back to f16 (docs/faq.md, "How can I set the quantization type for the K/V cache?").
 * Only `flashAttention: true` is counted on, so the budget never assumes the smaller cache.
 */
export function effectiveKvCacheType(kvCacheType: KvCacheType | undefined, flashAttention: boolean | undefined): KvCacheType {
    return kvCacheType !== undefined && flashAttention === true ? kvCacheType : OLLAMA_DEFAULT_KV_CACHE_TYPE;
}

export function kvBytesPerToken(g: ModelGeometry, kvCacheType: KvCacheType): number {
    return 2 * g.layers * g.kvHeads * g.headDim * KV_BYTES_PER_ELEMENT[kvCacheType];
}

export interface BudgetInput {
    model: string;
    weightsBytes: number;
    geometry: ModelGeometry;
    numParallel?: number;
    contextLength?: number;
    kvCacheType?: KvCacheType;
}

export interface Budget {
    model: string;
    weightsBytes: number;
    numParallel: number;
    /** Context per slot after Ollama's cap at the model's own limit. */
    context: number;
    /** Set when the configured context was above the model's limit. */
    cappedFrom?: number;
    kvCacheType: KvCacheType;
    kvBytesPerToken: number;
    kvBytes: number;
    overheadBytes: number;
    totalBytes: number;
}

export function computeBudget(input: BudgetInput): Budget {
    const numParallel = input.numParallel ?? OLLAMA_DEFAULT_NUM_PARALLEL;
    const requested = input.contextLength ?? OLLAMA_DEFAULT_CONTEXT_LENGTH;
    const context = Math.min(requested, input.geometry.contextLimit);
    const kvCacheType = input.kvCacheType ?? OLLAMA_DEFAULT_KV_CACHE_TYPE;
    const perToken = kvBytesPerToken(input.geometry, kvCacheType);
    const kvBytes = numParallel * context * perToken;
    return {
        model: input.model,
        weightsBytes: input.weightsBytes,
        numParallel,
        context,
        cappedFrom: requested > context ? requested : undefined,
        kvCacheType,
        kvBytesPerToken: perToken,
        kvBytes,
        overheadBytes: OVERHEAD_BYTES,
        totalBytes: input.weightsBytes + kvBytes + OVERHEAD_BYTES,
    };
}

/** The GPU memory the budget is held against, and where that figure comes from. */
export interface GpuMemory {
    bytes: number;
    source: string;
}

export const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

function kib(bytes: number): string {
    const k = bytes / 1024;
    return `${Number.isInteger(k) ? k : k.toFixed(1)} KiB`;
}

/** "8.1 GB weights + 4 × 32768 × 56 KiB = 7.5 GB KV (f16) + 1.1 GB overhead = 16.7 GB" */
export function formatArithmetic(b: Budget): string {
    const capped = b.cappedFrom ? ` (context ${b.cappedFrom} capped at the model's ${b.context})` : "";
    return `${gb(b.weightsBytes)} weights + ${b.numParallel} × ${b.context} × ${kib(b.kvBytesPerToken)} = ${gb(b.kvBytes)} KV (${b.kvCacheType})` +
        `${capped} + ${gb(b.overheadBytes)} overhead = ${gb(b.totalBytes)}`;
}

/** One line per term, for `npm run plan` and the deploy log. */
export function formatBudgetLines(b: Budget, memory: GpuMemory | undefined): string[] {
    const lines = [
        `weights        ${gb(b.weightsBytes)}  (${b.model})`,
        `KV cache       ${gb(b.kvBytes)}  = ${b.numParallel} slot(s) × ${b.context} tokens × ${kib(b.kvBytesPerToken)} (${b.kvCacheType})` +
            (b.cappedFrom ? `; context ${b.cappedFrom} capped at the model's ${b.context}` : ""),
        `overhead       ${gb(b.overheadBytes)}  (compute graph + GPU runtime context)`,
        `total          ${gb(b.totalBytes)}`,
    ];
    if (memory) {
        const headroom = memory.bytes - b.totalBytes;
        lines.push(`GPU memory     ${gb(memory.bytes)}  (${memory.source})`);
        lines.push(headroom >= 0 ? `headroom       ${gb(headroom)}  fits` : `short by       ${gb(-headroom)}  DOES NOT FIT: Ollama would put layers on the CPU`);
    } else {
        lines.push("GPU memory     unknown at validation; checked at deploy after the pull");
    }
    return lines;
}

export function fits(b: Budget, memory: GpuMemory): boolean {
    return b.totalBytes <= memory.bytes;
}
