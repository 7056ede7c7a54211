/**
 * `rag-stack:parking`: when the prod GPU droplet parks and wakes by itself. Read by the scheduler
 * (tools/park/schedule.ts, run by .github/workflows/park-schedule.yml every 15 minutes) and shown
 * in the stack outputs with what it saves; the program itself changes nothing with it (parking is
 * still `digitalocean.parked`, which `npm run park`/`unpark` set). Cron expressions are UTC
 * (components/validation/cron.ts).
 */
import { PROJECT } from "../project";
import { CRON_ALLOWED, parseCronSetting } from "../validation/cron";
import type { HostProvider } from "./host";
import { Reader } from "./reader";
import { boolean, integer, parsed, section, SettingsOf } from "./schema";

const cron = (doc: string) => parsed({ optional: true, parse: parseCronSetting, type: "cron (UTC)", allowed: CRON_ALLOWED, doc });

export const PARKING = section({
    enabled: boolean({ default: false, doc: "Let the scheduled workflow park and wake this stack (.github/workflows/park-schedule.yml)." }),
    schedule: section({
        wake: cron("When the droplet comes back (unpark), e.g. \"0 8 * * 1-5\"."),
        park: cron("When the droplet is parked whatever its activity, e.g. \"0 20 * * 1-5\"."),
    }, { doc: "The working hours, as two cron expressions in UTC." }),
    idleMinutes: integer({ optional: true, min: 1, max: 10080,
        doc: "Park after this many minutes without a request that used Ollama (the health answer's lastOllamaRequestAt); unset: never for idleness." }),
}, { appliesTo: { providers: ["digitalocean"] }, elsewhere: "only a GPU droplet the stack created can be parked",
    doc: "Parking on a schedule and when idle (docs/parking.md)." });

export type ParkingSettings = SettingsOf<typeof PARKING.keys>;

/** The section, or undefined when it is not written; `enabled` needs something to do. */
export function readParking(problems: string[], raw: unknown, provider: HostProvider): ParkingSettings | undefined {
    if (raw === undefined) return undefined;
    const r = Reader.of(problems, "parking", raw, PARKING.keys);
    r.rejectUnknown();
    const s = r.child("schedule");
    s.rejectUnknown();
    const settings: ParkingSettings = { enabled: r.get("enabled"), schedule: { wake: s.get("wake"), park: s.get("park") }, idleMinutes: r.get("idleMinutes") };
    if (settings.enabled && provider !== "digitalocean") {
        r.problem("enabled", true, `only a GPU droplet the stack created can be parked (${PROJECT}:host.provider is "${provider}"); remove ${PROJECT}:parking`);
    }
    if (settings.enabled && !settings.schedule.wake && !settings.schedule.park && settings.idleMinutes === undefined) {
        r.problem("enabled", true, "set parking.schedule.wake, parking.schedule.park or parking.idleMinutes: with none of them the schedule has nothing to do");
    }
    if (settings.schedule.wake && settings.schedule.wake === settings.schedule.park) {
        s.problem("park", settings.schedule.park, "parking.schedule.wake and .park are the same expression; park at another time than the wake");
    }
    return settings;
}
