/**
 * Command line of `npm run park` and `npm run unpark`: flags in (../cli/command-line.ts), typed
 * options out, or a UsageError saying what is wrong. Pure, so it is unit tested.
 */
import { FlagSpecs, readCommandLine, stackNameFlag, UsageError } from "../cli/command-line";

export { UsageError };

export type Direction = "park" | "unpark";

export interface ParkOptions {
    direction: Direction;
    stack: string;
    /** park only: park only when idle for this many minutes (the health answer decides). */
    ifIdleMinutes?: number;
    /** Limit of the health GET (--if-idle) and of each poll (unpark), ms. */
    healthTimeoutMs: number;
    /** unpark: how long to wait after `up` for the health answer to say the backend and the model are ready, s. */
    waitSeconds: number;
}

export const usage = (d: Direction): string => `Usage: npm run ${d} -- --stack <name>${d === "park" ? " [--if-idle <minutes>]" : " [--wait <seconds>]"}

${d === "park"
        ? "Parks the GPU droplet: previews digitalocean.parked=true, refuses when anything but the compute\nside would change (volumes, reserved IP, firewall, VPC, DNS, buckets), then sets it and runs `up`."
        : "Brings the GPU droplet back: previews digitalocean.parked=false, refuses when anything but the\ncompute side would change, sets it, runs `up`, then waits for /healthz to say the model is ready."}
Nothing to do (already ${d === "park" ? "parked" : "running"}): says so, changes nothing, exit 0.

  --stack <name>          the stack (Pulumi.<name>.yaml)
${d === "park"
        ? "  --if-idle <minutes>     park only when no request used Ollama for that long, as the stack's\n                          /healthz says; no answer, a timeout, a malformed answer or an unknown\n                          last activity counts as active (exit 0, nothing changed)"
        : "  --wait <seconds>        how long to wait for the model after up (default 900)"}
  --health-timeout <ms>   limit of each /healthz request (default 10000)
  -h, --help              this text

Exit codes: 0 done or nothing to do; 1 refused or failed (the message says why); 2 usage.`;

const FLAGS: FlagSpecs = {
    stack: { type: "string", short: "s" },
    "if-idle": { type: "string" },
    wait: { type: "string" },
    "health-timeout": { type: "string" },
    help: { type: "boolean", short: "h" },
};

const positive = (flag: string, v: string, integer = true): number => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} ${JSON.stringify(v)}: expected a whole number above 0`);
    return n;
};

/** Options, or undefined for --help. */
export function parseParkArgs(direction: Direction, argv: readonly string[]): ParkOptions | undefined {
    const tokens = readCommandLine(argv, FLAGS, { unknown: (a) => `unknown argument ${JSON.stringify(a)}`, help: "help" });
    const o: Partial<ParkOptions> = { direction, healthTimeoutMs: 10_000, waitSeconds: 900 };
    for (const t of tokens) {
        if (t.kind === "word") throw new UsageError(`unexpected ${JSON.stringify(t.value)}: every argument is a flag`);
        const v = t.value as string;
        switch (t.name) {
            case "help": return undefined;
            case "stack":
                o.stack = stackNameFlag(v);
                break;
            case "if-idle":
                if (direction !== "park") throw new UsageError("--if-idle is for park only");
                o.ifIdleMinutes = positive("--if-idle", v);
                break;
            case "wait":
                if (direction !== "unpark") throw new UsageError("--wait is for unpark only");
                o.waitSeconds = positive("--wait", v);
                break;
            case "health-timeout":
                o.healthTimeoutMs = positive("--health-timeout", v);
                break;
        }
    }
    if (!o.stack) throw new UsageError("--stack is required");
    return o as ParkOptions;
}
