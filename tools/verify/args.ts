/**
 * Command line of `npm run verify`: flags in, a typed VerifyOptions out (or a UsageError saying
 * what is wrong). Pure, so it is unit tested.
 */

/** Groups of checks that `--skip` can leave out. */
export const SKIPPABLE = ["ollama", "backend-exec", "gpu", "neo4j", "http"] as const;
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
    /** Streams at once for the load measurement (0: none). */
    concurrency: number;
}

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export const USAGE = `Usage: npm run verify -- (--stack <name> | --outputs <file.json>) [options]

Checks a deployed stack: Ollama from the host and from inside the backend container, the model,
the share in VRAM, an optional benchmark, Neo4j over bolt, backend health and frontend.

  --stack <name>          read outputs with: pulumi stack output --json --show-secrets --stack <name>
  --outputs <file>        read outputs from a JSON file instead (no Pulumi CLI needed)
  --bench <N>             run N benchmark generations (median and spread of tokens/s, TTFT, load time)
  --concurrency <N>       scale stack: N generations at once, dealt over the Ollama replicas
  --gpu <model>           accelerator for the bandwidth ceiling, e.g. "M1 Max", "H100 SXM", "L40S"
                          (detected with sysctl / nvidia-smi when omitted)
  --skip <group,...>      leave out checks: ${SKIPPABLE.join(", ")}
  --json                  machine-readable result on stdout
  --timeout <seconds>     timeout of each network call and docker command (default 10)
  --generate-timeout <s>  timeout of one generation, model load included (default 300)
  --docker-host <url>     Docker engine to use instead of the stack's dockerHost
  --quiet                 no progress on stderr
  -h, --help              this text

Exit code: 0 when every check that ran passed, 1 when one failed, 2 on a usage or outputs error.`;

function positiveNumber(flag: string, raw: string | undefined, integer: boolean, min: number): number {
    if (raw === undefined || raw.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
        throw new UsageError(`${flag} ${raw}: expected ${integer ? "an integer" : "a number"} >= ${min}`);
    }
    return n;
}

/** Parses argv (without node and script). Returns undefined when help was asked for. */
export function parseArgs(argv: string[]): VerifyOptions | undefined {
    const options: VerifyOptions = {
        bench: 0, json: false, skip: [], timeoutMs: 10_000, generateTimeoutMs: 300_000, quiet: false, concurrency: 0,
    };
    const value = (i: number, flag: string): string => {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const raw = argv[i];
        const eq = raw.indexOf("=");
        const [flag, inline] = raw.startsWith("--") && eq > 0 ? [raw.slice(0, eq), raw.slice(eq + 1)] : [raw, undefined];
        const take = (): string => {
            if (inline !== undefined) return inline;
            const v = value(i, flag);
            i++;
            return v;
        };
        switch (flag) {
            case "-h": case "--help": return undefined;
            case "--stack": options.stack = take(); break;
            case "--outputs": options.outputsFile = take(); break;
            case "--bench": options.bench = positiveNumber(flag, take(), true, 0); break;
            case "--gpu": options.gpu = take(); break;
            case "--concurrency": options.concurrency = positiveNumber(flag, take(), true, 1); break;
            case "--json": options.json = true; break;
            case "--quiet": options.quiet = true; break;
            case "--docker-host": options.dockerHost = take(); break;
            case "--timeout": options.timeoutMs = positiveNumber(flag, take(), false, 0.1) * 1000; break;
            case "--generate-timeout": options.generateTimeoutMs = positiveNumber(flag, take(), false, 1) * 1000; break;
            case "--skip":
                for (const group of take().split(",").map((s) => s.trim()).filter(Boolean)) {
                    if (!(SKIPPABLE as readonly string[]).includes(group)) {
                        throw new UsageError(`--skip ${group}: unknown group; use ${SKIPPABLE.join(", ")}`);
                    }
                    if (!options.skip.includes(group as SkippableGroup)) options.skip.push(group as SkippableGroup);
                }
                break;
            default:
                throw new UsageError(`unknown argument ${raw}`);
        }
    }
    if (!options.stack && !options.outputsFile) throw new UsageError("give --stack <name> or --outputs <file.json>");
    if (options.stack && options.outputsFile) throw new UsageError("give --stack or --outputs, not both");
    return options;
}
