/**
 * park and unpark, in order: (park --if-idle: ask /healthz, keep running unless idle) → preview
 * with the parked value flipped in a copy of the stack file → refuse when anything but the compute
 * side would change (./guard.ts) → nothing to change: say so, exit 0 → `pulumi config set` →
 * `pulumi up --yes` → (unpark: wait for /healthz to answer 200, bounded). Nothing is written to the
 * stack file before the preview has been accepted.
 */
import * as fs from "fs";
import { Direction, ParkOptions } from "./args";
import { reviewPreview } from "./guard";
import { checkIdle } from "./idle";
import { PulumiRunner } from "./pulumi";
import { readParked, stackFilePath, writeFlippedCopy } from "./stack-file";

export interface ParkDeps {
    pulumi: PulumiRunner;
    /** One line to the user. */
    say: (line: string) => void;
    cwd: string;
    now: () => number;
    sleep: (ms: number) => Promise<void>;
}

const word = (d: Direction) => (d === "park" ? "parked" : "running");
const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

async function stackOutputs(p: PulumiRunner, stack: string): Promise<Record<string, unknown> | string> {
    const r = await p.run(["stack", "output", "--json", "--stack", stack], { timeoutMs: 120_000 });
    if (r.code !== 0) return `pulumi stack output failed (exit ${r.code}): ${r.stderr.trim().split("\n").pop() ?? ""}`;
    try {
        const o: unknown = JSON.parse(r.stdout);
        return o && typeof o === "object" && !Array.isArray(o) ? o as Record<string, unknown> : "pulumi stack output printed no JSON object";
    } catch {
        return "pulumi stack output printed no JSON";
    }
}

export async function parkOrUnpark(o: ParkOptions, d: ParkDeps): Promise<number> {
    const file = stackFilePath(o.stack, d.cwd);
    if (!fs.existsSync(file)) {
        d.say(`${o.direction}: no stack file ${file}: run it from the project directory, with a stack that has one`);
        return 1;
    }
    const parked = o.direction === "park";

    if (parked && o.ifIdleMinutes !== undefined) {
        const outputs = await stackOutputs(d.pulumi, o.stack);
        if (typeof outputs === "string") {
            d.say(`park --if-idle: not parked, ${outputs}; nothing was changed`);
            return 1;
        }
        // Parked by its last `up`: nothing to check, nothing to preview (the workflow asks every 15 minutes).
        if (outputs.state === "parked") {
            d.say("park --if-idle: already parked: nothing to change");
            return 0;
        }
        const url = outputs.healthUrl;
        if (typeof url !== "string" || url === "") {
            d.say(`park --if-idle ${o.ifIdleMinutes}: not parked: the stack has no healthUrl output (no front door), so its activity is unknown; nothing was changed`);
            return 0;
        }
        const decision = await checkIdle(url, o.ifIdleMinutes, o.healthTimeoutMs);
        if (!decision.idle) {
            d.say(`park --if-idle ${o.ifIdleMinutes}: not parked, ${decision.reason}; nothing was changed`);
            return 0;
        }
        d.say(`park --if-idle ${o.ifIdleMinutes}: ${decision.reason}`);
    }

    const copy = writeFlippedCopy(file, parked);
    let preview;
    try {
        d.say(`${o.direction}: previewing digitalocean.parked=${parked} (pulumi preview --json --stack ${o.stack})`);
        preview = await d.pulumi.run(["preview", "--json", "--stack", o.stack, "--config-file", copy.file], { timeoutMs: 30 * 60_000 });
    } finally {
        fs.rmSync(copy.dir, { recursive: true, force: true });
    }
    let digest: unknown;
    try {
        digest = JSON.parse(preview.stdout);
    } catch {
        digest = undefined;
    }
    const review = reviewPreview(digest);
    if (preview.code !== 0 || review.errors.length > 0 || digest === undefined) {
        const why = [...review.errors, ...(digest === undefined ? [preview.stderr.trim() || "the preview printed no JSON"] : [])];
        d.say(`${o.direction}: the preview failed (exit ${preview.code}): ${why.join("; ")}; nothing was changed`);
        return 1;
    }
    if (review.refused.length > 0) {
        d.say(`${o.direction}: refused: the preview would change more than the compute side, which ${o.direction === "park" ? "parking" : "unparking"} must never do:`);
        for (const r of review.refused) d.say(`  ${r}`);
        d.say("Nothing was changed. Bring the stack to what is deployed first (`npm run preview:prod` shows the difference), then run this again.");
        return 1;
    }
    if (review.changes.length === 0) {
        if (readParked(file) !== parked) {
            const set = await d.pulumi.run(["config", "set", "--path", "digitalocean.parked", String(parked), "--stack", o.stack]);
            if (set.code !== 0) { d.say(`${o.direction}: pulumi config set failed: ${set.stderr.trim()}`); return 1; }
            d.say(`${o.direction}: already ${word(o.direction)}: nothing to change (the stack file now says digitalocean.parked: ${parked} too)`);
        } else {
            d.say(`${o.direction}: already ${word(o.direction)}: nothing to change`);
        }
        return 0;
    }
    d.say(`${o.direction}: the preview changes the compute side only (${review.changes.length} steps), nothing kept:`);
    for (const c of review.changes) d.say(`  ${c}`);

    const set = await d.pulumi.run(["config", "set", "--path", "digitalocean.parked", String(parked), "--stack", o.stack]);
    if (set.code !== 0) {
        d.say(`${o.direction}: pulumi config set failed (exit ${set.code}): ${set.stderr.trim()}; nothing was changed`);
        return 1;
    }
    const started = d.now();
    const up = await d.pulumi.run(["up", "--yes", "--stack", o.stack], { live: true, timeoutMs: 60 * 60_000 });
    if (up.code !== 0) {
        d.say(`${o.direction}: pulumi up failed (exit ${up.code}) after ${seconds(d.now() - started)}. The stack file says digitalocean.parked: ${parked}; ` +
            `read the error above, then run \`npm run ${o.direction} -- --stack ${o.stack}\` again (it resumes from what exists).`);
        return 1;
    }
    d.say(`${o.direction}: ${word(o.direction)}: pulumi up took ${seconds(d.now() - started)}`);
    if (parked) return 0;
    return waitForModel(o, d, started);
}

/**
 * unpark: polls healthUrl until the model can answer: the health answer's backend and gpu parts
 * ok (the model on the GPU, or on the server's disk ready to load), bounded. Other parts failing
 * (a stale backup) are said, not waited for.
 */
async function waitForModel(o: ParkOptions, d: ParkDeps, started: number): Promise<number> {
    const outputs = await stackOutputs(d.pulumi, o.stack);
    const url = typeof outputs === "object" ? outputs.healthUrl : undefined;
    if (typeof url !== "string") {
        d.say(`unpark: no healthUrl output to wait on (${typeof outputs === "string" ? outputs : "no front door"}); check with npm run verify -- --stack ${o.stack}`);
        return 0;
    }
    const deadline = d.now() + o.waitSeconds * 1000;
    let last = "no answer yet";
    while (d.now() < deadline) {
        try {
            const res = await fetch(url, { signal: AbortSignal.timeout(o.healthTimeoutMs) });
            const body = await res.text();
            const answer = JSON.parse(body) as { failed?: unknown; checks?: Record<string, { ok?: unknown } | undefined> };
            const failed = Array.isArray(answer.failed) ? answer.failed.map(String) : [];
            const ready = res.status === 200 || (answer.checks?.backend?.ok === true && answer.checks?.gpu?.ok === true);
            if (ready) {
                d.say(`unpark: the model answered: ${url} at ${new Date(d.now()).toISOString()}, ${seconds(d.now() - started)} after up started` +
                    (failed.length > 0 ? ` (failing besides: ${failed.join(", ")}: see ${url})` : ""));
                return 0;
            }
            last = `${res.status} ${body.slice(0, 200).trim()}`;
        } catch (err) {
            last = (err as Error).message;
        }
        await d.sleep(5000);
    }
    d.say(`unpark: up finished, but ${url} did not say the model is ready within ${o.waitSeconds} s (last: ${last}); see npm run verify -- --stack ${o.stack}`);
    return 1;
}
