/**
 * Runs `tools/verify.ts` as `npm run verify` does (tools/ts-cached-register.js, transpile only) in a child process with
 * an outputs file, and returns its exit code, stdout and stderr. `onProgress` sees each stderr line
 * as it comes, so a test can act mid-run (stop Ollama during the benchmark).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, TS_REGISTER } from "../../../tools/render";

export interface VerifyRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Directories writeOutputsFile made in this test file; removed when the file's tests are done. */
const outputsDirs: string[] = [];

/** Removes every outputs file this module wrote (they hold the stack's outputs, secrets included). */
export function removeOutputsFiles(): void {
    for (const dir of outputsDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// Registered when a test file imports this module: its temp directories go with its last test, pass or fail.
if (typeof afterAll === "function") afterAll(removeOutputsFiles);

export function writeOutputsFile(outputs: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-verify-"));
    outputsDirs.push(dir);
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify(outputs, null, 2), { mode: 0o600 });
    return file;
}

/** `env`: the child's whole environment (jest's `process.env` is a copy the child would not see changed). */
export function runVerify(args: string[], onProgress?: (line: string) => void, timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<VerifyRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", TS_REGISTER, "tools/verify.ts", ...args], {
            cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"], ...(env ? { env } : {}),
        });
        let stdout = "";
        let stderr = "";
        let pending = "";
        child.stdout.setEncoding("utf8");
        child.stderr.setEncoding("utf8");
        child.stdout.on("data", (c: string) => { stdout += c; });
        child.stderr.on("data", (c: string) => {
            stderr += c;
            pending += c;
            let nl: number;
            while ((nl = pending.indexOf("\n")) >= 0) {
                const line = pending.slice(0, nl);
                pending = pending.slice(nl + 1);
                onProgress?.(line);
            }
        });
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`verify did not finish within ${timeoutMs / 1000}s; stderr so far:\n${stderr}`));
        }, timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

/** The table row of check number n (its first line). */
export function row(table: string, n: number): string {
    const line = table.split("\n").find((l) => new RegExp(`^\\s*${n}\\s{3}`).test(l));
    if (!line) throw new Error(`no row ${n} in:\n${table}`);
    return line;
}

/** The row and its continuation lines (measured, cause, fix) up to the next numbered row. */
export function rowBlock(table: string, n: number): string {
    const lines = table.split("\n");
    const start = lines.findIndex((l) => new RegExp(`^\\s*${n}\\s{3}`).test(l));
    if (start < 0) throw new Error(`no row ${n} in:\n${table}`);
    const rest = lines.slice(start + 1);
    const end = rest.findIndex((l) => /^\s*\d+\s{3}/.test(l) || l.trim() === "");
    return [lines[start], ...(end < 0 ? rest : rest.slice(0, end))].join("\n");
}
