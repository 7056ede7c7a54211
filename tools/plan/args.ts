/**
 * Command line of `npm run plan`:
 *
 *   npm run plan -- --stack dev [--set ollama.mode=container ...] [--json] [--out FILE]
 *   npm run plan -- --stack prod --check
 *   npm run plan -- --diff dev+ollama.mode=container dev [--set key=value ...] [--json] [--out FILE]
 *
 * A side of a diff is a stack name followed by `+key.path=value` overrides. `--set` applies to the
 * single render, or to both sides of a diff. Values are read as YAML scalars or flow collections
 * (`11434` is a number, `true` a boolean, `[a, b]` a list); anything else is a string.
 */
import { parse as parseYaml } from "yaml";
import { FlagSpecs, readCommandLine, UsageError } from "../cli/command-line";

export { UsageError };

/** A stack to render and the config overrides to render it with. */
export interface PlanSide {
    stack: string;
    overrides: Record<string, unknown>;
    /** How the user wrote it (`dev+ollama.mode=container`), for headings. */
    label: string;
}

export type PlanCommand =
    | { kind: "help" }
    | { kind: "show"; side: PlanSide; json: boolean; out?: string }
    | { kind: "check"; side: PlanSide; json: boolean; out?: string }
    | { kind: "diff"; before: PlanSide; after: PlanSide; json: boolean; out?: string };

export const USAGE = `Usage:
  npm run plan -- --stack <stack> [--set key.path=value ...] [--json] [--out FILE]
      Render the stack's desired state offline (real program, real stack file, Pulumi mocks,
      placeholder secrets) and print it as a tree, or as JSON with --json.
  npm run plan -- --stack <stack> --check [--set key.path=value ...] [--json]
      Run the policy pack (policy/) on the rendered stack, offline; exit 1 on a mandatory violation.
  npm run plan -- --diff <A> <B> [--set key.path=value ...] [--json] [--out FILE]
      Compare the desired states of A and B (resources added, removed, changed), where A and B are
      stacks with optional overrides: dev, prod, dev+ollama.mode=container+ollama.accelerator=cpu.

  --set key.path=value   config override inside the rag-stack namespace (repeatable)
  --json                 machine-readable output (format documented in tools/plan/document.ts and diff.ts)
  --out FILE             write the output to FILE instead of stdout

This compares desired states. What is deployed is compared by: pulumi preview --stack <stack> --diff`;

const KEY = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;
const STACK = /^[A-Za-z0-9_.-]+$/;

/** Reads `value` as YAML (numbers, booleans, lists); plain text stays a string. */
export function parseOverrideValue(value: string): unknown {
    try {
        const parsed: unknown = parseYaml(value);
        return parsed === null || parsed === undefined ? value : parsed;
    } catch {
        return value;
    }
}

/** `ollama.mode=container` into its key and value. */
export function parseOverride(text: string): [string, unknown] {
    const eq = text.indexOf("=");
    const key = eq > 0 ? text.slice(0, eq) : "";
    if (!KEY.test(key)) {
        throw new UsageError(`"${text}" is not an override; write key.path=value, e.g. ollama.mode=container`);
    }
    return [key, parseOverrideValue(text.slice(eq + 1))];
}

/** `dev+ollama.mode=container+ollama.port=11500` into a stack and its overrides. */
export function parseSide(text: string, common: Record<string, unknown> = {}): PlanSide {
    // Split only where a `+` starts another key=value, so values may contain `+`.
    const [stack, ...overrides] = text.split(/\+(?=[A-Za-z][A-Za-z0-9_.]*=)/);
    if (!STACK.test(stack)) {
        throw new UsageError(`"${text}" does not start with a stack name; write e.g. dev or dev+ollama.mode=container`);
    }
    const parsed = Object.fromEntries(overrides.map(parseOverride));
    return { stack, overrides: { ...common, ...parsed }, label: text };
}

const FLAGS: FlagSpecs = {
    help: { type: "boolean", short: "h" },
    stack: { type: "string", short: "s" },
    set: { type: "string" },
    json: { type: "boolean" },
    check: { type: "boolean" },
    out: { type: "string" },
    diff: { type: "string" },
};

export function parseArgs(argv: readonly string[]): PlanCommand {
    const tokens = readCommandLine(argv, FLAGS, { unknown: (arg) => `unknown argument "${arg}"`, help: "help" });
    let stack: string | undefined;
    let diff: [string, string] | undefined;
    let json = false;
    let check = false;
    let out: string | undefined;
    const sets: [string, unknown][] = [];
    for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i];
        if (token.kind === "word") throw new UsageError(`unknown argument "${token.value}"`);
        const value = token.value ?? "";
        switch (token.name) {
            case "help":
                return { kind: "help" };
            case "stack":
                stack = value;
                break;
            case "set":
                sets.push(parseOverride(value));
                break;
            case "json":
                json = true;
                break;
            case "check":
                check = true;
                break;
            case "out":
                out = value;
                break;
            case "diff": {
                // `--diff A B`: B is the word right after A.
                const next = tokens[i + 1];
                if (next?.kind !== "word") throw new UsageError(`${token.rawName} needs a value`);
                diff = [value, next.value];
                i++;
                break;
            }
        }
    }
    const common = Object.fromEntries(sets);
    if (diff) {
        if (stack) throw new UsageError("use either --stack or --diff, not both");
        if (check) throw new UsageError("--check runs on one stack: --stack <stack> --check");
        return { kind: "diff", before: parseSide(diff[0], common), after: parseSide(diff[1], common), json, out };
    }
    if (!stack) throw new UsageError("say which stack to render: --stack dev (or --diff A B)");
    const side = parseSide(stack, common);
    return { kind: check ? "check" : "show", side, json, out };
}
