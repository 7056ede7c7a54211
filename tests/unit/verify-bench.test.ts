import { ACCELERATORS, bandwidthCeiling, findAccelerator } from "../../tools/verify/bandwidth";
import { formatSpread, median, sampleFromStats, spread, summarize, tokensPerSecond } from "../../tools/verify/bench";

describe("benchmark arithmetic", () => {
    test("decode tokens/s is eval_count over eval_duration in ns", () => {
        expect(tokensPerSecond(128, 10_000_000_000)).toBeCloseTo(12.8);
        expect(tokensPerSecond(0, 1)).toBeUndefined();
        expect(tokensPerSecond(5, 0)).toBeUndefined();
        expect(tokensPerSecond(undefined, 5)).toBeUndefined();
    });

    test("a sample from Ollama's final chunk; prompt speed absent when the prompt came from the cache", () => {
        const s = sampleFromStats({ evalCount: 128, evalDurationNs: 4e9, promptEvalCount: 30, promptEvalDurationNs: 1e8, loadDurationNs: 2.5e9 }, 140);
        expect(s).toEqual({ decodeTokensPerSecond: 32, promptTokensPerSecond: 300, loadMs: 2500, ttftMs: 140, evalCount: 128 });
        expect(sampleFromStats({ evalCount: 10, evalDurationNs: 1e9 }, undefined)?.promptTokensPerSecond).toBeUndefined();
        expect(sampleFromStats({ evalCount: 0, evalDurationNs: 0 }, 1)).toBeUndefined();
    });

    test("median of odd and even counts", () => {
        expect(median([3, 1, 2])).toBe(2);
        expect(median([4, 1, 3, 2])).toBe(2.5);
        expect(() => median([])).toThrow();
    });

    test("spread: min, max and the sample standard deviation relative to the mean", () => {
        const s = spread([10, 12, 14]);
        expect(s).toMatchObject({ n: 3, median: 12, min: 10, max: 14 });
        expect(s?.relStdDevPercent).toBeCloseTo((2 / 12) * 100);
        expect(spread([7])?.relStdDevPercent).toBe(0);
        expect(spread([])).toBeUndefined();
    });

    test("summary ignores missing values per metric; formatting", () => {
        const sum = summarize([
            { decodeTokensPerSecond: 10, evalCount: 128, ttftMs: 100 },
            { decodeTokensPerSecond: 12, evalCount: 128, promptTokensPerSecond: 500, ttftMs: 120 },
        ]);
        expect(sum?.decodeTokensPerSecond.median).toBe(11);
        expect(sum?.promptTokensPerSecond?.n).toBe(1);
        expect(sum?.loadMs).toBeUndefined();
        expect(formatSpread(sum!.decodeTokensPerSecond, "tok/s")).toBe("11.0 tok/s (10.0-12.0, ±12.9%)");
        expect(summarize([])).toBeUndefined();
    });
});

describe("memory-bandwidth ceiling", () => {
    test.each([
        ["Apple M1 Max", "Apple M1 Max", 400],
        ["M1 Pro", "Apple M1 Pro", 200],
        ["Apple M2 Max", "Apple M2 Max", 400],
        ["m2 pro", "Apple M2 Pro", 200],
        ["Apple M3 Pro", "Apple M3 Pro", 150],
        ["Apple M3 Max 14-core", "Apple M3 Max (14-core CPU, 30-core GPU)", 300],
        ["Apple M3 Max 16-core", "Apple M3 Max (16-core CPU, 40-core GPU)", 400],
        ["NVIDIA H100 80GB HBM3", "NVIDIA H100 SXM", 3350],
        ["NVIDIA H100 PCIe", "NVIDIA H100 PCIe", 2000],
        ["NVIDIA L40S", "NVIDIA L40S", 864],
        ["NVIDIA RTX 4000 Ada Generation", "NVIDIA RTX 4000 Ada", 360],
        ["NVIDIA RTX 6000 Ada Generation", "NVIDIA RTX 6000 Ada", 960],
    ])("%s -> %s, %d GB/s", (raw, name, gbps) => {
        expect(findAccelerator(raw)).toMatchObject({ name, bandwidthGBps: gbps });
    });

    test("unknown accelerators are not guessed", () => {
        expect(findAccelerator("NVIDIA GeForce RTX 4090")).toBeUndefined();
        expect(findAccelerator("NVIDIA H100 NVL")).toBeUndefined();
        expect(findAccelerator("Intel(R) Xeon(R)")).toBeUndefined();
    });

    test("ceiling = bandwidth / model bytes; the seed's M1 Max with an 8.1 GB q8_0 model", () => {
        const m1max = ACCELERATORS.find((a) => a.name === "Apple M1 Max")!;
        const c = bandwidthCeiling(m1max, 8.1e9, 20)!;
        expect(c.ceilingTokensPerSecond).toBeCloseTo(49.38, 1);
        expect(c.achievedShare).toBeCloseTo(20 / 49.38, 2);
        expect(bandwidthCeiling(m1max, 0, 1)).toBeUndefined();
    });
});
