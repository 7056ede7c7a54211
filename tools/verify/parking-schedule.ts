/**
 * The parking schedule as the stack outputs give it (`parkingSchedule`, components/hosts/
 * parking-schedule.ts): read from raw outputs, and said in one line. Shared by the parked row
 * (./parked.ts) and the running check (./checks/parking.ts).
 */
import type { ScheduleSummary } from "../../components/hosts/parking-schedule";

type Obj = Record<string, unknown>;

export function parseSchedule(raw: unknown): ScheduleSummary | undefined {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
    const o = raw as Obj;
    const text = (v: unknown) => (typeof v === "string" ? v : null);
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
    return {
        enabled: o.enabled === true, wake: text(o.wake), park: text(o.park), idleMinutes: num(o.idleMinutes),
        runningHoursPerWeek: num(o.runningHoursPerWeek), perMonthUsd: num(o.perMonthUsd), savingPerMonthUsd: num(o.savingPerMonthUsd),
    };
}

/** "schedule: wake "0 8 * * 1-5", park "0 20 * * 1-5" (UTC, 60 h a week), park after 60 min idle: $197.62/month, $325.10 less than running" */
export function scheduleLine(s: ScheduleSummary | undefined): string {
    if (!s || !s.enabled) return "no parking schedule (rag-stack:parking.enabled is not true): parked and woken by hand only";
    const parts: string[] = [];
    if (s.wake) parts.push(`wake "${s.wake}"`);
    if (s.park) parts.push(`park "${s.park}"`);
    const hours = s.runningHoursPerWeek !== null ? ` (UTC, ${s.runningHoursPerWeek} h a week)` : parts.length ? " (UTC)" : "";
    const idle = s.idleMinutes !== null ? `${parts.length ? ", " : ""}park after ${s.idleMinutes} min idle` : "";
    const money = s.perMonthUsd !== null && s.savingPerMonthUsd !== null
        ? `: $${s.perMonthUsd.toFixed(2)}/month at list prices, $${s.savingPerMonthUsd.toFixed(2)} less than running all month${s.idleMinutes !== null ? " (idle parking saves more)" : ""}`
        : "";
    return `schedule: ${parts.join(", ")}${hours}${idle}${money}`;
}
