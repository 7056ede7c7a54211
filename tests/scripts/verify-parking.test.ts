/**
 * verify's parking row (tools/verify/checks/parking.ts): the schedule from the stack outputs and
 * the last request that used Ollama from a stand-in /healthz running as its own process
 * (tests/fixtures/health-standin/server.js); the parked row gets the schedule too.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import type { ScheduleSummary } from "../../components/hosts/parking-schedule";
import { checkParking } from "../../tools/verify/checks/parking";
import { parkedLines, parkedStack } from "../../tools/verify/parked";
import { scheduleLine } from "../../tools/verify/parking-schedule";

const STANDIN = path.resolve(__dirname, "../fixtures/health-standin/server.js");
const children: ChildProcess[] = [];
afterAll(() => { for (const c of children) if (c.exitCode === null) c.kill("SIGKILL"); });

function standin(mode: string, body: unknown): Promise<string> {
    return new Promise((resolve, reject) => {
        const c = spawn(process.execPath, [STANDIN], { env: { PATH: process.env.PATH, STANDIN_HEALTH_MODE: mode, STANDIN_HEALTH_BODY: JSON.stringify(body) }, stdio: ["ignore", "pipe", "inherit"] });
        children.push(c);
        const timer = setTimeout(() => reject(new Error("the stand-in did not start")), 10_000);
        c.stdout.on("data", (d: Buffer) => { const m = /listening (\d+)/.exec(d.toString()); if (m) { clearTimeout(timer); resolve(`http://127.0.0.1:${m[1]}/healthz`); } });
    });
}

const WEEKDAYS: ScheduleSummary = { enabled: true, wake: "0 8 * * 1-5", park: "0 20 * * 1-5", idleMinutes: 60, runningHoursPerWeek: 60, perMonthUsd: 197.62, savingPerMonthUsd: 325.1 };
const OFF: ScheduleSummary = { enabled: false, wake: null, park: null, idleMinutes: null, runningHoursPerWeek: null, perMonthUsd: null, savingPerMonthUsd: null };

test("the schedule in one line", () => {
    expect(scheduleLine(WEEKDAYS)).toBe('schedule: wake "0 8 * * 1-5", park "0 20 * * 1-5" (UTC, 60 h a week), park after 60 min idle: $197.62/month at list prices, $325.10 less than running all month (idle parking saves more)');
    expect(scheduleLine(OFF)).toBe("no parking schedule (rag-stack:parking.enabled is not true): parked and woken by hand only");
    expect(scheduleLine({ ...OFF, enabled: true, idleMinutes: 30 })).toBe("schedule: park after 30 min idle");
});

test("running: the schedule and the last activity, minutes measured by the deployment's clock", async () => {
    const url = await standin("answer", { status: "ok", checkedAt: "2026-12-07T13:00:00Z", lastOllamaRequestAt: "2026-12-07T12:20:00Z", activity: { known: true, since: "2026-12-07T08:01:00Z", reason: "x" }, checks: {} });
    const r = await checkParking({ schedule: WEEKDAYS, healthUrl: url }, { timeoutMs: 5000 });
    expect(r.status).toBe("pass");
    expect(r.measured).toEqual([scheduleLine(WEEKDAYS), "last request that used Ollama: 2026-12-07T12:20:00Z (40 min before the check)"]);
    expect(r.data).toMatchObject({ lastOllamaRequestAt: "2026-12-07T12:20:00Z", idleMinutes: 40 });
});

test("idle parking on while the deployment cannot say when Ollama was last used: fails, saying idle parking would never park", async () => {
    const url = await standin("answer", { status: "ok", checkedAt: "2026-12-07T13:00:00Z", lastOllamaRequestAt: null, activity: { known: false, since: null, reason: "no log" }, checks: {} });
    const r = await checkParking({ schedule: WEEKDAYS, healthUrl: url }, { timeoutMs: 5000 });
    expect(r.status).toBe("fail");
    expect(r.cause).toMatch(/never parks/);
    // Without an idle window the same answer is only information.
    expect((await checkParking({ schedule: { ...WEEKDAYS, idleMinutes: null }, healthUrl: url }, { timeoutMs: 5000 })).status).toBe("pass");
    const broken = await checkParking({ schedule: WEEKDAYS, healthUrl: await standin("malformed", {}) }, { timeoutMs: 5000 });
    expect(broken.status).toBe("fail");
    expect(broken.measured[1]).toMatch(/^last activity unknown: .* gave no JSON answer/);
});

test("no droplet of its own: skipped; parked: the row names the schedule", () => {
    return checkParking({}, { timeoutMs: 1000 }).then((r) => {
        expect(r.status).toBe("skip");
        const p = parkedStack({ state: "parked", publicIp: "203.0.113.50", costPerHourUsd: 0.0253, costPerMonthUsd: 17, parkedSaving: { perHourUsd: 0.75256, perMonthUsd: 505.72 }, parkingSchedule: WEEKDAYS });
        expect(p && parkedLines(p)[3]).toBe(scheduleLine(WEEKDAYS));
    });
});
