/**
 * What a parking schedule means in hours: the time a week the droplet runs between a wake and the
 * next park (the cron expressions of `parking.schedule`, UTC), and what that saves a month at list
 * prices (./digitalocean-cost.ts). Pure.
 */
import type { ParkingSettings } from "../config/parking";
import { Cron, cronMatches, lastFire, parseCron } from "../validation/cron";
import { CostInputs, scheduledMonth } from "./digitalocean-cost";

/** A Monday, 00:00 UTC: the reference week the hours are counted over. */
const REFERENCE_MONDAY = Date.UTC(2026, 10, 30);

/**
 * Minutes running in one week, walking it minute by minute: a wake starts a window, a park ends
 * it; the state at the week's start follows whichever fired last before it. Undefined without both.
 */
export function runningHoursPerWeek(wake: string | undefined, park: string | undefined): number | undefined {
    const w = wake === undefined ? undefined : parseCron(wake);
    const p = park === undefined ? undefined : parseCron(park);
    if (!w || !p || typeof w === "string" || typeof p === "string") return undefined;
    const start = new Date(REFERENCE_MONDAY - 60_000);
    const lw = lastFire(w, start, 370);
    const lp = lastFire(p, start, 370);
    let running = lw !== undefined && (lp === undefined || lw > lp);
    let minutes = 0;
    const t = new Date(REFERENCE_MONDAY);
    for (let i = 0; i < 7 * 24 * 60; i++) {
        // Both at once: the park wins (the workflow parks; a wake at the same minute would fight it).
        if (cronMatches(p as Cron, t)) running = false;
        else if (cronMatches(w as Cron, t)) running = true;
        if (running) minutes++;
        t.setUTCMinutes(t.getUTCMinutes() + 1);
    }
    return Math.round((minutes / 60) * 100) / 100;
}

export interface ScheduleSummary {
    enabled: boolean;
    wake: string | null;
    park: string | null;
    idleMinutes: number | null;
    /** Hours a week between wake and park; null without both. */
    runningHoursPerWeek: number | null;
    /** At list prices, running those hours and parked the rest; null without both. */
    perMonthUsd: number | null;
    /** Against running all month; idle parking saves more (not counted). */
    savingPerMonthUsd: number | null;
}

export function scheduleSummary(s: ParkingSettings | undefined, costs: CostInputs): ScheduleSummary {
    const hours = s ? runningHoursPerWeek(s.schedule.wake, s.schedule.park) : undefined;
    const month = hours === undefined ? undefined : scheduledMonth(costs, hours);
    return {
        enabled: s?.enabled ?? false,
        wake: s?.schedule.wake ?? null,
        park: s?.schedule.park ?? null,
        idleMinutes: s?.idleMinutes ?? null,
        runningHoursPerWeek: hours ?? null,
        perMonthUsd: month?.perMonthUsd ?? null,
        savingPerMonthUsd: month?.savingPerMonthUsd ?? null,
    };
}
