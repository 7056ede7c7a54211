/**
 * What the scheduled workflow (.github/workflows/park-schedule.yml, every 15 minutes) does on this
 * run, from the stack's `rag-stack:parking` config (components/config/parking.ts):
 * - the last wake or park fired less than WAKE_GRACE_MINUTES ago: do it (`wake`: npm run unpark,
 *   `park`: npm run park); both idempotent, so the runs of the grace period after one fire repeat
 *   it harmlessly, and a run GitHub starts late (scheduled runs are often delayed) still does it;
 * - otherwise, with `idleMinutes`: `idle-check` (npm run park -- --if-idle N): parks a running
 *   droplet nobody uses, inside working hours too, and one somebody woke by hand at night;
 * - otherwise, or when parking is not enabled: `none`.
 * A droplet parked for idleness inside working hours stays parked until someone runs
 * `npm run unpark` (or the next wake): nothing wakes on demand by itself.
 *
 * `npm run park:schedule -- --stack prod [--at <ISO time>]` prints `action=<...>` and
 * `idle_minutes=<N>` (for $GITHUB_OUTPUT) on stdout and the reason on stderr; a bad config exits 1
 * naming the key, a usage mistake 2.
 */
import * as fs from "fs";
import { parse as parseYaml } from "yaml";
import { ParkingSettings, readParking } from "../../components/config/parking";
import type { HostProvider } from "../../components/config/host";
import { PROJECT } from "../../components/project";
import { lastFire, parseCron } from "../../components/validation/cron";
import { readCommandLine, reportUsage, UsageError } from "../cli/command-line";
import { stackFilePath } from "./stack-file";

/** How long after a wake or park fired the workflow still carries it out. */
export const WAKE_GRACE_MINUTES = 45;

export type ScheduledAction = "wake" | "park" | "idle-check" | "none";

export interface ScheduleDecision {
    action: ScheduledAction;
    reason: string;
    idleMinutes?: number;
}

export function decideScheduledAction(s: ParkingSettings | undefined, now: Date): ScheduleDecision {
    if (!s) return { action: "none", reason: `no ${PROJECT}:parking in the stack file` };
    if (!s.enabled) return { action: "none", reason: `${PROJECT}:parking.enabled is false` };
    const fired = (text: string | undefined) => {
        const c = text === undefined ? undefined : parseCron(text);
        return c === undefined || typeof c === "string" ? undefined : lastFire(c, now);
    };
    const wake = fired(s.schedule.wake);
    const park = fired(s.schedule.park);
    // The later of the two; at the same minute the park wins.
    const latest = park && (!wake || park >= wake) ? { action: "park" as const, at: park } : wake ? { action: "wake" as const, at: wake } : undefined;
    if (latest && now.getTime() - latest.at.getTime() < WAKE_GRACE_MINUTES * 60_000) {
        const cron = latest.action === "park" ? s.schedule.park : s.schedule.wake;
        return { action: latest.action, reason: `${latest.action} fired at ${latest.at.toISOString()} ("${cron}"), less than ${WAKE_GRACE_MINUTES} min ago` };
    }
    if (s.idleMinutes !== undefined) {
        return { action: "idle-check", idleMinutes: s.idleMinutes, reason: `no wake or park in the last ${WAKE_GRACE_MINUTES} min: park if idle for ${s.idleMinutes} min` };
    }
    return { action: "none", reason: `no wake or park in the last ${WAKE_GRACE_MINUTES} min, and no parking.idleMinutes` };
}

/** The parking settings of a stack file, validated as the program validates them. */
export function readStackParking(file: string): { settings?: ParkingSettings; problems: string[] } {
    const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    const config = doc?.config ?? {};
    const host = config[`${PROJECT}:host`] as { provider?: unknown } | undefined;
    const provider = (typeof host?.provider === "string" ? host.provider : "local") as HostProvider;
    const problems: string[] = [];
    const settings = readParking(problems, config[`${PROJECT}:parking`], provider);
    return { settings, problems };
}

const USAGE = `Usage: npm run park:schedule -- --stack <name> [--at <ISO time>]

Says what the scheduled workflow does now for the stack: wake, park, idle-check or none
(from rag-stack:parking in Pulumi.<name>.yaml). Prints action=... and idle_minutes=... on stdout.`;

export function main(argv: string[]): number {
    let stack: string | undefined;
    let at = new Date();
    try {
        for (const t of readCommandLine(argv, { stack: { type: "string" }, at: { type: "string" }, help: { type: "boolean", short: "h" } },
            { unknown: (a) => `unknown argument ${JSON.stringify(a)}`, help: "help" })) {
            if (t.kind === "word") throw new UsageError(`unexpected ${JSON.stringify(t.value)}`);
            if (t.name === "help") return reportUsage("park:schedule", USAGE);
            if (t.name === "stack") stack = t.value;
            if (t.name === "at") {
                at = new Date(t.value as string);
                if (Number.isNaN(at.getTime())) throw new UsageError(`--at ${JSON.stringify(t.value)}: expected an ISO time such as 2026-12-07T08:00:00Z`);
            }
        }
        if (!stack) throw new UsageError("--stack is required");
    } catch (err) {
        if (err instanceof UsageError) return reportUsage("park:schedule", USAGE, err);
        throw err;
    }
    const file = stackFilePath(stack);
    if (!fs.existsSync(file)) {
        process.stderr.write(`park:schedule: no stack file ${file}\n`);
        return 1;
    }
    const { settings, problems } = readStackParking(file);
    if (problems.length > 0) {
        process.stderr.write(`park:schedule: ${file} has a bad parking schedule:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
        return 1;
    }
    const d = decideScheduledAction(settings, at);
    process.stderr.write(`park:schedule: ${at.toISOString()}: ${d.action}: ${d.reason}\n`);
    process.stdout.write(`action=${d.action}\nidle_minutes=${d.idleMinutes ?? ""}\n`);
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
