/**
 * Cron expressions of the parking schedule (`parking.schedule.wake`, `.park`): five fields, UTC,
 * the POSIX/Vixie grammar GitHub Actions' `on.schedule` documents (minute 0-59, hour 0-23, day of
 * month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT, 7 also Sunday; `*`, lists `a,b`,
 * ranges `a-b`, steps `*\/n` and `a-b/n`). As in Vixie cron, when both the day of month and the
 * day of week are restricted, a day matching either one matches. No seconds field, no `@daily`
 * macros, no `?`, `L`, `W` or `#` (GitHub's linter refuses those too). Pure.
 */

export interface CronField {
    /** The values the field allows, ascending. */
    values: number[];
    /** Written as `*` (or `*\/1`): unrestricted, which matters for the day rule above. */
    any: boolean;
}

export interface Cron {
    text: string;
    minute: CronField;
    hour: CronField;
    dayOfMonth: CronField;
    month: CronField;
    dayOfWeek: CronField;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
    { name: "day of week", min: 0, max: 7, names: DAYS, nameBase: 0 },
] as const;

export const CRON_ALLOWED = "five fields in UTC: minute hour day-of-month month day-of-week, e.g. \"0 8 * * 1-5\" (08:00 on weekdays); lists, ranges, steps and JAN-DEC/SUN-SAT names";

function parseField(text: string, f: (typeof FIELDS)[number]): CronField | string {
    const number = (s: string): number | string => {
        const names = "names" in f ? f.names : undefined;
        const byName = names ? (names as readonly string[]).indexOf(s.toUpperCase()) : -1;
        if (byName >= 0) return byName + ("nameBase" in f ? f.nameBase : 0);
        if (!/^\d+$/.test(s)) return `${JSON.stringify(s)} is not a number${names ? ` or a name (${names[0]}-${names[names.length - 1]})` : ""}`;
        const n = Number(s);
        if (n < f.min || n > f.max) return `${n} is outside ${f.min}-${f.max}`;
        return n;
    };
    const values = new Set<number>();
    let any = false;
    for (const part of text.split(",")) {
        const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
        if (!m) return `${JSON.stringify(part)} is not a value, a range or a step`;
        const step = m[2] === undefined ? 1 : Number(m[2]);
        if (step < 1) return `the step in ${JSON.stringify(part)} must be at least 1`;
        let lo: number;
        let hi: number;
        if (m[1] === "*") {
            lo = f.min;
            hi = f.name === "day of week" ? 6 : f.max;
            if (step === 1 && text === part) any = true;
        } else {
            const [a, b, ...rest] = m[1].split("-");
            if (rest.length > 0) return `${JSON.stringify(part)} has more than one -`;
            const x = number(a);
            if (typeof x === "string") return x;
            const y = b === undefined ? (m[2] === undefined ? x : (f.name === "day of week" ? 6 : f.max)) : number(b);
            if (typeof y === "string") return y;
            if (y < x) return `the range ${JSON.stringify(m[1])} runs backwards`;
            lo = x;
            hi = y;
        }
        for (let v = lo; v <= hi; v += step) values.add(f.name === "day of week" && v === 7 ? 0 : v);
    }
    return { values: [...values].sort((p, q) => p - q), any };
}

/** The expression, or a sentence saying what is wrong with it. */
export function parseCron(text: unknown): Cron | string {
    if (typeof text !== "string") return `${JSON.stringify(text)} is not a text`;
    const parts = text.trim().split(/\s+/);
    if (parts.length !== 5) return `${JSON.stringify(text)} has ${parts.length} field${parts.length === 1 ? "" : "s"}; a cron expression has 5`;
    const out: CronField[] = [];
    for (let i = 0; i < 5; i++) {
        const r = parseField(parts[i], FIELDS[i]);
        if (typeof r === "string") return `${JSON.stringify(text)}: the ${FIELDS[i].name} field ${JSON.stringify(parts[i])}: ${r}`;
        out.push(r);
    }
    const [minute, hour, dayOfMonth, month, dayOfWeek] = out;
    return { text: parts.join(" "), minute, hour, dayOfMonth, month, dayOfWeek };
}

/** Whether the expression fires at this minute (UTC). */
export function cronMatches(c: Cron, at: Date): boolean {
    const has = (f: CronField, v: number) => f.values.includes(v);
    if (!has(c.minute, at.getUTCMinutes()) || !has(c.hour, at.getUTCHours()) || !has(c.month, at.getUTCMonth() + 1)) return false;
    const dom = has(c.dayOfMonth, at.getUTCDate());
    const dow = has(c.dayOfWeek, at.getUTCDay());
    // Vixie cron: both restricted, either matches; otherwise both must (an unrestricted one always does).
    return !c.dayOfMonth.any && !c.dayOfWeek.any ? dom || dow : dom && dow;
}

/** The last minute at or before `at` when the expression fired, searching back at most `days`. */
export function lastFire(c: Cron, at: Date, days = 8): Date | undefined {
    const t = new Date(at);
    t.setUTCSeconds(0, 0);
    for (let i = 0; i <= days * 24 * 60; i++) {
        if (cronMatches(c, t)) return new Date(t);
        t.setUTCMinutes(t.getUTCMinutes() - 1);
    }
    return undefined;
}

/** The schedule's parse for the config reader (schema `parsed`). */
export function parseCronSetting(value: unknown): { ok: true; text: string } | { ok: false; reason: string } {
    const c = parseCron(value);
    return typeof c === "string" ? { ok: false, reason: c } : { ok: true, text: c.text };
}
