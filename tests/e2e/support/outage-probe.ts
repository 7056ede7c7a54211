/**
 * Measures the backend's outage during a switch: a container on the app network asks the backend
 * (by its alias) every 100 ms for Ollama's version, which the backend stub fetches from its own
 * OLLAMA_BASE_URL; one line per sample. The outage is the longest run of samples without an answer,
 * from its first failed sample to the next answered one. The prober exits by itself after its bound.
 */
import { docker, E2E_LABEL, RUN_ID } from "./docker-cli";

const PROBE = [
    "const http = require('http');",
    "const [url, everyMs, boundMs] = process.argv.slice(1);",
    "const tick = () => {",
    "  const at = Date.now();",
    "  const q = http.get(url, { timeout: 1000 }, (a) => { a.resume(); a.on('end', () => console.log(at, a.statusCode === 200 ? 'ok' : 'fail', a.statusCode)); });",
    "  q.on('timeout', () => q.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));",
    "  q.on('error', (e) => console.log(at, 'fail', e.code || e.message));",
    "};",
    "setInterval(tick, Number(everyMs));",
    "setTimeout(() => process.exit(0), Number(boundMs));",
].join("\n");

export interface Outage {
    /** Longest stretch without an answer, seconds. */
    longestSeconds: number;
    failedSamples: number;
    samples: number;
}

export class OutageProbe {
    private constructor(private readonly name: string) {}

    /** Starts the prober on `network`, asking `url` every `everyMs`, for at most `boundMs`. */
    static start(image: string, name: string, network: string, url: string, everyMs = 100, boundMs = 180_000): OutageProbe {
        docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`, "--network", network,
            image, "node", "-e", PROBE, url, String(everyMs), String(boundMs)]);
        return new OutageProbe(name);
    }

    samples(): { at: number; ok: boolean }[] {
        return docker(["logs", this.name]).split("\n")
            .map((l) => /^(\d+) (ok|fail)\b/.exec(l.trim()))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => ({ at: Number(m[1]), ok: m[2] === "ok" }))
            .sort((a, b) => a.at - b.at);
    }

    /** The prober's last output lines, for a failure message. */
    lastLines(n: number): string {
        return docker(["logs", "--tail", String(n), this.name]);
    }

    /** Waits (bounded) until the latest sample answered. */
    async waitAnswering(timeoutMs: number): Promise<boolean> {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
            const s = this.samples();
            if (s.length > 0 && s[s.length - 1].ok) return true;
            await new Promise((r) => setTimeout(r, 200));
        }
        return false;
    }

    /** Stops the prober and returns the outage it saw. */
    stop(): Outage {
        const samples = this.samples();
        docker(["rm", "-f", this.name]);
        return outageOf(samples);
    }
}

/** The longest run of failed samples, from its first failure to the next answer (or the last sample). */
export function outageOf(samples: { at: number; ok: boolean }[]): Outage {
    let longest = 0;
    let since: number | undefined;
    for (const s of samples) {
        if (!s.ok && since === undefined) since = s.at;
        if (s.ok && since !== undefined) {
            longest = Math.max(longest, s.at - since);
            since = undefined;
        }
    }
    if (since !== undefined && samples.length > 0) longest = Math.max(longest, samples[samples.length - 1].at - since);
    return { longestSeconds: longest / 1000, failedSamples: samples.filter((s) => !s.ok).length, samples: samples.length };
}
