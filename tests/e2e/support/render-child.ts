/**
 * Renders the real program in a child process, asynchronously, so several renders (one per side of
 * a switch) run at once: Pulumi's runtime is global to a process, one render per process.
 */
import { execFile } from "child_process";
import * as path from "path";
import { PROJECT_ROOT, RenderOptions, RenderResult } from "../../../tools/render";

export function renderInChild(options: RenderOptions, timeoutMs = 120_000): Promise<RenderResult> {
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "tools", "render.ts"), JSON.stringify(options)], {
            cwd: PROJECT_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024,
            env: { ...process.env, TS_NODE_PROJECT: path.join(PROJECT_ROOT, "tsconfig.json") },
        }, (err, stdout, stderr) => {
            if (err) return reject(new Error(`render of ${options.stack} failed: ${stderr || err.message}`));
            resolve(JSON.parse(stdout) as RenderResult);
        });
    });
}
