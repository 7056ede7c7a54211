/**
 * Runs the command resources of the native placement the way Pulumi's command provider would: the
 * rendered `create`/`delete` command line, from the project directory, with the rendered
 * environment (plus PATH and HOME), a deadline, and stdout kept for the "@ollama key=value" results.
 */
import { spawn } from "child_process";
import { PROJECT_ROOT, RenderedResource } from "../../../tools/render";

export interface ScriptRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

export function commandOf(resource: RenderedResource, which: "create" | "delete"): { command: string; environment: Record<string, string> } {
    const inputs = resource.inputs as { create?: string; delete?: string; environment?: Record<string, string> };
    const command = inputs[which];
    if (!command) throw new Error(`${resource.name} has no ${which} command`);
    return { command, environment: inputs.environment ?? {} };
}

/** The command line is `sh <script>` as rendered; it is split on spaces, never given to a shell as a string. */
export function runScript(command: string, environment: Record<string, string>, timeoutMs = 90_000): Promise<ScriptRun> {
    const [file, ...args] = command.split(" ");
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, {
            cwd: PROJECT_ROOT,
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...environment },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
        child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`${command} did not finish within ${timeoutMs / 1000}s:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

/** Value of the last "@ollama key=value" line. */
export function scriptResult(stdout: string, key: string): string | undefined {
    const lines = stdout.split("\n").filter((l) => l.startsWith(`@ollama ${key}=`));
    return lines.length ? lines[lines.length - 1].slice(`@ollama ${key}=`.length) : undefined;
}
