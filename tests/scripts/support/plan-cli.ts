/**
 * `npm run plan` as users run it: a child process in the project directory, TypeScript loaded
 * through the same cached transpile hook the npm script uses.
 */
import { spawn } from "child_process";
import * as path from "path";

export const PROJECT_DIR = path.resolve(__dirname, "../../..");

export interface PlanRun { code: number | null; stdout: string; stderr: string }

export function runPlan(...args: string[]): Promise<PlanRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "./tools/ts-cached-register.js", "tools/plan.ts", ...args], { cwd: PROJECT_DIR });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}
