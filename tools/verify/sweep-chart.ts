/**
 * The sweep chart: a Vega-Lite spec of aggregate tokens/s and p95 time to first token against
 * concurrency (two y axes), rendered to SVG by Vega itself, headless in Node (View.toSVG(), no
 * browser, no canvas). Vega 6 and Vega-Lite 6 are ES modules only, and this project is CommonJS
 * under ts-node and ts-jest: the rendering runs in a child `node sweep-chart-render.mjs` that reads
 * the spec on stdin and writes the SVG on stdout.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LevelResult } from "./load";

export const RENDERER = path.join(__dirname, "sweep-chart-render.mjs");

/** Vega-Lite spec (schema v6) of the sweep; data are the levels' numbers, nothing else. */
export function sweepChartSpec(levels: LevelResult[], title: string): Record<string, unknown> {
    const values = levels.map((l) => ({
        concurrency: l.concurrency,
        aggregateTokensPerSecond: Number(l.aggregateTokensPerSecond.toFixed(2)),
        ttftP95Ms: l.ttftP95Ms === undefined ? null : Math.round(l.ttftP95Ms),
    }));
    const x = { field: "concurrency", type: "quantitative", title: "concurrent streams", axis: { values: levels.map((l) => l.concurrency) } };
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title,
        width: 480,
        height: 280,
        data: { values },
        encoding: { x },
        layer: [
            {
                mark: { type: "line", point: true, color: "#1f77b4" },
                encoding: { y: { field: "aggregateTokensPerSecond", type: "quantitative", title: "aggregate tokens/s", axis: { titleColor: "#1f77b4" } } },
            },
            {
                mark: { type: "line", point: true, color: "#d62728", strokeDash: [6, 4] },
                encoding: { y: { field: "ttftP95Ms", type: "quantitative", title: "p95 time to first token (ms)", axis: { titleColor: "#d62728" } } },
            },
        ],
        resolve: { scale: { y: "independent" } },
    };
}

/** Renders the spec with Vega in a child process; resolves with the SVG text. */
export function renderSvg(spec: Record<string, unknown>, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [RENDERER], { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8");
        child.stderr.setEncoding("utf8");
        child.stdout.on("data", (c: string) => { out += c; });
        child.stderr.on("data", (c: string) => { err += c; });
        const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`chart rendering did not finish within ${timeoutMs / 1000}s`)); }, timeoutMs);
        child.on("error", (e) => { clearTimeout(timer); reject(e); });
        child.on("close", (code) => {
            clearTimeout(timer);
            if (code === 0 && out.startsWith("<svg")) resolve(out);
            else reject(new Error(`chart rendering failed (exit ${code}): ${err.trim() || out.slice(0, 200)}`));
        });
        child.stdin.end(JSON.stringify(spec));
    });
}

export async function writeSweepChart(levels: LevelResult[], title: string, file: string): Promise<void> {
    const svg = await renderSvg(sweepChartSpec(levels, title));
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, svg);
}
