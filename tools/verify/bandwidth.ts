/**
 * Memory bandwidth of the accelerators this project meets, and the ceiling it puts on decode
 * speed: generating one token reads every weight once, so tokens/s <= bandwidth / model bytes.
 * The model's bytes are its weights as /api/tags reports them; the real ceiling is a bit lower
 * (the KV cache is read too), so a healthy GPU reaches roughly 50-85% of it.
 *
 * Vendor figures (peak, GB/s = 1e9 bytes/s):
 * - Apple M1 Pro 200, M1 Max 400: Apple Newsroom, "Introducing M1 Pro and M1 Max", 2021-10-18,
 *   https://www.apple.com/newsroom/2021/10/introducing-m1-pro-and-m1-max-the-most-powerful-chips-apple-has-ever-built/
 * - Apple M2 Pro 200, M2 Max 400: Apple Newsroom, "Apple unveils M2 Pro and M2 Max", 2023-01-17,
 *   https://www.apple.com/newsroom/2023/01/apple-unveils-m2-pro-and-m2-max-next-generation-chips-for-next-level-workflows/
 * - Apple M3 Pro 150, M3 Max 400 (16-core CPU / 40-core GPU) and 300 (14-core CPU / 30-core GPU):
 *   MacBook Pro (Nov 2023) tech specs, https://support.apple.com/en-us/117736 and /117737
 * - NVIDIA H100 SXM 3.35 TB/s, H100 PCIe 2 TB/s: https://www.nvidia.com/en-us/data-center/h100/
 *   (H100 PCIe product brief PB-11133-001: "greater than 2,000 GBps")
 * - NVIDIA L40S 864: https://www.nvidia.com/en-us/data-center/l40s/
 * - NVIDIA RTX 4000 Ada 360 (20 GB GDDR6, 160-bit): https://www.nvidia.com/en-us/design-visualization/rtx-4000/
 * - NVIDIA RTX 6000 Ada 960 (48 GB GDDR6, 384-bit): https://www.nvidia.com/en-us/design-visualization/rtx-6000/
 */
import { execFile } from "child_process";

export interface AcceleratorSpec {
    /** Display name. */
    name: string;
    /** Peak memory bandwidth, GB/s. */
    bandwidthGBps: number;
    /** Matches a normalized name from --gpu, sysctl or nvidia-smi. */
    pattern: RegExp;
}

/** Order matters: more specific entries first. */
export const ACCELERATORS: readonly AcceleratorSpec[] = [
    { name: "Apple M1 Pro", bandwidthGBps: 200, pattern: /\bm1 pro\b/ },
    { name: "Apple M1 Max", bandwidthGBps: 400, pattern: /\bm1 max\b/ },
    { name: "Apple M2 Pro", bandwidthGBps: 200, pattern: /\bm2 pro\b/ },
    { name: "Apple M2 Max", bandwidthGBps: 400, pattern: /\bm2 max\b/ },
    { name: "Apple M3 Pro", bandwidthGBps: 150, pattern: /\bm3 pro\b/ },
    { name: "Apple M3 Max (14-core CPU, 30-core GPU)", bandwidthGBps: 300, pattern: /\bm3 max\b.*\b(14[- ]?core|30[- ]?core|binned)\b/ },
    { name: "Apple M3 Max (16-core CPU, 40-core GPU)", bandwidthGBps: 400, pattern: /\bm3 max\b/ },
    { name: "NVIDIA H100 PCIe", bandwidthGBps: 2000, pattern: /\bh100\b.*\bpcie\b/ },
    { name: "NVIDIA H100 SXM", bandwidthGBps: 3350, pattern: /\bh100\b(?!.*\bnvl\b)/ },
    { name: "NVIDIA L40S", bandwidthGBps: 864, pattern: /\bl40s\b/ },
    { name: "NVIDIA RTX 4000 Ada", bandwidthGBps: 360, pattern: /\brtx 4000 ada\b/ },
    { name: "NVIDIA RTX 6000 Ada", bandwidthGBps: 960, pattern: /\brtx 6000 ada\b/ },
];

/** "NVIDIA RTX 6000 Ada Generation" -> "nvidia rtx 6000 ada generation"; "Apple M1 Max" -> "apple m1 max". */
export function normalizeAcceleratorName(raw: string): string {
    return raw.toLowerCase().replace(/[_()/,]+/g, " ").replace(/\s+/g, " ").trim();
}

export function findAccelerator(raw: string): AcceleratorSpec | undefined {
    const n = normalizeAcceleratorName(raw);
    return ACCELERATORS.find((a) => a.pattern.test(n));
}

export interface BandwidthCeiling {
    accelerator: AcceleratorSpec;
    modelBytes: number;
    /** bandwidth / model bytes. */
    ceilingTokensPerSecond: number;
    /** achieved / ceiling, 0..1 (may exceed 1 with speculative decoding or a wrong model size). */
    achievedShare: number;
}

export function bandwidthCeiling(accelerator: AcceleratorSpec, modelBytes: number, achievedTokensPerSecond: number): BandwidthCeiling | undefined {
    if (modelBytes <= 0) return undefined;
    const ceiling = (accelerator.bandwidthGBps * 1e9) / modelBytes;
    return { accelerator, modelBytes, ceilingTokensPerSecond: ceiling, achievedShare: achievedTokensPerSecond / ceiling };
}

function run(file: string, args: string[], timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
        execFile(file, args, { timeout: timeoutMs }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
    });
}

/**
 * The accelerator's name on this machine: the chip on macOS, the first NVIDIA GPU on Linux.
 * Never fails: undefined when nothing is found. For the core count of an M3 Max, hw.perflevel0 is read.
 */
export async function detectLocalAccelerator(timeoutMs: number): Promise<string | undefined> {
    if (process.platform === "darwin") {
        const brand = await run("sysctl", ["-n", "machdep.cpu.brand_string"], timeoutMs);
        if (brand && /m3 max/i.test(brand)) {
            const cores = await run("sysctl", ["-n", "hw.ncpu"], timeoutMs);
            return cores ? `${brand} ${cores}-core` : brand;
        }
        return brand;
    }
    const gpu = await run("nvidia-smi", ["--query-gpu=name", "--format=csv,noheader"], timeoutMs);
    return gpu?.split("\n")[0];
}
