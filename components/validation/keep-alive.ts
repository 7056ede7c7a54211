/**
 * `ollama.keepAlive`, as OLLAMA_KEEP_ALIVE takes it. Ollama 0.12.6 (envconfig/config.go KeepAlive)
 * tries Go's time.ParseDuration first ("24h", "1h30m", "-5m"), then strconv.ParseInt as seconds
 * ("300", "-1"); a negative value keeps the model loaded forever, and anything else is silently
 * read as the default, 5 minutes. So a value Ollama would not parse is refused here, never passed on.
 *
 * The stack file delivers `keepAlive: -1` or `keepAlive: 300` as a number: Pulumi stores an object
 * value as JSON (sdk/go/common/resource/config/value.go marshals the YAML mapping, and YAML reads
 * -1 as an integer), so config.getObject hands the program the number.
 *
 * The warm-up of the container placement passes the value to `ollama run --keepalive`, which takes
 * only time.ParseDuration (cmd/cmd.go, v0.12.6): `300` there is "time: missing unit in duration".
 * `keepAliveAsDuration` gives it the same value spelled as a duration.
 */

export const KEEP_ALIVE_ALLOWED = "use a duration such as 24h, 30m or 1h30m, a number of seconds, or -1 to keep the model loaded forever";

/** Nanoseconds in the units time.ParseDuration knows (Go's unitMap: µ as U+00B5 and U+03BC). */
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "\u00b5s": 1e3, "\u03bcs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
/** time.Duration is an int64 of nanoseconds: about 292 years. */
const MAX_DURATION_NS = 2 ** 63 - 1;
/** Whole seconds that still fit a Duration (Ollama multiplies by time.Second without a check). */
const MAX_SECONDS = Math.floor(MAX_DURATION_NS / 1e9);

export type KeepAliveParse = { ok: true; text: string } | { ok: false; reason: string };

/** Nanoseconds of a Go duration string, or undefined when time.ParseDuration would refuse it. */
function goDurationNs(text: string): number | undefined {
    let s = text;
    let sign = 1;
    if (s.startsWith("-") || s.startsWith("+")) {
        sign = s.startsWith("-") ? -1 : 1;
        s = s.slice(1);
    }
    if (s === "0") return 0;
    if (s === "") return undefined;
    let total = 0;
    while (s !== "") {
        // A number (digits, an optional fraction; at least one digit), then the unit: every
        // character up to the next digit or dot, as Go takes it ("1hm" is the unknown unit "hm").
        const number = /^(\d*)(\.(\d*))?/.exec(s);
        if (!number || (number[1] === "" && (number[3] ?? "") === "")) return undefined;
        s = s.slice(number[0].length);
        const unit = /^[^\d.]*/.exec(s)?.[0] ?? "";
        if (unit === "" || UNIT_NS[unit] === undefined) return undefined;
        s = s.slice(unit.length);
        total += Number(`${number[1] || "0"}.${number[3] || "0"}`) * UNIT_NS[unit];
        if (total > MAX_DURATION_NS) return undefined;
    }
    return sign * total;
}

/** The keep-alive as OLLAMA_KEEP_ALIVE gets it, or why Ollama would not read it. A negative number of seconds is written -1. */
export function parseKeepAlive(value: unknown): KeepAliveParse {
    const seconds = typeof value === "number" ? value
        : typeof value === "string" && /^[-+]?\d+$/.test(value) ? Number(value) : undefined;
    if (seconds !== undefined) {
        if (!Number.isInteger(seconds)) {
            return { ok: false, reason: `a number of seconds must be whole (Ollama reads ${value} as neither a duration nor seconds and keeps its default, 5 minutes); ${KEEP_ALIVE_ALLOWED}` };
        }
        if (Math.abs(seconds) > MAX_SECONDS) {
            return { ok: false, reason: `it is longer than Ollama can count (about 292 years); ${KEEP_ALIVE_ALLOWED}` };
        }
        // Every negative value means forever to Ollama; -1 is the spelling its documentation and our scripts use.
        return { ok: true, text: seconds < 0 ? "-1" : String(seconds) };
    }
    if (typeof value !== "string" || value === "") return { ok: false, reason: KEEP_ALIVE_ALLOWED };
    if (goDurationNs(value) === undefined) {
        return { ok: false, reason: `${KEEP_ALIVE_ALLOWED} (Ollama reads anything else as its default, 5 minutes)` };
    }
    return { ok: true, text: value };
}

/** The keep-alive as a Go duration, for `ollama run --keepalive` (seconds get their unit: 300 → 300s, -1 → -1s). */
export function keepAliveAsDuration(text: string): string {
    return /^[-+]?\d+$/.test(text) ? `${Number(text)}s` : text;
}
