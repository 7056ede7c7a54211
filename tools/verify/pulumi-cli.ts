/**
 * How verify runs the Pulumi CLI (through tools/pulumi.sh: an installed `pulumi` first, then the
 * npm package's launcher) and what it says when that fails. Three failures look alike in pulumi's
 * exit code and must not be told apart by guessing: no CLI at all, the launcher unable to download
 * the CLI (offline: "fetch failed"), and a CLI that runs fine but has no such stack (pulumi's own
 * "no stack named '<name>' found", pkg/cmd/pulumi/stack). Each gets its own sentence and next step.
 */
import * as path from "path";

export const PULUMI_WRAPPER = path.resolve(__dirname, "..", "pulumi.sh");

const OUTPUTS_FILE_HINT = "or, where the CLI cannot run, write the outputs elsewhere (pulumi stack output --json --show-secrets --stack <name> > outputs.json) and pass --outputs outputs.json";

export interface CliRun {
    /** Exit code, or undefined when the process could not be started. */
    code?: number | null;
    /** errno code when spawning failed (ENOENT...). */
    errno?: string;
    /** True when the run was killed by the timeout. */
    timedOut?: boolean;
    stderr: string;
}

/** One sentence saying what went wrong with `pulumi stack output` for `stack`, and what to do. */
export function describePulumiFailure(stack: string, run: CliRun): string {
    const stderr = run.stderr.trim();
    const last = stderr.split("\n").filter((l) => l.trim() !== "").slice(-3).join(" ");
    if (run.errno === "ENOENT" || run.code === 127) {
        return "the Pulumi CLI is not installed here (none on PATH, no npm launcher); install it (docs/pulumi-cli.md) " + OUTPUTS_FILE_HINT;
    }
    if (/fetch failed|ENOTFOUND|EAI_AGAIN|getaddrinfo|Downloading pulumi v/i.test(stderr) && !/no stack named/.test(stderr)) {
        return "the Pulumi CLI is not installed and the pulumi npm package could not download it (no network?): " +
            `${last}; install the CLI (docs/pulumi-cli.md) and run again, ` + OUTPUTS_FILE_HINT;
    }
    const noStack = /no stack named '([^']+)' found/.exec(stderr);
    if (noStack) {
        return `the Pulumi CLI works, but stack "${noStack[1]}" does not exist in this project's backend; ` +
            `list the stacks with \`npm run pulumi -- stack ls\`, create it with \`npm run pulumi -- stack init ${stack}\` and deploy it with \`npm run pulumi -- up --stack ${stack}\`, ` +
            "or pass --stack with an existing one";
    }
    if (/PULUMI_ACCESS_TOKEN|pulumi login|not logged in/i.test(stderr)) {
        return `the Pulumi CLI works but is not logged in to a backend: ${last}; run \`npm run pulumi -- login --local\` (this project keeps state on this machine) and run again`;
    }
    if (run.timedOut) return `pulumi stack output did not finish in time; ${OUTPUTS_FILE_HINT}`;
    return `pulumi stack output failed (exit ${String(run.code)}): ${last || "no message"}; ${OUTPUTS_FILE_HINT}`;
}

/** The stack exists but has no outputs at all: it was created and never deployed. */
export function describeEmptyOutputs(stack: string): string {
    return `stack "${stack}" exists but has no outputs: it has not been deployed yet; run \`npm run pulumi -- up --stack ${stack}\` first`;
}
