/**
 * Command line of `npm run verify`: flags in (read by node:util's parseArgs, see
 * ../cli/command-line.ts), a typed VerifyOptions out, or a UsageError saying what is wrong. Pure,
 * so it is unit tested.
 */
import { FlagSpecs, readCommandLine, UsageError } from "../cli/command-line";

export { UsageError };

/** Groups of checks that `--skip` can leave out. */
export const SKIPPABLE = ["ollama", "backend-exec", "gpu", "neo4j", "http", "front-door", "backup"] as const;
export type SkippableGroup = (typeof SKIPPABLE)[number];

export interface VerifyOptions {
    /** Stack whose outputs `pulumi stack output` reads. */
    stack?: string;
    /** JSON file of outputs instead of the Pulumi CLI. */
    outputsFile?: string;
    /** Number of benchmark generations (0: no benchmark). */
    bench: number;
    /** Print JSON instead of the table. */
    json: boolean;
    /** Check groups left out. */
    skip: SkippableGroup[];
    /** Accelerator model for the bandwidth ceiling ("M1 Max", "H100 SXM"...), instead of detecting it. */
    gpu?: string;
    /** Timeout of every short network call and docker command, ms. */
    timeoutMs: number;
    /** Timeout of one generation (warm-up or benchmark run), ms; covers a cold model load. */
    generateTimeoutMs: number;
    /** Docker engine URL overriding the stack's dockerHost output. */
    dockerHost?: string;
    /** No progress lines on stderr. */
    quiet: boolean;
    /** Load measurement (--concurrency / --sweep), when asked for. */
    load?: LoadSettings;
}

export interface LoadSettings {
    /** Concurrency levels, in order: one for --concurrency, several for --sweep. */
    levels: number[];
    /** Requests each stream sends back to back. */
    rounds: number;
    /** Tokens each request generates. */
    tokens: number;
    /** SVG chart to write (--sweep only). */
    chartFile?: string;
}

export const USAGE = `Usage: npm run verify -- (--stack <name> | --outputs <file.json>) [options]

Checks a deployed stack: Ollama from the host and from inside the backend container, the model,
the share in VRAM, an optional benchmark, Neo4j over bolt, backend health and frontend, that the
Ollama container still has its GPU (health, nvidia-smi, the heal timer's last heal), and (with a
front door) the HTTPS certificate, the HTTP redirect and that no other port answers publicly;
Neo4j's last good backup (its age against backup.maxAgeHours) and the last restore drill.

  --stack <name>          read outputs with: pulumi stack output --json --show-secrets --stack <name>
  --outputs <file>        read outputs from a JSON file instead (no Pulumi CLI needed)
  --bench <N>             run N benchmark generations (median and spread of tokens/s, TTFT, load time)
  --gpu <model>           accelerator for the bandwidth ceiling, e.g. "M1 Max", "H100 SXM", "L40S"
                          (detected with sysctl / nvidia-smi when omitted)
  --skip <group,...>      leave out checks: ${SKIPPABLE.join(", ")}
  --json                  machine-readable result on stdout
  --timeout <seconds>     timeout of each network call and docker command (default 10)
  --generate-timeout <s>  timeout of one generation, model load included (default 300)
  --docker-host <url>     Docker engine to use instead of the stack's dockerHost
  --concurrency <N>       N streams at once: aggregate and per-stream tokens/s, time to first token
                          p50/p95, requests that queued for a slot, 503s (Ollama's queue full)
  --sweep <N,N,...>       the same for each level (e.g. 1,2,4,8), and an SVG chart of aggregate
                          tokens/s and p95 first-token time against concurrency
  --rounds <R>            requests each stream sends one after the other (default 2)
  --load-tokens <T>       tokens each load request generates (default 64)
  --chart <file.svg>      where --sweep writes its chart (default verify-sweep.svg)
  --quiet                 no progress on stderr
  -h, --help              this text

Exit code: 0 when every check that ran passed, 1 when one failed, 2 on a usage or outputs error.`;

const FLAGS: FlagSpecs = {
    "help": { type: "boolean", short: "h" },
    "stack": { type: "string" },
    "outputs": { type: "string" },
    "bench": { type: "string" },
    "gpu": { type: "string" },
    "json": { type: "boolean" },
    "quiet": { type: "boolean" },
    "docker-host": { type: "string" },
    "timeout": { type: "string" },
    "generate-timeout": { type: "string" },
    "concurrency": { type: "string" },
    "sweep": { type: "string" },
    "rounds": { type: "string" },
    "load-tokens": { type: "string" },
    "chart": { type: "string" },
    "skip": { type: "string" },
};

/** `raw` as a number (an integer when asked) of at least `min`, or a UsageError naming the flag. */
function numberAtLeast(flag: string, raw: string, integer: boolean, min: number): number {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
        throw new UsageError(`${flag} ${raw}: expected ${integer ? "an integer" : "a number"} >= ${min}`);
    }
    return n;
}

/** Parses argv (without node and script). Returns undefined when help was asked for. */
export function parseArgs(argv: readonly string[]): VerifyOptions | undefined {
    const tokens = readCommandLine(argv, FLAGS, { unknown: (arg) => `unknown argument ${arg}`, help: "help" });
    const options: VerifyOptions = {
        bench: 0, json: false, skip: [], timeoutMs: 10_000, generateTimeoutMs: 300_000, quiet: false,
    };
    let levels: number[] | undefined;
    let levelsFlag = "";
    let rounds = 2;
    let tokensPerRequest = 64;
    let chartFile: string | undefined;
    for (const token of tokens) {
        if (token.kind === "word") throw new UsageError(`unknown argument ${token.value}`);
        const flag = `--${token.name}`;
        const value = token.value ?? "";
        switch (token.name) {
            case "help": return undefined;
            case "stack": options.stack = value; break;
            case "outputs": options.outputsFile = value; break;
            case "bench": options.bench = numberAtLeast(flag, value, true, 0); break;
            case "gpu": options.gpu = value; break;
            case "json": options.json = true; break;
            case "quiet": options.quiet = true; break;
            case "docker-host": options.dockerHost = value; break;
            case "timeout": options.timeoutMs = numberAtLeast(flag, value, false, 0.1) * 1000; break;
            case "generate-timeout": options.generateTimeoutMs = numberAtLeast(flag, value, false, 1) * 1000; break;
            case "concurrency":
            case "sweep": {
                if (levels) throw new UsageError(`${flag}: give one of --concurrency or --sweep, once`);
                levels = token.name === "concurrency"
                    ? [numberAtLeast(flag, value, true, 1)]
                    : value.split(",").map((x) => numberAtLeast(flag, x.trim(), true, 1));
                if (levels.some((n) => n > 256)) throw new UsageError(`${flag} ${value}: at most 256 streams at once`);
                levelsFlag = flag;
                break;
            }
            case "rounds": rounds = numberAtLeast(flag, value, true, 1); break;
            case "load-tokens": tokensPerRequest = numberAtLeast(flag, value, true, 1); break;
            case "chart": chartFile = value; break;
            case "skip":
                for (const group of value.split(",").map((s) => s.trim()).filter(Boolean)) {
                    if (!(SKIPPABLE as readonly string[]).includes(group)) {
                        throw new UsageError(`--skip ${group}: unknown group; use ${SKIPPABLE.join(", ")}`);
                    }
                    if (!options.skip.includes(group as SkippableGroup)) options.skip.push(group as SkippableGroup);
                }
                break;
        }
    }
    if (!options.stack && !options.outputsFile) throw new UsageError("give --stack <name> or --outputs <file.json>");
    if (options.stack && options.outputsFile) throw new UsageError("give --stack or --outputs, not both");
    if (chartFile && levelsFlag !== "--sweep") throw new UsageError("--chart goes with --sweep");
    if (levels) {
        options.load = { levels, rounds, tokens: tokensPerRequest, chartFile: levelsFlag === "--sweep" ? chartFile ?? "verify-sweep.svg" : undefined };
    }
    return options;
}
