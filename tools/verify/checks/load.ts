/**
 * Row "load": `--concurrency N` or `--sweep 1,2,4,8`. Each level runs N streams at once (see
 * ../load.ts); the row prints the table, the JSON carries the same numbers, and a sweep writes the
 * SVG chart of aggregate tokens/s and p95 time to first token against concurrency.
 */
import { CheckResult, fail, pass, skip, VerifyContext } from "../check-result";
import { LevelResult, runLevel } from "../load";
import { formatLoadTable } from "../load-report";
import { OllamaApi } from "../ollama-client";
import { writeSweepChart } from "../sweep-chart";

export async function checkLoad(ctx: VerifyContext, ollama: OllamaApi): Promise<CheckResult> {
    const { options, outputs } = ctx;
    const load = options.load;
    if (!load) return skip("load", "not requested (--concurrency N or --sweep 1,2,4,8)");
    const levels: LevelResult[] = [];
    for (const concurrency of load.levels) {
        levels.push(await ctx.progress.during(`load: ${concurrency} stream(s) at once, ${load.rounds} request(s) each, ${load.tokens} tokens`,
            runLevel(ollama, concurrency, { model: outputs.ollamaModel, rounds: load.rounds, tokens: load.tokens, timeoutMs: options.generateTimeoutMs })));
    }
    const measured = [
        `${load.rounds} request(s) per stream, ${load.tokens} tokens each, ${ollama.via}`,
        ...formatLoadTable(levels),
        "queued: waited for a free slot (Ollama serves OLLAMA_NUM_PARALLEL at once); 503: turned away, its queue (OLLAMA_MAX_QUEUE) was full",
    ];
    const data: Record<string, unknown> = { rounds: load.rounds, tokens: load.tokens, levels };
    if (load.chartFile) {
        try {
            await ctx.progress.during(`load: chart ${load.chartFile}`,
                writeSweepChart(levels, `${outputs.ollamaModel}: throughput and p95 first-token time by concurrency`, load.chartFile));
            measured.push(`chart: ${load.chartFile}`);
            data.chart = load.chartFile;
        } catch (err) {
            measured.push(`chart not written: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    if (levels.every((l) => l.ok === 0)) {
        return fail("load", measured, {
            cause: "no request of any level was answered with a generation",
            fix: "run verify without --sweep first: rows 1-5 say whether Ollama generates at all",
        }, data);
    }
    return pass("load", measured, data);
}
