/**
 * Runs one command with a deadline and collects what it printed: how verify reads state on another
 * machine over ssh (the heal timer's, the backup job's). Never rejects: a command that could not
 * start or did not finish in time comes back as a sentence saying so.
 */
import { spawn } from "child_process";

export interface BoundedRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** The command's exit code and output, or why there is none (`<file> failed: ...`, `<file> did not answer within Ns`). */
export function runBounded(file: string, args: string[], timeoutMs: number): Promise<BoundedRun | string> {
    return new Promise((resolve) => {
        const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.setEncoding("utf8").on("data", (c: string) => { stdout += c; });
        child.stderr.setEncoding("utf8").on("data", (c: string) => { stderr += c; });
        child.on("error", (err) => {
            clearTimeout(timer);
            resolve(`${file} failed: ${err.message}`);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolve(signal ? `${file} did not answer within ${timeoutMs / 1000}s` : { code, stdout, stderr });
        });
    });
}

/** The last line of stderr, for a one-line reason. */
export const lastLine = (text: string): string => text.trim().split("\n").pop() ?? "";
