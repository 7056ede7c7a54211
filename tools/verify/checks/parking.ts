/**
 * The parking row of a running stack: the schedule (stack output `parkingSchedule`) and the last
 * request that used Ollama, from the deployment's own /healthz (`lastOllamaRequestAt`, measured
 * against its `checkedAt`). It fails only when idle parking is on and cannot work: the health
 * answer cannot say when Ollama was last used, so `park --if-idle` would never park.
 */
import type { ScheduleSummary } from "../../../components/hosts/parking-schedule";
import { decideIdle } from "../../park/idle";
import { CheckResult, fail, pass, skip } from "../check-result";
import { scheduleLine } from "../parking-schedule";

export interface ParkingTarget {
    schedule?: ScheduleSummary;
    healthUrl?: string;
}

/** The last activity as the health answer says it; `known` false when it cannot say. */
export async function readActivity(url: string, timeoutMs: number): Promise<{ known: boolean; line: string; data: Record<string, unknown> }> {
    let body: unknown;
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        body = JSON.parse(await res.text());
    } catch (err) {
        return { known: false, line: `last activity unknown: ${url} gave no JSON answer (${(err as Error).message})`, data: {} };
    }
    const a = body as { lastOllamaRequestAt?: unknown; checkedAt?: unknown; activity?: { known?: unknown; since?: unknown } };
    const d = decideIdle(body, 1);
    const data = { lastOllamaRequestAt: a.lastOllamaRequestAt ?? null, checkedAt: a.checkedAt ?? null, activity: a.activity ?? null, idleMinutes: d.idleMinutes ?? null };
    if (typeof a.lastOllamaRequestAt === "string") {
        return { known: true, line: `last request that used Ollama: ${a.lastOllamaRequestAt}${d.idleMinutes !== undefined ? ` (${d.idleMinutes} min before the check)` : ""}`, data };
    }
    if (a.activity?.known === true) {
        return { known: true, line: `no request used Ollama since ${String(a.activity.since)}${d.idleMinutes !== undefined ? ` (${d.idleMinutes} min before the check)` : ""}`, data };
    }
    return { known: false, line: "last activity unknown: the health answer cannot say when Ollama was last used", data };
}

export async function checkParking(t: ParkingTarget, o: { timeoutMs: number }): Promise<CheckResult> {
    if (!t.schedule) return skip("parking", "no GPU droplet this stack created: nothing to park");
    const lines = [scheduleLine(t.schedule)];
    const data: Record<string, unknown> = { schedule: t.schedule };
    if (!t.healthUrl) {
        lines.push("last activity unknown: no healthUrl (no front door)");
    } else {
        const a = await readActivity(t.healthUrl, o.timeoutMs);
        lines.push(a.line);
        Object.assign(data, a.data);
        if (!a.known && t.schedule.enabled && t.schedule.idleMinutes !== null) {
            return fail("parking", lines, {
                cause: "parking.idleMinutes is set, but the deployment cannot say when Ollama was last used: `npm run park -- --if-idle` treats that as active and never parks",
                fix: `check ${t.healthUrl} (its activity part says why), or remove parking.idleMinutes`,
            }, data);
        }
    }
    return pass("parking", lines, data);
}
