/**
 * Load measurement: N streams at once against Ollama, each sending `rounds` generations back to
 * back, and what a user feels from it: aggregate tokens per second (every token generated at the
 * level over its wall time), per-stream tokens per second (Ollama's eval_count / eval_duration,
 * median), time to the first token (p50/p95), how many requests waited for a slot, and how many
 * Ollama turned away with 503 ("server busy": its queue, OLLAMA_MAX_QUEUE, was full).
 *
 * Ollama does not say which request waited. A request counts as queued when its first token came
 * more than half a generation (the level's median) after the level's quickest first token: it
 * waited for another request to give up its slot. Prompt processing under load delays a first
 * token by far less than that.
 */
import { BENCH_PROMPT } from "./bench";
import { OllamaApi } from "./ollama-client";
import { toReachError } from "./reach-error";

export interface LoadOptions {
    model: string;
    /** Requests each stream sends one after the other. */
    rounds: number;
    /** Tokens each request generates (num_predict). */
    tokens: number;
    timeoutMs: number;
}

/** One request as seen from here; times in ms since the level started. */
export interface RequestSample {
    stream: number;
    sentAtMs: number;
    /** First non-empty piece of text. */
    firstTokenAtMs?: number;
    doneAtMs: number;
    /** HTTP status (0: no answer). */
    status: number;
    evalCount?: number;
    evalDurationNs?: number;
    error?: string;
}

export interface LevelResult {
    concurrency: number;
    requests: number;
    ok: number;
    /** Turned away with HTTP 503 (Ollama's queue was full). */
    busy: number;
    /** Other failures (timeouts, resets, other statuses). */
    failed: number;
    /** Waited for a slot: another request finished between their sending and their first token. */
    queued: number;
    wallMs: number;
    aggregateTokensPerSecond: number;
    perStreamTokensPerSecond?: number;
    ttftP50Ms?: number;
    ttftP95Ms?: number;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: number[], p: number): number {
    if (values.length === 0) throw new Error("percentile of no values");
    const s = [...values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** The level's numbers from its requests; pure, so the arithmetic is tested on its own. */
export function summarizeLevel(concurrency: number, samples: RequestSample[]): LevelResult {
    const ok = samples.filter((s) => s.status === 200 && s.error === undefined);
    const busy = samples.filter((s) => s.status === 503).length;
    const start = Math.min(...samples.map((s) => s.sentAtMs));
    const end = Math.max(...samples.map((s) => s.doneAtMs));
    const wallMs = samples.length ? end - start : 0;
    const tokens = ok.reduce((a, s) => a + (s.evalCount ?? 0), 0);
    const perStream = ok
        .filter((s) => (s.evalCount ?? 0) > 0 && (s.evalDurationNs ?? 0) > 0)
        .map((s) => (s.evalCount as number) / ((s.evalDurationNs as number) / 1e9));
    const ttfts = ok.filter((s) => s.firstTokenAtMs !== undefined).map((s) => (s.firstTokenAtMs as number) - s.sentAtMs);
    // Queued: waited for a slot, i.e. its first token came more than half a generation later than
    // the level's quickest first token (some request of every level gets a slot at once).
    const generations = ok.filter((s) => s.firstTokenAtMs !== undefined).map((s) => s.doneAtMs - (s.firstTokenAtMs as number));
    const quickest = ttfts.length ? Math.min(...ttfts) : 0;
    const halfGeneration = generations.length ? percentile(generations, 50) / 2 : Infinity;
    const queued = ttfts.filter((t) => t - quickest > halfGeneration).length;
    return {
        concurrency,
        requests: samples.length,
        ok: ok.length,
        busy,
        failed: samples.length - ok.length - busy,
        queued,
        wallMs,
        aggregateTokensPerSecond: wallMs > 0 ? tokens / (wallMs / 1000) : 0,
        perStreamTokensPerSecond: perStream.length ? percentile(perStream, 50) : undefined,
        ttftP50Ms: ttfts.length ? percentile(ttfts, 50) : undefined,
        ttftP95Ms: ttfts.length ? percentile(ttfts, 95) : undefined,
    };
}

async function oneRequest(ollama: OllamaApi, o: LoadOptions, stream: number, levelStart: number): Promise<RequestSample> {
    const sentAtMs = Date.now() - levelStart;
    const sample: RequestSample = { stream, sentAtMs, doneAtMs: sentAtMs, status: 0 };
    try {
        // A distinct prompt per request, so no answer comes from another's prompt cache.
        const g = await ollama.generate({
            model: o.model, prompt: `${BENCH_PROMPT} (stream ${stream}, ${sentAtMs})`,
            options: { temperature: 0, top_k: 1, seed: 42, num_predict: o.tokens },
        }, o.timeoutMs);
        // The client returns only after a 2xx answer; Ollama answers a streamed generation with 200.
        sample.status = 200;
        if (g.ttftMs !== undefined) sample.firstTokenAtMs = sentAtMs + g.ttftMs;
        sample.evalCount = g.stats?.evalCount;
        sample.evalDurationNs = g.stats?.evalDurationNs;
    } catch (err) {
        const e = toReachError(err);
        sample.status = e.status ?? 0;
        sample.error = e.detail;
    }
    sample.doneAtMs = Date.now() - levelStart;
    return sample;
}

/** Runs one level: `concurrency` streams at once, each `rounds` requests in a row. */
export async function runLevel(ollama: OllamaApi, concurrency: number, o: LoadOptions): Promise<LevelResult> {
    const levelStart = Date.now();
    const streams = Array.from({ length: concurrency }, async (_, stream) => {
        const samples: RequestSample[] = [];
        for (let i = 0; i < o.rounds; i++) samples.push(await oneRequest(ollama, o, stream, levelStart));
        return samples;
    });
    return summarizeLevel(concurrency, (await Promise.all(streams)).flat());
}
