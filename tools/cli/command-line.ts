/**
 * What `npm run verify` and `npm run plan` share on the command line: node:util's `parseArgs` reads
 * the flags (`--flag value`, `--flag=value`, `-s value`, repeated flags), this module turns what it
 * read into one kind of error with a sentence saying what is wrong, and both tools print usage and
 * exit the same way (help on stdout, exit 0; a mistake on stderr followed by the usage, exit 2).
 *
 * parseArgs runs with `strict: false` and `tokens: true`, and every token is checked here instead:
 * in strict mode it refuses a value that starts with a dash (`--bench -1` would be "ambiguous"
 * rather than "expected an integer >= 0") and its messages name its own terms, not ours.
 */
import { parseArgs } from "node:util";

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** A flag: `string` takes a value, `boolean` takes none. */
export interface FlagSpec {
    type: "string" | "boolean";
    short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

/** One flag as written, in command-line order. */
export interface FlagToken {
    kind: "flag";
    name: string;
    /** As written: `--stack`, `-s`. */
    rawName: string;
    /** The value of a string flag (always set: a missing value is a UsageError). */
    value?: string;
    /** Position in argv. */
    index: number;
}

/** A word that is not a flag, in command-line order. */
export interface WordToken {
    kind: "word";
    value: string;
    index: number;
}

export type CommandLineToken = FlagToken | WordToken;

export interface CommandLineStyle {
    /** How the tool writes an argument it does not know: `unknown argument --x` or `unknown argument "--x"`. */
    unknown: (arg: string) => string;
    /** The help flag: reading stops there (what comes after it is not checked), as `--help` wins over what follows. */
    help?: string;
}

/**
 * Reads argv with parseArgs and checks every flag: known, with a value when it takes one (a value
 * that starts with `--` is the next flag, not a value), none when it takes none. Returns the
 * tokens in order, up to the help flag if there is one; words (positionals) are the caller's to
 * accept or refuse.
 */
export function readCommandLine(argv: readonly string[], flags: FlagSpecs, style: CommandLineStyle): CommandLineToken[] {
    const { tokens } = parseArgs({ args: [...argv], options: flags, strict: false, allowPositionals: true, tokens: true });
    const out: CommandLineToken[] = [];
    for (const token of tokens) {
        if (token.kind === "option-terminator") throw new UsageError(style.unknown(argv[token.index]));
        if (token.kind === "positional") {
            out.push({ kind: "word", value: token.value, index: token.index });
            continue;
        }
        const spec = Object.prototype.hasOwnProperty.call(flags, token.name) ? flags[token.name] : undefined;
        if (!spec) throw new UsageError(style.unknown(argv[token.index]));
        if (spec.type === "boolean") {
            if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value (${argv[token.index]})`);
            out.push({ kind: "flag", name: token.name, rawName: token.rawName, index: token.index });
            if (token.name === style.help) return out;
            continue;
        }
        if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--"))) {
            throw new UsageError(`${token.rawName} needs a value`);
        }
        out.push({ kind: "flag", name: token.name, rawName: token.rawName, value: token.value, index: token.index });
    }
    return out;
}

/** Help on stdout (exit 0), or a usage error and the usage on stderr (exit 2): the exit code to return. */
export function reportUsage(tool: string, usage: string, error?: UsageError): number {
    if (error) {
        process.stderr.write(`${tool}: ${error.message}\n\n${usage}\n`);
        return 2;
    }
    process.stdout.write(`${usage}\n`);
    return 0;
}

/** A `--stack` value: a stack name as Pulumi accepts it (Pulumi.<name>.yaml), or a UsageError. */
export function stackNameFlag(value: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) throw new UsageError(`--stack ${JSON.stringify(value)}: expected a stack name (letters, digits, . _ -)`);
    return value;
}
