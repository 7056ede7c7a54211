/**
 * The capacity check at validation: no network, only the model table and the GPU memory the
 * profile implies. A known model whose budget exceeds the GPU is refused with the arithmetic; an
 * unknown model or an unknown memory is left to the deploy-time check (scripts/capacity-check.sh).
 */
import type { DigitalOceanSettings, HostProvider, OllamaSettings } from "../config";
import { DIGITALOCEAN_GPU_SIZES } from "../hosts/digitalocean-sizes";
import { Budget, computeBudget, effectiveKvCacheType, fits, formatArithmetic, gb, GIB, GpuMemory } from "./budget";
import { findKnownModel } from "./models";

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
    | { kind: "model-unknown"; memory?: GpuMemory }
    | { kind: "not-checked"; why: string };

export function capacityVerdict(ollama: OllamaSettings, provider: HostProvider, digitalocean?: DigitalOceanSettings, doksGpuSize?: string): CapacityVerdict {
    if (ollama.accelerator === "cpu") return { kind: "not-checked", why: "accelerator cpu: the model runs from system memory by choice" };
    const memory = gpuMemoryFor(ollama, provider, digitalocean, doksGpuSize);
    const budget = budgetFor(ollama);
    if (!budget) return { kind: "model-unknown", memory };
    if (!memory) return { kind: "memory-unknown", budget };
    return { kind: fits(budget, memory) ? "fits" : "too-big", budget, memory };
}

/** Problems for parseProfile: one sentence with the arithmetic when the model cannot fit. */
export function capacityProblems(ollama: OllamaSettings, provider: HostProvider, digitalocean?: DigitalOceanSettings, doksGpuSize?: string): string[] {
    const v = capacityVerdict(ollama, provider, digitalocean, doksGpuSize);
    if (v.kind !== "too-big") return [];
    return [
        `rag-stack:ollama: ${v.budget.model} with numParallel ${v.budget.numParallel} and contextLength ${v.budget.cappedFrom ?? v.budget.context} ` +
            `does not fit the GPU: ${formatArithmetic(v.budget)} > ${gb(v.memory.bytes)} usable (${v.memory.source}). ` +
            "Ollama would put layers on the CPU (the seed's 0.5 tok/s). Lower rag-stack:ollama.numParallel or contextLength, " +
            "set kvCacheType q8_0 with flashAttention: true, pick a smaller quantization, or a GPU with more memory",
    ];
}
