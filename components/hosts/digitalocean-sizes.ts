/**
 * DigitalOcean NVIDIA GPU droplet sizes this project deploys to: the regions that offer each, its
 * GPU, its list price and its GPU-ready base image. Used by config validation (an unknown size or
 * a size not sold in the region stops `preview` before anything is created) and by the prod
 * outputs (price per hour).
 *
 * Data as of 2026-11-25, from:
 * - Prices (on demand, USD per hour): https://docs.digitalocean.com/products/droplets/details/pricing/
 *   ("Validated on 28 May 2026": H100 $3.39, H100 (8x) $23.92, L40s $1.57). The RTX 4000 and
 *   RTX 6000 rows of that page were cut off in the copy read here; their prices ($0.76, $1.89)
 *   come from the same page validated on 22 Apr 2025. Several third-party tables quote $1.57 for
 *   the RTX 6000 Ada: check the page before relying on that one.
 * - Size slugs: DigitalOcean's `GET /v2/sizes` slugs as used by `doctl compute size list`
 *   (gpu-h100x1-80gb, gpu-h100x8-640gb, gpu-l40sx1-48gb, gpu-6000adax1-48gb, gpu-4000adax1-20gb).
 * - Regions: https://docs.digitalocean.com/products/droplets/details/gpu-availability/ as quoted
 *   on 2026-09-11 ("NVIDIA H100 GPU Droplets are available in New York (NYC2), Amsterdam (AMS3),
 *   and Toronto (TOR1)"), plus ATL1 from DigitalOcean's GPU launch documentation; L40S and the RTX
 *   Ada sizes are listed in TOR1 only (the region every source agrees on).
 * - Base images: `gpu-h100x1-base` is DigitalOcean's AI/ML-ready NVIDIA image (Ubuntu, NVIDIA
 *   driver, CUDA) for every single-GPU NVIDIA size despite its name; `gpu-h100x8-base` for 8 GPUs.
 *
 * Capacity moves faster than documentation: the live answer is `doctl compute size list` and
 * `doctl compute region list`. Update this table (and its date) when they disagree.
 */
export interface GpuSize {
    gpu: string;
    gpuCount: number;
    /** GPU memory per droplet, GB. */
    vramGb: number;
    regions: string[];
    /** List price in USD per hour, on demand. */
    pricePerHourUsd: number;
    /** The GPU-ready base image for this size. */
    baseImage: string;
}

export const DIGITALOCEAN_GPU_DATA_DATE = "2026-11-25";

export const DIGITALOCEAN_GPU_SIZES: Record<string, GpuSize> = {
    "gpu-4000adax1-20gb": { gpu: "NVIDIA RTX 4000 Ada", gpuCount: 1, vramGb: 20, regions: ["tor1"], pricePerHourUsd: 0.76, baseImage: "gpu-h100x1-base" },
    "gpu-6000adax1-48gb": { gpu: "NVIDIA RTX 6000 Ada", gpuCount: 1, vramGb: 48, regions: ["tor1"], pricePerHourUsd: 1.89, baseImage: "gpu-h100x1-base" },
    "gpu-l40sx1-48gb": { gpu: "NVIDIA L40S", gpuCount: 1, vramGb: 48, regions: ["tor1"], pricePerHourUsd: 1.57, baseImage: "gpu-h100x1-base" },
    "gpu-h100x1-80gb": { gpu: "NVIDIA H100", gpuCount: 1, vramGb: 80, regions: ["nyc2", "tor1", "atl1", "ams3"], pricePerHourUsd: 3.39, baseImage: "gpu-h100x1-base" },
    "gpu-h100x8-640gb": { gpu: "NVIDIA H100", gpuCount: 8, vramGb: 640, regions: ["nyc2", "tor1", "atl1", "ams3"], pricePerHourUsd: 23.92, baseImage: "gpu-h100x8-base" },
};

/** Returns a problem (prefixed with the config key inside `digitalocean`) or undefined when the size is offered in the region. */
export function checkDigitalOceanPlacement(size: string, region: string): string | undefined {
    const entry = DIGITALOCEAN_GPU_SIZES[size];
    if (!entry) {
        return `size: "${size}" is not allowed; use one of the DigitalOcean NVIDIA GPU sizes: ${Object.keys(DIGITALOCEAN_GPU_SIZES).join(", ")}`;
    }
    if (!entry.regions.includes(region)) {
        return `region: "${region}" is not allowed; ${size} is offered in: ${entry.regions.join(", ")}`;
    }
    return undefined;
}

/** The base image for a size (the AI/ML-ready NVIDIA image), or the single-GPU one for an unknown size. */
export function baseImageFor(size: string): string {
    return DIGITALOCEAN_GPU_SIZES[size]?.baseImage ?? "gpu-h100x1-base";
}
