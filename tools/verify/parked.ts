/**
 * A parked stack (`digitalocean.parked: true`): no droplet, no Docker engine, no app, so nothing
 * to check but the state itself. Verify prints one row saying so and what the stack costs now,
 * and exits 0: parked is a state the user chose, not a failure.
 */
import type { ScheduleSummary } from "../../components/hosts/parking-schedule";
import { parkedBackupLine } from "./checks/backup";
import { parseSchedule, scheduleLine } from "./parking-schedule";

export interface ParkedStack {
    /** The reserved IP that waits for the droplet. */
    publicIp?: string;
    costPerHourUsd?: number;
    costPerMonthUsd?: number;
    /** What parking saves against running. */
    saving?: { perHourUsd: number; perMonthUsd: number };
    /** The uptime check while parked: its name and that it is disabled (the `alerts` output). */
    uptimeCheck?: { name: string; enabled: boolean };
    /** The parking schedule (stack output `parkingSchedule`), when the stack gives one. */
    schedule?: ScheduleSummary;
    /** Where the backup job's status waits on the Neo4j volume (the `backup` output's statusDir), when the stack backs up. */
    backupStatusDir?: string;
}

/** Thrown by the outputs reader when the stack is parked: there are no app outputs to validate. */
export class StackIsParked extends Error {
    constructor(public readonly source: string, public readonly parked: ParkedStack) {
        super(`${source}: the stack is parked`);
        this.name = "StackIsParked";
    }
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The parked facts from raw outputs, or undefined when the stack is not parked. */
export function parkedStack(raw: Obj): ParkedStack | undefined {
    if (raw.state !== "parked") return undefined;
    const saving = raw.parkedSaving as Obj | undefined;
    const perHour = num(saving?.perHourUsd);
    const perMonth = num(saving?.perMonthUsd);
    return {
        publicIp: typeof raw.publicIp === "string" ? raw.publicIp : undefined,
        costPerHourUsd: num(raw.costPerHourUsd),
        costPerMonthUsd: num(raw.costPerMonthUsd),
        saving: perHour !== undefined && perMonth !== undefined ? { perHourUsd: perHour, perMonthUsd: perMonth } : undefined,
        uptimeCheck: uptimeCheckOf(raw.alerts),
        ...(raw.parkingSchedule !== undefined ? { schedule: parseSchedule(raw.parkingSchedule) } : {}),
        ...backupOf(raw.backup),
    };
}

function uptimeCheckOf(alerts: unknown): ParkedStack["uptimeCheck"] {
    const check = alerts && typeof alerts === "object" ? (alerts as Obj).uptimeCheck as Obj | undefined : undefined;
    return check && typeof check.name === "string" && typeof check.enabled === "boolean" ? { name: check.name, enabled: check.enabled } : undefined;
}

function backupOf(backup: unknown): { backupStatusDir?: string } {
    const b = backup && typeof backup === "object" ? backup as Obj : undefined;
    return b?.where === "droplet" && typeof b.statusDir === "string" ? { backupStatusDir: b.statusDir } : {};
}

const usd = (v: number | undefined, digits = 2): string => (v === undefined ? "unknown" : `$${v.toFixed(digits)}`);

export const PARKED_TITLE = "GPU host parked";
export const UNPARK_COMMAND = "pulumi config set --path digitalocean.parked false && pulumi up";

/** The row's lines: what it costs now, what it saves, how to come back. */
export function parkedLines(p: ParkedStack): string[] {
    return [
        `parked: no droplet, no containers; costs ${usd(p.costPerHourUsd, 4)}/h (${usd(p.costPerMonthUsd)}/month: volumes and the unassigned reserved IP)`,
        `saves ${usd(p.saving?.perHourUsd, 4)}/h (${usd(p.saving?.perMonthUsd)}/month) against running`,
        `data kept on the block volumes; address ${p.publicIp ?? "unknown"} kept; come back: ${UNPARK_COMMAND}`,
        ...(p.uptimeCheck ? [p.uptimeCheck.enabled
            ? `uptime check "${p.uptimeCheck.name}" is still enabled: its down alert fires while parked; run: pulumi up`
            : `alerts: uptime check "${p.uptimeCheck.name}" disabled while parked (nothing fires), the droplet's policies gone with it; both come back on unpark`] : []),
        ...(p.schedule ? [scheduleLine(p.schedule)] : []),
        ...(p.backupStatusDir ? [parkedBackupLine(p.backupStatusDir)] : []),
    ];
}

export function renderParkedTable(source: string, p: ParkedStack): string {
    const [first, ...rest] = parkedLines(p);
    const indent = " ".repeat(3 + 2 + PARKED_TITLE.length + 2 + 6 + 2);
    return [
        `rag-stack verify: ${source}`,
        "GPU parked (digitalocean.parked: true): nothing runs, so nothing else is checked",
        "",
        ` #   ${"Check".padEnd(PARKED_TITLE.length)}  Result  Measured`,
        ` 1   ${PARKED_TITLE}  PARKED  ${first}`,
        ...rest.map((l) => `${indent}${l}`),
        "",
        "OK: parked (1 row)",
    ].join("\n") + "\n";
}

export function renderParkedJson(source: string, p: ParkedStack): string {
    return JSON.stringify({
        ok: true,
        source,
        state: "parked",
        stack: { publicIp: p.publicIp, costPerHourUsd: p.costPerHourUsd, costPerMonthUsd: p.costPerMonthUsd, parkedSaving: p.saving },
        checks: [{ number: 1, id: "parked", title: PARKED_TITLE, status: "parked", measured: parkedLines(p) }],
    }, null, 2) + "\n";
}
