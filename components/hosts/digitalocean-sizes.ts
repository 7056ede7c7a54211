/**
 * DigitalOcean GPU droplet sizes this project deploys to: the regions that offer each, its GPU and
 * its list price. Used by config validation and by the prod outputs.
 */
export interface GpuSize {
    gpu: string;
    gpuCount: number;
    vramGb: number;
    regions: string[];
    /** List price in USD per hour, on demand. */
    pricePerHourUsd: number;
    /** The GPU-ready base image for this size. */
    baseImage: string;
}

export const DIGITALOCEAN_GPU_SIZES: Record<string, GpuSize> = {
    "gpu-h100x1-80gb": { gpu: "NVIDIA H100", gpuCount: 1, vramGb: 80, regions: ["nyc2", "tor1", "atl1"], pricePerHourUsd: 3.39, baseImage: "gpu-h100x1-base" },
};

/** Returns a problem (prefixed with the config key inside `digitalocean`) or undefined when the size is offered in the region. */
export function checkDigitalOceanPlacement(size: string, region: string): string | undefined {
    const entry = DIGITALOCEAN_GPU_SIZES[size];
    if (!entry) {
        return `size: "${size}" is not a DigitalOcean GPU size this project knows; use one of: ${Object.keys(DIGITALOCEAN_GPU_SIZES).join(", ")}`;
    }
    if (!entry.regions.includes(region)) {
        return `region: "${region}" does not offer ${size}; use one of: ${entry.regions.join(", ")}`;
    }
    return undefined;
}
