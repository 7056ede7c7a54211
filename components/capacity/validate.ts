/**
 * The capacity check at validation: no network, only the model table, the model's tag and the GPU
 * memory the profile implies. A known model whose budget exceeds the GPU is refused with the
 * arithmetic; a model outside the table is refused when the lower bound its tag gives
 * (tag-estimate.ts) exceeds the GPU before any KV cache, and warned about when its tag says
 * nothing. What remains is checked again with real figures: the registry's manifest before
 * anything billable (registry.ts, a real run on DigitalOcean), and Ollama's /api/show after the
 * pull (scripts/capacity-check.sh).
 */
import type { DigitalOceanSettings } from "../config/digitalocean";
import type { HostProvider } from "../config/host";
import type { OllamaSettings } from "../config/ollama";
import { DIGITALOCEAN_GPU_SIZES } from "../hosts/digitalocean-sizes";
import { Budget, computeBudget, effectiveKvCacheType, fits, formatArithmetic, gb, GIB, GpuMemory, OVERHEAD_BYTES } from "./budget";
import { findKnownModel } from "./models";
import { formatTagEstimate, readTag, TagEstimate } from "./tag-estimate";

/**
 * The memory the GPU may use: `ollama.gpuMemoryGb` when set (a Mac's Metal working set, or any
 * GPU the stack cannot look up), else the DigitalOcean size's VRAM (GiB, as nvidia-smi counts it).
 */
export function gpuMemoryFor(ollama: OllamaSettings, provider: HostProvider, digitalocean?: DigitalOceanSettings, doksGpuSize?: string): GpuMemory | undefined {
    if (ollama.gpuMemoryGb !== undefined) {
        return { bytes: ollama.gpuMemoryGb * GIB, source: `rag-stack:ollama.gpuMemoryGb ${ollama.gpuMemoryGb} GiB` };
    }
    // Kubernetes placement: each Ollama pod gets one GPU of a node of the GPU pool.
    const node = provider === "doks" && doksGpuSize ? DIGITALOCEAN_GPU_SIZES[doksGpuSize] : undefined;
    if (node && doksGpuSize) {
        const perGpu = node.vramGb / node.gpuCount;
        return { bytes: perGpu * GIB, source: `${doksGpuSize}: ${perGpu} GiB, the one ${node.gpu} each Ollama pod gets` };
    }
    const size = provider === "digitalocean" && digitalocean ? DIGITALOCEAN_GPU_SIZES[digitalocean.size] : undefined;
    if (size && digitalocean) {
        return { bytes: size.vramGb * GIB, source: `${digitalocean.size}: ${size.vramGb} GiB, ${size.gpuCount}x ${size.gpu}` };
    }
    return undefined;
}

/** The budget of the configured model, or undefined when the table does not know it. */
export function budgetFor(ollama: OllamaSettings): Budget | undefined {
    const known = findKnownModel(ollama.model);
    if (!known) return undefined;
    return computeBudget({
        model: known.name,
        weightsBytes: known.weightsBytes,
        geometry: known.geometry,
        numParallel: ollama.numParallel,
        contextLength: ollama.contextLength,
        kvCacheType: effectiveKvCacheType(ollama.kvCacheType, ollama.flashAttention),
    });
}

export type CapacityVerdict =
    | { kind: "fits" | "too-big"; budget: Budget; memory: GpuMemory }
    | { kind: "memory-unknown"; budget: Budget }
    /** Outside the table, from the tag: weights (a lower bound) + overhead, no KV term. */
    | { kind: "estimated"; estimate: TagEstimate; lowerBoundBytes: number; memory?: GpuMemory; tooBig: boolean }
    | { kind: "model-unknown"; why: string; memory?: GpuMemory }
    | { kind: "not-checked"; why: string };

export function capacityVerdict(ollama: OllamaSettings, provider: HostProvider, digitalocean?: DigitalOceanSettings, doksGpuSize?: string): CapacityVerdict {
    if (ollama.accelerator === "cpu") return { kind: "not-checked", why: "accelerator cpu: the model runs from system memory by choice" };
    const memory = gpuMemoryFor(ollama, provider, digitalocean, doksGpuSize);
    const budget = budgetFor(ollama);
    if (!budget) {
        const tag = readTag(ollama.model);
        if (tag.kind === "silent") return { kind: "model-unknown", why: tag.why, memory };
        const lowerBoundBytes = tag.estimate.weightsBytes + OVERHEAD_BYTES;
        return { kind: "estimated", estimate: tag.estimate, lowerBoundBytes, memory, tooBig: memory !== undefined && lowerBoundBytes > memory.bytes };
    }
    if (!memory) return { kind: "memory-unknown", budget };
    return { kind: fits(budget, memory) ? "fits" : "too-big", budget, memory };
}

const DOES_NOT_FIT = "Ollama would put layers on the CPU and answer at CPU speed.";

/** Problems for parseProfile: one sentence with the arithmetic when the model cannot fit. */
export function capacityProblems(ollama: OllamaSettings, provider: HostProvider, digitalocean?: DigitalOceanSettings, doksGpuSize?: string): string[] {
    const v = capacityVerdict(ollama, provider, digitalocean, doksGpuSize);
    if (v.kind === "estimated" && v.tooBig && v.memory) {
        return [
            `rag-stack:ollama: ${v.estimate.model} does not fit the GPU, estimated from its tag: ${formatTagEstimate(v.estimate)} weights + ` +
                `${gb(OVERHEAD_BYTES)} overhead = ${gb(v.lowerBoundBytes)} > ${gb(v.memory.bytes)} usable (${v.memory.source}), before any KV cache. ` +
                `${DOES_NOT_FIT} Pick a smaller model or quantization (a q4_K_M tag), or a GPU with more memory`,
        ];
    }
    if (v.kind !== "too-big") return [];
    return [
        `rag-stack:ollama: ${v.budget.model} with numParallel ${v.budget.numParallel} and contextLength ${v.budget.cappedFrom ?? v.budget.context} ` +
            `does not fit the GPU: ${formatArithmetic(v.budget)} > ${gb(v.memory.bytes)} usable (${v.memory.source}). ` +
            `${DOES_NOT_FIT} Lower rag-stack:ollama.numParallel or contextLength, ` +
            "set kvCacheType q8_0 with flashAttention: true, pick a smaller quantization, or a GPU with more memory",
    ];
}

/**
 * Warnings for loadProfile: a model that validation can neither look up nor estimate, on a GPU
 * whose memory is known. Said once, not guessed; the checks with real figures still run.
 */
export function capacityWarnings(ollama: OllamaSettings, provider: HostProvider, digitalocean?: DigitalOceanSettings, doksGpuSize?: string): string[] {
    const v = capacityVerdict(ollama, provider, digitalocean, doksGpuSize);
    if (v.kind !== "model-unknown" || !v.memory) return [];
    const later = provider === "digitalocean" || provider === "doks"
        ? "a real run reads its size from the registry before anything is bought, and the deploy check reads its geometry from Ollama after the pull"
        : "the deploy check reads its size and geometry from Ollama after the pull";
    return [
        `rag-stack:ollama.model: ${ollama.model} is not in the capacity table (components/capacity/models.ts) and ${v.why}, ` +
            `so validation cannot tell whether it fits the GPU (${v.memory.source}); ${later}`,
    ];
}
