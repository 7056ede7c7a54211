/**
 * Load arithmetic and its command line: aggregate and per-stream tokens/s, percentiles, queued
 * and 503 counts from request timings; --concurrency / --sweep parsing; the chart's spec.
 */
import { parseArgs, UsageError } from "../../tools/verify/args";
import { percentile, RequestSample, summarizeLevel } from "../../tools/verify/load";
import { formatLoadTable } from "../../tools/verify/load-report";
import { sweepChartSpec } from "../../tools/verify/sweep-chart";

const ok = (stream: number, sentAtMs: number, firstTokenAtMs: number, doneAtMs: number, evalCount = 100): RequestSample =>
    ({ stream, sentAtMs, firstTokenAtMs, doneAtMs, status: 200, evalCount, evalDurationNs: (doneAtMs - firstTokenAtMs) * 1e6 });

test("nearest-rank percentiles", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow();
});

test("two slots, four streams: two served at once, two queued behind them, aggregate over the wall time", () => {
    const samples = [
        ok(0, 0, 10, 1010), ok(1, 0, 10, 1010),
        ok(2, 0, 1020, 2020), ok(3, 0, 1020, 2020),
    ];
    const l = summarizeLevel(4, samples);
    expect(l).toMatchObject({ concurrency: 4, requests: 4, ok: 4, busy: 0, failed: 0, queued: 2, wallMs: 2020 });
    expect(l.aggregateTokensPerSecond).toBeCloseTo(400 / 2.02);
    expect(l.perStreamTokensPerSecond).toBeCloseTo(100);
    expect(l.ttftP50Ms).toBe(10);
    expect(l.ttftP95Ms).toBe(1020);
});

test("a request sent as another ends is not queued; 503s and failures are counted apart and add no tokens", () => {
    const samples: RequestSample[] = [
        ok(0, 0, 10, 1000), ok(1, 0, 12, 1000), ok(0, 1000, 1030, 2000),
        { stream: 2, sentAtMs: 0, doneAtMs: 3, status: 503, error: "server busy, please try again.  maximum pending requests exceeded" },
        { stream: 3, sentAtMs: 0, doneAtMs: 5000, status: 0, error: "timeout" },
    ];
    const l = summarizeLevel(4, samples);
    expect(l).toMatchObject({ ok: 3, busy: 1, failed: 1, queued: 0, wallMs: 5000 });
    expect(l.aggregateTokensPerSecond).toBeCloseTo(300 / 5);
});

test("the table: one right-aligned row per level", () => {
    const table = formatLoadTable([summarizeLevel(1, [ok(0, 0, 40, 1040)])]);
    expect(table[0]).toBe("streams  requests  ok  503  queued  aggregate tok/s  per-stream tok/s  TTFT p50  TTFT p95");
    expect(table[1]).toBe("      1         1   1    0       0             96.2               100     40 ms     40 ms");
});

test("the chart spec plots aggregate tok/s and p95 TTFT on independent y axes against concurrency", () => {
    const spec = sweepChartSpec([summarizeLevel(1, [ok(0, 0, 40, 1040)]), summarizeLevel(2, [ok(0, 0, 40, 1040), ok(1, 0, 50, 1050)])], "t");
    expect(spec.data).toEqual({ values: [
        { concurrency: 1, aggregateTokensPerSecond: 96.15, ttftP95Ms: 40 },
        { concurrency: 2, aggregateTokensPerSecond: 190.48, ttftP95Ms: 50 },
    ] });
    expect(spec.resolve).toEqual({ scale: { y: "independent" } });
    expect(JSON.stringify(spec.layer)).toContain("aggregateTokensPerSecond");
    expect(JSON.stringify(spec.layer)).toContain("ttftP95Ms");
});

describe("command line", () => {
    const base = ["--outputs", "o.json"];
    test("--concurrency N is one level, no chart", () => {
        expect(parseArgs([...base, "--concurrency", "4"])?.load).toEqual({ levels: [4], rounds: 2, tokens: 64, chartFile: undefined });
    });
    test("--sweep lists the levels; the chart goes to verify-sweep.svg unless --chart says", () => {
        expect(parseArgs([...base, "--sweep", "1,2,4,8"])?.load).toEqual({ levels: [1, 2, 4, 8], rounds: 2, tokens: 64, chartFile: "verify-sweep.svg" });
        expect(parseArgs([...base, "--sweep=1,2", "--rounds", "3", "--load-tokens", "32", "--chart", "out/c.svg"])?.load)
            .toEqual({ levels: [1, 2], rounds: 3, tokens: 32, chartFile: "out/c.svg" });
    });
    test("no load flag: no load row", () => {
        expect(parseArgs(base)?.load).toBeUndefined();
    });
    test.each([
        [["--sweep", "1,0"], "--sweep 0: expected an integer >= 1"],
        [["--sweep", "1,x"], "--sweep x: expected an integer >= 1"],
        [["--concurrency", "2", "--sweep", "1,2"], "give one of --concurrency or --sweep, once"],
        [["--concurrency", "1000"], "at most 256 streams at once"],
        [["--concurrency", "2", "--chart", "c.svg"], "--chart goes with --sweep"],
    ])("%p is refused", (args, message) => {
        expect(() => parseArgs([...base, ...args])).toThrow(UsageError);
        expect(() => parseArgs([...base, ...args])).toThrow(message);
    });
});
