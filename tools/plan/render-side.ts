/**
 * Renders one side of a plan. In this process (`renderPlan`: once per process, Pulumi's runtime is
 * global), or in a child process (`renderPlanInChild`), which is how a diff renders its two sides
 * side by side.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PLACEHOLDER_SECRET, PROJECT_ROOT, renderStack, TS_REGISTER } from "../render";
import { PlanSide } from "./args";
import { PLAN_FORMAT, PlanDocument, toPlanDocument } from "./document";

/**
 * Secret config the profile reads. The plan never asks for them: each renders as the placeholder,
 * so a plan needs no passphrase, and what it prints cannot hold a real secret.
 */
export const PLAN_SECRET_KEYS = ["neo4jPassword", "digitaloceanToken", "backupPassword"] as const;

/** Renders `side` in this process. Call once per process. */
export async function renderPlan(side: PlanSide): Promise<PlanDocument> {
    const secrets = Object.fromEntries(PLAN_SECRET_KEYS.map((k) => [k, PLACEHOLDER_SECRET]));
    const render = await renderStack({ stack: side.stack, overrides: side.overrides, secrets });
    return toPlanDocument(render, side.overrides, [PLACEHOLDER_SECRET]);
}

/** Thrown when a side cannot be rendered (bad stack file, invalid override...). */
export class RenderFailed extends Error {
    constructor(public readonly side: PlanSide, public readonly details: string) {
        const overridden = Object.keys(side.overrides).length > 0 && /Invalid configuration/.test(details);
        super(`could not render ${side.label}:\n${details.trim()}` + (overridden
            ? "\nThe overrides are validated with the rest of the stack file: add the settings the problem asks for as more +key=value."
            : ""));
        this.name = "RenderFailed";
    }
}

const PLAN_CLI = path.join(PROJECT_ROOT, "tools", "plan.ts");

/** Renders `side` in a child `plan --json` process and reads its document. */
export async function renderPlanInChild(side: PlanSide): Promise<PlanDocument> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-plan-"));
    const out = path.join(dir, "plan.json");
    const args = ["-r", TS_REGISTER, PLAN_CLI, "--stack", side.stack, "--json", "--out", out];
    for (const [key, value] of Object.entries(side.overrides)) {
        // JSON is YAML, so the child reads back exactly this value (a string stays a string).
        args.push("--set", `${key}=${JSON.stringify(value)}`);
    }
    try {
        const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
            const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
            let stderr = "";
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code, stderr }));
        });
        if (code !== 0 || !fs.existsSync(out)) throw new RenderFailed(side, stderr.replace(/^plan: /gm, "") || `exit code ${code}`);
        const doc = JSON.parse(fs.readFileSync(out, "utf8")) as PlanDocument;
        if (doc.format !== PLAN_FORMAT) throw new RenderFailed(side, `unexpected plan format ${String(doc.format)}`);
        return doc;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
