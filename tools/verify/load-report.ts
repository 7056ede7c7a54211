/**
 * The load table: one row per concurrency level, the same numbers as the JSON.
 */
import { LevelResult } from "./load";

const n1 = (v: number | undefined): string => (v === undefined ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const msText = (v: number | undefined): string => (v === undefined ? "-" : `${Math.round(v)} ms`);

export const LOAD_HEADER = ["streams", "requests", "ok", "503", "queued", "aggregate tok/s", "per-stream tok/s", "TTFT p50", "TTFT p95"];

export function loadRows(levels: LevelResult[]): string[][] {
    return levels.map((l) => [
        String(l.concurrency), String(l.requests), String(l.ok), String(l.busy), String(l.queued),
        n1(l.aggregateTokensPerSecond), n1(l.perStreamTokensPerSecond), msText(l.ttftP50Ms), msText(l.ttftP95Ms),
    ]);
}

/** Right-aligned columns under the header. */
export function formatLoadTable(levels: LevelResult[]): string[] {
    const rows = [LOAD_HEADER, ...loadRows(levels)];
    const widths = LOAD_HEADER.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => c.padStart(widths[i])).join("  "));
}
