/**
 * `npm run plan`: the stack's desired state, offline, and the diff between two desired states.
 * No Pulumi CLI, no credentials, no providers: the real program renders under Pulumi's mocks.
 * See tools/plan/args.ts for the command line, tools/plan/document.ts and diff.ts for the JSON.
 */
import * as fs from "fs";
import { reportUsage, UsageError } from "./cli/command-line";
import { parseArgs, PlanCommand, USAGE } from "./plan/args";
import { formatCapacity } from "./plan/capacity";
import { checkExitCode, checkSide, formatCheck } from "./plan/policy-check";
import { diffPlans } from "./plan/diff";
import { formatDiff } from "./plan/diff-report";
import { renderPlan, renderPlanInChild } from "./plan/render-side";
import { formatTree } from "./plan/tree";

async function run(command: Exclude<PlanCommand, { kind: "help" }>): Promise<{ text: string; code: number }> {
    switch (command.kind) {
        case "show": {
            const doc = await renderPlan(command.side);
            return { text: command.json ? JSON.stringify(doc, null, 2) : `${formatTree(doc)}\n\n${formatCapacity(command.side)}`, code: 0 };
        }
        case "check": {
            const check = await checkSide(command.side);
            return { text: command.json ? JSON.stringify(check, null, 2) : formatCheck(check), code: checkExitCode(check) };
        }
        case "diff": {
            // Pulumi's runtime is global: one render per process, so each side renders in a child.
            const [before, after] = await Promise.all([renderPlanInChild(command.before), renderPlanInChild(command.after)]);
            const diff = diffPlans(before, after, { before: command.before.label, after: command.after.label });
            return { text: command.json ? JSON.stringify(diff, null, 2) : formatDiff(diff), code: 0 };
        }
    }
}

async function main(argv: string[]): Promise<number> {
    let command: PlanCommand;
    try {
        command = parseArgs(argv);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        return reportUsage("plan", USAGE, e);
    }
    if (command.kind === "help") return reportUsage("plan", USAGE);
    try {
        const { text, code } = await run(command);
        if (command.out) fs.writeFileSync(command.out, `${text}\n`);
        else process.stdout.write(`${text}\n`);
        return code;
    } catch (e) {
        process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
    }
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`plan: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
        process.exit(1);
    },
);
