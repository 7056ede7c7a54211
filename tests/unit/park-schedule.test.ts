/**
 * The parking schedule: the cron grammar (components/validation/cron.ts), the `rag-stack:parking`
 * section (components/config/parking.ts) validated through parseProfile, the workflow's decision
 * for a run (tools/park/schedule.ts), and the hours and money of a schedule
 * (components/hosts/parking-schedule.ts, digitalocean-cost.ts).
 */
import { ConfigError, parseProfile, RawConfig } from "../../components/config";
import { scheduledMonth } from "../../components/hosts/digitalocean-cost";
import { runningHoursPerWeek, scheduleSummary } from "../../components/hosts/parking-schedule";
import { cronMatches, lastFire, parseCron } from "../../components/validation/cron";
import { decideScheduledAction, WAKE_GRACE_MINUTES } from "../../tools/park/schedule";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";

const at = (iso: string) => new Date(iso);
const cron = (t: string) => { const c = parseCron(t); if (typeof c === "string") throw new Error(c); return c; };

describe("cron expressions", () => {
    test("fields, lists, ranges, steps, names; 7 is Sunday", () => {
        const c = cron("0,30 8-17/3 * JAN-mar mon-FRI");
        expect(c.minute.values).toEqual([0, 30]);
        expect(c.hour.values).toEqual([8, 11, 14, 17]);
        expect(c.month.values).toEqual([1, 2, 3]);
        expect(c.dayOfWeek.values).toEqual([1, 2, 3, 4, 5]);
        expect(cron("*/15 * * * *").minute.values).toEqual([0, 15, 30, 45]);
        expect(cron("5/20 * * * *").minute.values).toEqual([5, 25, 45]);
        expect(cron("0 0 * * 7").dayOfWeek.values).toEqual([0]);
        expect(cron("0 0 * * 5-7").dayOfWeek.values).toEqual([0, 5, 6]);
    });
    test.each([
        ["0 8 * *", "has 4 fields"], ["60 8 * * *", "the minute field \"60\": 60 is outside 0-59"], ["0 24 * * *", "outside 0-23"],
        ["0 8 0 * *", "the day of month field \"0\": 0 is outside 1-31"], ["0 8 * 13 *", "outside 1-12"], ["0 8 * * 8", "outside 0-7"],
        ["0 8 * FOO *", "\"FOO\" is not a number or a name (JAN-DEC)"], ["*/0 8 * * *", "the step in \"*/0\" must be at least 1"],
        ["0 17-8 * * *", "the range \"17-8\" runs backwards"], ["0 8 * * 1-2-3", "has more than one -"], ["@daily", "has 1 field"],
        ["0 8 ? * *", "\"?\" is not a number"], ["0 8 L * *", "\"L\" is not a number"],
    ])("%j is refused: %s", (text, said) => {
        const r = parseCron(text);
        expect(typeof r).toBe("string");
        expect(r).toContain(said);
    });
    test("matching: UTC; day of month and day of week restricted both: either matches (Vixie cron)", () => {
        expect(cronMatches(cron("0 8 * * 1-5"), at("2026-12-07T08:00:00Z"))).toBe(true); // a Monday
        expect(cronMatches(cron("0 8 * * 1-5"), at("2026-12-06T08:00:00Z"))).toBe(false); // a Sunday
        expect(cronMatches(cron("0 8 * * 1-5"), at("2026-12-07T08:01:00Z"))).toBe(false);
        const either = cron("0 0 1 * 1");
        expect(cronMatches(either, at("2026-12-01T00:00:00Z"))).toBe(true); // the 1st, a Tuesday
        expect(cronMatches(either, at("2026-12-07T00:00:00Z"))).toBe(true); // a Monday
        expect(cronMatches(either, at("2026-12-08T00:00:00Z"))).toBe(false);
        expect(cronMatches(cron("0 0 1 * *"), at("2026-12-07T00:00:00Z"))).toBe(false);
        expect(lastFire(cron("0 20 * * 1-5"), at("2026-12-07T07:59:00Z"))?.toISOString()).toBe("2026-12-04T20:00:00.000Z"); // Friday
    });
});

describe("rag-stack:parking in the stack file", () => {
    const raw = (parking: unknown, host: Record<string, unknown> = { provider: "digitalocean" }): RawConfig => ({ ...prodProfileRaw({ host }), parking });
    const problems = (config: RawConfig): string[] => {
        try { parseProfile("prod", config, TEST_SECRETS, DO_TOKEN_ENV); } catch (e) { expect(e).toBeInstanceOf(ConfigError); return (e as ConfigError).problems; }
        return [];
    };
    test("weekdays 8 to 20, park after an hour idle", () => {
        const p = parseProfile("prod", raw({ enabled: true, schedule: { wake: "0 8 * * 1-5", park: "0  20 * * 1-5" }, idleMinutes: 60 }), TEST_SECRETS, DO_TOKEN_ENV);
        expect(p.parking).toEqual({ enabled: true, schedule: { wake: "0 8 * * 1-5", park: "0 20 * * 1-5" }, idleMinutes: 60 });
        expect(parseProfile("prod", raw(undefined), TEST_SECRETS, DO_TOKEN_ENV).parking).toBeUndefined();
    });
    test("bad values are refused naming the key", () => {
        expect(problems(raw({ enabled: true, schedule: { wake: "0 25 * * 1-5" } }))).toEqual([
            expect.stringMatching(/^rag-stack:parking\.schedule\.wake: "0 25 \* \* 1-5" is not allowed; .*the hour field "25": 25 is outside 0-23/),
            // The refused wake leaves nothing to do: said too.
            expect.stringMatching(/^rag-stack:parking\.enabled: true is not allowed; set parking\.schedule\.wake/),
        ]);
        expect(problems(raw({ idleMinutes: 0 }))).toEqual([expect.stringMatching(/^rag-stack:parking\.idleMinutes: 0 is not allowed/)]);
        expect(problems(raw({ enabled: "yes" }))[0]).toMatch(/^rag-stack:parking\.enabled: "yes" is not allowed/);
        expect(problems(raw({ schedule: { wake: "0 8 * * *", park: "0 8 * * *" } }))).toEqual([expect.stringMatching(/^rag-stack:parking\.schedule\.park: .*the same expression/)]);
        expect(problems(raw({ schedule: { sleep: "0 8 * * *" } }))[0]).toMatch(/rag-stack:parking\.schedule\.sleep/);
        expect(problems(raw({ enabled: true }))).toEqual([expect.stringMatching(/with none of them the schedule has nothing to do$/)]);
    });
});

describe("what the workflow does on a run", () => {
    const s = { enabled: true, schedule: { wake: "0 8 * * 1-5", park: "0 20 * * 1-5" }, idleMinutes: 60 };
    test.each([
        ["2026-12-07T08:00:00Z", "wake"], ["2026-12-07T08:40:00Z", "wake"], // a run GitHub started late still wakes
        ["2026-12-07T08:45:00Z", "idle-check"], ["2026-12-07T13:00:00Z", "idle-check"],
        ["2026-12-07T20:00:00Z", "park"], ["2026-12-07T20:30:00Z", "park"], ["2026-12-07T23:00:00Z", "idle-check"],
        ["2026-12-05T12:00:00Z", "idle-check"], // Saturday: parked since Friday 20:00; a hand-woken droplet still parks when idle
    ])("%s: %s", (now, action) => {
        expect(decideScheduledAction(s, at(now)).action).toBe(action);
    });
    test("no idle window: none between fires; disabled or absent: none; same minute: park wins", () => {
        expect(decideScheduledAction({ ...s, idleMinutes: undefined }, at("2026-12-07T13:00:00Z")).action).toBe("none");
        expect(decideScheduledAction({ ...s, enabled: false }, at("2026-12-07T08:00:00Z"))).toMatchObject({ action: "none", reason: "rag-stack:parking.enabled is false" });
        expect(decideScheduledAction(undefined, at("2026-12-07T08:00:00Z")).action).toBe("none");
        expect(decideScheduledAction({ enabled: true, schedule: { wake: "0 8 * * *", park: "0 8 * * 1" }, idleMinutes: undefined }, at("2026-12-07T08:10:00Z")).action).toBe("park");
        expect(decideScheduledAction({ enabled: true, schedule: {}, idleMinutes: 30 }, at("2026-12-07T08:10:00Z"))).toMatchObject({ action: "idle-check", idleMinutes: 30 });
        expect(WAKE_GRACE_MINUTES).toBeLessThan(60);
    });
});

describe("hours and money", () => {
    const costs = { dropletPerHourUsd: 0.76, volumesGib: [100, 20] };
    test("weekdays 8 to 20 run 60 h a week: $197.62 a month instead of $522.72, $325.10 saved", () => {
        expect(runningHoursPerWeek("0 8 * * 1-5", "0 20 * * 1-5")).toBe(60);
        expect(scheduledMonth(costs, 60)).toEqual({ runningHoursPerMonth: 240, perMonthUsd: 197.62, savingPerMonthUsd: 325.1 });
        expect(scheduleSummary({ enabled: true, schedule: { wake: "0 8 * * 1-5", park: "0 20 * * 1-5" }, idleMinutes: 60 }, costs)).toEqual({
            enabled: true, wake: "0 8 * * 1-5", park: "0 20 * * 1-5", idleMinutes: 60, runningHoursPerWeek: 60, perMonthUsd: 197.62, savingPerMonthUsd: 325.1,
        });
    });
    test("windows across midnight and the week's start; none without both; the extremes", () => {
        expect(runningHoursPerWeek("0 20 * * 1-5", "0 8 * * 1-5")).toBe(108); // the complement: 168 - 60
        expect(runningHoursPerWeek("0 9 * * 1", "0 17 * * 5")).toBe(4 * 24 + 8); // Monday 9 to Friday 17
        expect(runningHoursPerWeek("0 8 * * 1-5", undefined)).toBeUndefined();
        expect(scheduledMonth(costs, 168).savingPerMonthUsd).toBe(0);
        expect(scheduledMonth(costs, 0).perMonthUsd).toBe(17);
        expect(scheduleSummary(undefined, costs)).toMatchObject({ enabled: false, runningHoursPerWeek: null, savingPerMonthUsd: null });
    });
});
