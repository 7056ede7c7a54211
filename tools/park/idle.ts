/**
 * `--if-idle N`: park only when the deployment has served no request that used Ollama for N
 * minutes, as its own health answer says (components/health/contract.ts). Never park on a doubt:
 * every answer that does not prove idleness counts as ACTIVE.
 *
 * - Measured against the answer's own `checkedAt`, never this machine's clock: the droplet's clock
 *   stamps both times, so a laptop or CI runner whose clock is off changes nothing.
 * - `lastOllamaRequestAt` set: idle when checkedAt - it >= N minutes; a time after checkedAt
 *   (the droplet's clock went back) counts as active.
 * - `lastOllamaRequestAt` null means "the log's end holds no such request", which proves idleness
 *   only with `activity.known` true: then nothing used Ollama between `activity.since` and
 *   checkedAt, idle when that span is >= N minutes. Null with `known` false or no `activity`
 *   (no log, not written yet, unreadable, the front door's own 503) is unknown: active.
 * - No answer, a timeout, a body that is not JSON, no or a bad `checkedAt`: active.
 * The status code does not matter: a 503 for a stale backup still carries the activity.
 */

export interface IdleDecision {
    idle: boolean;
    /** One sentence saying why. */
    reason: string;
    /** Minutes without activity, when known. */
    idleMinutes?: number;
}

const time = (v: unknown): number | undefined => {
    if (typeof v !== "string") return undefined;
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
};

/** The decision from a parsed health answer (anything JSON.parse returned). */
export function decideIdle(answer: unknown, minutes: number): IdleDecision {
    const active = (reason: string): IdleDecision => ({ idle: false, reason: `treated as active: ${reason}` });
    if (!answer || typeof answer !== "object" || Array.isArray(answer)) return active("the health answer is not a JSON object");
    const a = answer as { checkedAt?: unknown; lastOllamaRequestAt?: unknown; activity?: { known?: unknown; since?: unknown } };
    const checkedAt = time(a.checkedAt);
    if (checkedAt === undefined) return active(`the health answer has no usable checkedAt (${JSON.stringify(a.checkedAt)})`);
    const verdict = (from: number, what: string): IdleDecision => {
        if (from > checkedAt) return active(`${what} ${new Date(from).toISOString()} is after the answer's checkedAt ${new Date(checkedAt).toISOString()}`);
        const idleMinutes = Math.floor((checkedAt - from) / 60_000);
        return idleMinutes >= minutes
            ? { idle: true, idleMinutes, reason: `idle for ${idleMinutes} min (${what} ${new Date(from).toISOString()}, checked at ${new Date(checkedAt).toISOString()}): at least ${minutes}` }
            : { idle: false, idleMinutes, reason: `active: ${what} ${new Date(from).toISOString()} is ${idleMinutes} min before the check, less than ${minutes}` };
    };
    if (a.lastOllamaRequestAt !== null && a.lastOllamaRequestAt !== undefined) {
        const last = time(a.lastOllamaRequestAt);
        if (last === undefined) return active(`lastOllamaRequestAt ${JSON.stringify(a.lastOllamaRequestAt)} is not a time`);
        return verdict(last, "the last request that used Ollama was at");
    }
    if (a.lastOllamaRequestAt === undefined) return active("the health answer has no lastOllamaRequestAt");
    if (a.activity?.known !== true) return active("the deployment cannot say when Ollama was last used (lastOllamaRequestAt null, activity unknown)");
    const since = time(a.activity.since);
    if (since === undefined) return active(`activity.since ${JSON.stringify(a.activity.since)} is not a time`);
    return verdict(since, "no request used Ollama since");
}

/** GETs the health URL (bounded) and decides; any failure to get a JSON answer is "active". */
export async function checkIdle(url: string, minutes: number, timeoutMs: number): Promise<IdleDecision> {
    let text: string;
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: "application/json" }, redirect: "error" });
        text = await res.text();
    } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
        return { idle: false, reason: `treated as active: ${url} did not answer (${why})` };
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        return { idle: false, reason: `treated as active: ${url} answered something that is not JSON (${JSON.stringify(text.slice(0, 80))})` };
    }
    return decideIdle(json, minutes);
}
