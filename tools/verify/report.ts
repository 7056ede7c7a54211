/**
 * The report: a table for people (failures followed by their cause and fix) or JSON for machines.
 * The Neo4j password never appears in either.
 */
import { CHECK_ORDER, CheckResult } from "./check-result";
import { StackOutputs } from "./outputs";

export interface ReportHeader {
    source: string;
    outputs: StackOutputs;
    startedAt: Date;
    durationMs: number;
}

const STATUS_TEXT = { pass: "PASS", fail: "FAIL", skip: "skip" } as const;

export function allPassed(results: CheckResult[]): boolean {
    return results.every((r) => r.status !== "fail");
}

export function renderTable(results: CheckResult[], header: ReportHeader): string {
    const o = header.outputs;
    const lines: string[] = [
        `rag-stack verify: ${header.source}`,
        `Ollama ${o.ollamaPlacement} (${o.ollamaAccelerator}), model ${o.ollamaModel}, backend uses ${o.ollamaUrlForBackend}, Docker ${o.dockerHost}`,
        "",
    ];
    const titleWidth = Math.max(5, ...results.map((r) => r.title.length));
    const indent = " ".repeat(3 + 2 + titleWidth + 2 + 4 + 2);
    lines.push(`${" #"}   ${"Check".padEnd(titleWidth)}  ${"Result"}  Measured`);
    for (const r of results) {
        const n = String(CHECK_ORDER.indexOf(r.id) + 1).padStart(2);
        const [first, ...rest] = r.measured;
        lines.push(`${n}   ${r.title.padEnd(titleWidth)}  ${STATUS_TEXT[r.status].padEnd(6)}  ${first ?? ""}`.trimEnd());
        for (const more of rest) lines.push(`${indent}  ${more}`);
        if (r.status === "fail") {
            if (r.cause) lines.push(`${indent}  cause: ${r.cause}`);
            if (r.fix) lines.push(`${indent}  fix:   ${r.fix}`);
        }
    }
    const count = (s: CheckResult["status"]) => results.filter((r) => r.status === s).length;
    lines.push("", `${allPassed(results) ? "OK" : "FAILED"}: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped (${(header.durationMs / 1000).toFixed(1)} s)`);
    return lines.join("\n") + "\n";
}

export function renderJson(results: CheckResult[], header: ReportHeader): string {
    const o = header.outputs;
    return JSON.stringify({
        ok: allPassed(results),
        source: header.source,
        startedAt: header.startedAt.toISOString(),
        durationMs: Math.round(header.durationMs),
        stack: {
            ollamaPlacement: o.ollamaPlacement, ollamaModel: o.ollamaModel, ollamaAccelerator: o.ollamaAccelerator,
            ollamaUrlForBackend: o.ollamaUrlForBackend, ollamaUrlFromHost: o.ollamaUrlFromHost, dockerHost: o.dockerHost, containers: o.containers,
        },
        checks: results.map((r) => ({ number: CHECK_ORDER.indexOf(r.id) + 1, ...r })),
    }, null, 2) + "\n";
}
