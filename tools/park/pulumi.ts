/**
 * The Pulumi CLI as park and unpark call it: through tools/pulumi.sh (the CLI on PATH, or
 * RAG_STACK_PULUMI, or the npm launcher; the version check), in the project directory, with the
 * caller's environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, DIGITALOCEAN_TOKEN).
 */
import { spawn } from "child_process";
import * as path from "path";

const WRAPPER = path.resolve(__dirname, "..", "pulumi.sh");

export interface PulumiResult { code: number; stdout: string; stderr: string }

export interface PulumiRunner {
    /** Runs `pulumi <args>`; `live` passes its output through to this terminal as well. */
    run(args: string[], opts?: { live?: boolean; timeoutMs?: number }): Promise<PulumiResult>;
}

export function pulumiCli(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): PulumiRunner {
    return {
        run: (args, opts = {}) => new Promise((resolve, reject) => {
            const child = spawn("sh", [WRAPPER, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); if (opts.live) process.stdout.write(d); });
            child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); if (opts.live) process.stderr.write(d); });
            // Bounded: an `up` that hangs is stopped (the engine then leaves a pending operation, which `pulumi refresh` clears).
            const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 60 * 60_000);
            child.on("error", (e) => { clearTimeout(timer); reject(e); });
            child.on("close", (code, signal) => {
                clearTimeout(timer);
                resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n(stopped by ${signal} after the time limit)` : stderr });
            });
        }),
    };
}
