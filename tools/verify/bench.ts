/**
 * Benchmark arithmetic: one generation's numbers from Ollama's counters, and the median and spread
 * of N of them. The prompt and options are fixed so runs compare across machines and days.
 */
import { GenerateStats } from "./ollama-api";
import { GenerateRequest } from "./ollama-client";

export const BENCH_PROMPT =
    "Explain in about one hundred words why the speed of generating text with a large language model is limited by memory bandwidth.";

/** Greedy decoding, fixed seed and length: the same work on every run. No num_ctx, so the loaded model is not reloaded. */
export const BENCH_OPTIONS = { temperature: 0, top_k: 1, seed: 42, num_predict: 128 } as const;

export function benchRequest(model: string): GenerateRequest {
    return { model, prompt: BENCH_PROMPT, options: { ...BENCH_OPTIONS } };
}

export interface BenchSample {
    /** Decode speed: eval_count / eval_duration. */
    decodeTokensPerSecond: number;
    /** Prompt processing speed, when Ollama evaluated the prompt (absent when it came from the cache). */
    promptTokensPerSecond?: number;
    loadMs?: number;
    /** Time to first token as seen by verify (includes the network and, through docker exec, the exec). */
    ttftMs?: number;
    evalCount: number;
}

/** Tokens per second from a count and a duration in nanoseconds; undefined when not measurable. */
export function tokensPerSecond(count: number | undefined, durationNs: number | undefined): number | undefined {
    if (count === undefined || durationNs === undefined || count <= 0 || durationNs <= 0) return undefined;
    return count / (durationNs / 1e9);
}

export function sampleFromStats(stats: GenerateStats, ttftMs: number | undefined): BenchSample | undefined {
    const decode = tokensPerSecond(stats.evalCount, stats.evalDurationNs);
    if (decode === undefined) return undefined;
    return {
        decodeTokensPerSecond: decode,
        promptTokensPerSecond: tokensPerSecond(stats.promptEvalCount, stats.promptEvalDurationNs),
        loadMs: stats.loadDurationNs === undefined ? undefined : stats.loadDurationNs / 1e6,
        ttftMs,
        evalCount: stats.evalCount,
    };
}

export interface Spread {
    n: number;
    median: number;
    min: number;
    max: number;
    /** Sample standard deviation relative to the mean, in percent (0 for one value). */
    relStdDevPercent: number;
}

export function median(values: number[]): number {
    if (values.length === 0) throw new Error("median of no values");
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function spread(values: number[]): Spread | undefined {
    if (values.length === 0) return undefined;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
    return {
        n: values.length,
        median: median(values),
        min: Math.min(...values),
        max: Math.max(...values),
        relStdDevPercent: mean > 0 ? (Math.sqrt(variance) / mean) * 100 : 0,
    };
}

export interface BenchSummary {
    runs: number;
    decodeTokensPerSecond: Spread;
    promptTokensPerSecond?: Spread;
    loadMs?: Spread;
    ttftMs?: Spread;
}

const defined = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);

export function summarize(samples: BenchSample[]): BenchSummary | undefined {
    const decode = spread(samples.map((s) => s.decodeTokensPerSecond));
    if (!decode) return undefined;
    return {
        runs: samples.length,
        decodeTokensPerSecond: decode,
        promptTokensPerSecond: spread(defined(samples.map((s) => s.promptTokensPerSecond))),
        loadMs: spread(defined(samples.map((s) => s.loadMs))),
        ttftMs: spread(defined(samples.map((s) => s.ttftMs))),
    };
}

const fmt = (v: number, digits = 1) => (v >= 100 ? v.toFixed(0) : v.toFixed(digits));

/** "12.3 (11.9-12.8, ±1.4%)" */
export function formatSpread(s: Spread, unit: string): string {
    return s.n === 1
        ? `${fmt(s.median)} ${unit}`
        : `${fmt(s.median)} ${unit} (${fmt(s.min)}-${fmt(s.max)}, ±${s.relStdDevPercent.toFixed(1)}%)`;
}
