/**
 * `npm run park` and `npm run unpark` as real processes (tools/park.ts under the project's
 * ts-cached register), with a fake `pulumi` first on PATH (tests/fixtures/fake-pulumi) that answers
 * `preview --json` with digests built from the real program: the prod stack rendered running and
 * parked under Pulumi's mocks, every resource of one side that the other lacks a `delete` (park)
 * or `create` (unpark) step, the rest `same`, in the shape of pulumi/pulumi v3.248.0
 * pkg/display/json.go (PreviewDigest: steps[].op/urn/provider/oldState/newState, changeSummary).
 * The --if-idle decision is taken against a stand-in /healthz as its own process
 * (tests/fixtures/health-standin/server.js): idle, busy, unreachable, a timeout, a malformed
 * answer, a clock skew between this machine and the deployment.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { checkIdle } from "../../tools/park/idle";
import { PROJECT_ROOT, RenderedResource, renderStackInChildProcess } from "../../tools/render";

jest.setTimeout(240_000);

const FAKE_BIN = path.resolve(__dirname, "../fixtures/fake-pulumi");
const STANDIN = path.resolve(__dirname, "../fixtures/health-standin/server.js");
const REGISTER = path.join(PROJECT_ROOT, "tools", "ts-cached-register.js");
const PARK = path.join(PROJECT_ROOT, "tools", "park.ts");
const SECRETS = { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-park-"));
const children: ChildProcess[] = [];
let running: RenderedResource[];
let parkedSide: RenderedResource[];

type Step = { op: string; urn: string; provider?: string; oldState?: Record<string, unknown>; newState?: Record<string, unknown>; detailedDiff: null };

const state = (r: RenderedResource) => ({ urn: r.urn, custom: r.custom, type: r.type, inputs: {}, outputs: {}, ...(r.parent ? { parent: r.parent } : {}) });

/** The digest `pulumi preview --json` prints going from `from` to `to`. */
function digest(from: RenderedResource[], to: RenderedResource[], extra: Step[] = []): string {
    const toUrns = new Set(to.map((r) => r.urn));
    const fromUrns = new Set(from.map((r) => r.urn));
    const steps: Step[] = [
        ...to.map((r): Step => fromUrns.has(r.urn)
            ? { op: "same", urn: r.urn, oldState: state(r), newState: state(r), detailedDiff: null }
            : { op: "create", urn: r.urn, newState: state(r), detailedDiff: null }),
        ...from.filter((r) => !toUrns.has(r.urn)).reverse().map((r): Step => ({ op: "delete", urn: r.urn, oldState: state(r), detailedDiff: null })),
        ...extra,
    ];
    const changeSummary: Record<string, number> = {};
    for (const s of steps) changeSummary[s.op] = (changeSummary[s.op] ?? 0) + 1;
    return JSON.stringify({ config: { "rag-stack:digitalocean": "{}" }, steps, duration: 4200000000, changeSummary }, null, 4);
}

interface Project { dir: string; stackFile: string; log: string; env: NodeJS.ProcessEnv }

/** A project directory holding a copy of Pulumi.prod.yaml, and the fake's answers. */
function project(o: { parked: boolean; previews: { true: string; false: string }; outputs: Record<string, unknown>; upExit?: number; previewExit?: number }): Project {
    const dir = fs.mkdtempSync(path.join(tmp, "project-"));
    const stackFile = path.join(dir, "Pulumi.prod.yaml");
    let text = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
    if (o.parked) text = text.replace(/^(\s+)region: /m, "$1parked: true\n$1region: ");
    fs.writeFileSync(stackFile, text);
    const write = (name: string, t: string) => { const f = path.join(dir, name); fs.writeFileSync(f, t); return f; };
    const log = path.join(dir, "pulumi-calls.log");
    fs.writeFileSync(log, "");
    return {
        dir, stackFile, log,
        env: {
            PATH: `${FAKE_BIN}:${process.env.PATH}`, HOME: dir,
            FAKE_PULUMI_LOG: log, FAKE_PULUMI_STACK_FILE: stackFile,
            FAKE_PULUMI_OUTPUTS: write("outputs.json", JSON.stringify(o.outputs)),
            FAKE_PULUMI_PREVIEW_true: write("preview-true.json", o.previews.true),
            FAKE_PULUMI_PREVIEW_false: write("preview-false.json", o.previews.false),
            FAKE_PULUMI_UP_EXIT: String(o.upExit ?? 0), FAKE_PULUMI_PREVIEW_EXIT: String(o.previewExit ?? 0),
        },
    };
}

const calls = (p: Project): string[][] => fs.readFileSync(p.log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]);
const commands = (p: Project) => calls(p).filter((c) => c[0] !== "version").map((c) => c.filter((a) => !a.startsWith("-"))[0]);

function cli(p: Project, args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve, reject) => {
        const c = spawn(process.execPath, ["-r", REGISTER, PARK, ...args], { cwd: p.dir, env: p.env, stdio: ["ignore", "pipe", "pipe"] });
        children.push(c);
        let out = "";
        c.stdout.on("data", (d: Buffer) => { out += d.toString(); });
        c.stderr.on("data", (d: Buffer) => { out += d.toString(); });
        const timer = setTimeout(() => c.kill("SIGKILL"), 120_000);
        c.on("error", reject);
        c.on("close", (code) => { clearTimeout(timer); resolve({ code, out }); });
    });
}

/** The stand-in /healthz as its own process; resolves with its URL once it listens. */
function standin(mode: string, body: unknown = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        const c = spawn(process.execPath, [STANDIN], { env: { PATH: process.env.PATH, STANDIN_HEALTH_MODE: mode, STANDIN_HEALTH_BODY: JSON.stringify(body) }, stdio: ["ignore", "pipe", "inherit"] });
        children.push(c);
        const timer = setTimeout(() => reject(new Error("the stand-in did not start within 10 s")), 10_000);
        c.stdout.on("data", (d: Buffer) => {
            const m = /listening (\d+)/.exec(d.toString());
            if (m) { clearTimeout(timer); resolve(`http://127.0.0.1:${m[1]}/healthz`); }
        });
    });
}

async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
/** A health answer checked at `checkedAt` (the deployment's clock) with the given activity. */
const answer = (checkedAt: number, last: number | null, activity?: { known: boolean; since: number | null }) => ({
    status: "ok", failed: [], checkedAt: iso(checkedAt), cacheSeconds: 5, checks: {},
    lastOllamaRequestAt: last === null ? null : iso(last),
    ...(activity ? { activity: { known: activity.known, since: activity.since === null ? null : iso(activity.since), reason: "x" } } : {}),
});
const MIN = 60_000;

let previews: { true: string; false: string };
const runningOutputs = (healthUrl: string) => ({ state: "running", healthUrl, publicIp: "203.0.113.50" });

beforeAll(() => {
    running = renderStackInChildProcess({ stack: "prod", secrets: SECRETS }).resources;
    parkedSide = renderStackInChildProcess({ stack: "prod", secrets: SECRETS, overrides: { "digitalocean.parked": true } }).resources;
    // From running: parked=true deletes the compute side; parked=false changes nothing.
    previews = { true: digest(running, parkedSide), false: digest(running, running) };
});

afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the idle decision against a stand-in /healthz (a real process)", () => {
    const now = Date.now();
    test("idle: the last request 90 min before the check, --if-idle 60 parks", async () => {
        const d = await checkIdle(await standin("answer", answer(now, now - 90 * MIN)), 60, 5000);
        expect(d).toMatchObject({ idle: true, idleMinutes: 90 });
    });
    test("busy: 10 min ago is active; a 503 answer still carries the activity", async () => {
        expect(await checkIdle(await standin("answer", answer(now, now - 10 * MIN)), 60, 5000)).toMatchObject({ idle: false, idleMinutes: 10 });
        expect(await checkIdle(await standin("failing", { ...answer(now, now - 90 * MIN), status: "failing", failed: ["backup"] }), 60, 5000)).toMatchObject({ idle: true });
    });
    test("null: idle only when the log was read and covers the window; unknown is active", async () => {
        expect(await checkIdle(await standin("answer", answer(now, null, { known: true, since: now - 61 * MIN })), 60, 5000)).toMatchObject({ idle: true, idleMinutes: 61 });
        expect(await checkIdle(await standin("answer", answer(now, null, { known: true, since: now - 30 * MIN })), 60, 5000)).toMatchObject({ idle: false });
        expect((await checkIdle(await standin("answer", answer(now, null, { known: false, since: null })), 60, 5000)).reason).toMatch(/^treated as active: the deployment cannot say/);
        // The front door's own 503 (responder down): no activity at all.
        expect((await checkIdle(await standin("failing", { status: "failing", failed: ["responder"], checks: {}, lastOllamaRequestAt: null }), 60, 5000)).idle).toBe(false);
    });
    test("unreachable, a timeout, a malformed answer: active", async () => {
        const gone = await checkIdle(`http://127.0.0.1:${await closedPort()}/healthz`, 60, 5000);
        expect(gone.idle).toBe(false);
        expect(gone.reason).toMatch(/did not answer \(ECONNREFUSED\)/);
        const started = Date.now();
        const slow = await checkIdle(await standin("hang"), 60, 1500);
        expect(slow).toMatchObject({ idle: false, reason: expect.stringMatching(/no answer within 1500 ms/) });
        expect(Date.now() - started).toBeLessThan(5000);
        expect((await checkIdle(await standin("malformed"), 60, 5000)).reason).toMatch(/not JSON/);
    });
    test("clock skew: the deployment's clock decides, this machine's does not; a future activity is active", async () => {
        // The droplet's clock is 5 h behind this machine's: idle for 90 min by its own clock.
        const behind = now - 5 * 60 * MIN;
        expect(await checkIdle(await standin("answer", answer(behind, behind - 90 * MIN)), 60, 5000)).toMatchObject({ idle: true, idleMinutes: 90 });
        // 3 h ahead: a request 10 min before its check is still busy, though "in the future" here.
        const ahead = now + 3 * 60 * MIN;
        expect(await checkIdle(await standin("answer", answer(ahead, ahead - 10 * MIN)), 60, 5000)).toMatchObject({ idle: false });
        // An activity after the answer's own checkedAt: active.
        expect((await checkIdle(await standin("answer", answer(now, now + 2 * MIN)), 60, 5000)).reason).toMatch(/is after the answer's checkedAt/);
    });
});

describe("npm run park / unpark with a fake pulumi", () => {
    test("park: previews with the value flipped in a copy, the compute side only; then config set and up", async () => {
        const p = project({ parked: false, previews, outputs: runningOutputs("http://127.0.0.1:9/healthz") });
        const before = fs.readFileSync(p.stackFile, "utf8");
        const r = await cli(p, ["park", "--stack", "prod"]);
        expect(r.out).toContain("park: the preview changes the compute side only");
        expect(r.out).toMatch(/delete host-droplet \(digitalocean:index\/droplet:Droplet\)/);
        expect(r.out).toMatch(/park: parked: pulumi up took \d+ s/);
        expect(r.code).toBe(0);
        expect(commands(p)).toEqual(["preview", "config", "up"]);
        const preview = calls(p).find((c) => c[0] === "preview") as string[];
        expect(preview).toEqual(["preview", "--json", "--stack", "prod", "--config-file", expect.stringMatching(/Pulumi\.prod\.yaml$/)]);
        expect(fs.existsSync(preview[5])).toBe(false); // the copy is removed
        expect(calls(p).find((c) => c[0] === "config")).toEqual(["config", "set", "--path", "digitalocean.parked", "true", "--stack", "prod"]);
        expect(calls(p).find((c) => c[0] === "up")).toEqual(["up", "--yes", "--stack", "prod"]);
        expect(fs.readFileSync(p.stackFile, "utf8")).not.toBe(before);
    });

    test("a preview that would touch a volume is refused, naming it; nothing is set or applied", async () => {
        const volume = running.find((r) => r.type === "digitalocean:index/volume:Volume" && r.name === "host-neo4j-data") as RenderedResource;
        const bad = digest(running, parkedSide).replace(`"op": "same",\n            "urn": "${volume.urn}"`, `"op": "replace",\n            "urn": "${volume.urn}"`);
        expect(bad).not.toBe(digest(running, parkedSide));
        const p = project({ parked: false, previews: { ...previews, true: bad }, outputs: runningOutputs("http://127.0.0.1:9/healthz") });
        const before = fs.readFileSync(p.stackFile, "utf8");
        const r = await cli(p, ["park", "--stack", "prod"]);
        expect(r.code).toBe(1);
        expect(r.out).toContain("park: refused: the preview would change more than the compute side");
        expect(r.out).toContain("replace host-neo4j-data (digitalocean:index/volume:Volume)");
        expect(r.out).toContain("Nothing was changed.");
        expect(commands(p)).toEqual(["preview"]);
        expect(fs.readFileSync(p.stackFile, "utf8")).toBe(before);
    });

    test("parked already: says so, changes nothing (no config set, no up)", async () => {
        // Deployed parked: parked=true changes nothing.
        const p = project({ parked: true, previews: { true: digest(parkedSide, parkedSide), false: digest(parkedSide, running) }, outputs: { state: "parked" } });
        const before = fs.readFileSync(p.stackFile, "utf8");
        const r = await cli(p, ["park", "--stack", "prod"]);
        expect(r.out).toContain("park: already parked: nothing to change");
        expect(r.code).toBe(0);
        expect(commands(p)).toEqual(["preview"]);
        // --if-idle on a parked stack (the workflow's quarter-hourly check): the outputs say parked, no preview.
        const idle = await cli(p, ["park", "--stack", "prod", "--if-idle", "60"]);
        expect(idle.out).toContain("park --if-idle: already parked: nothing to change");
        expect(commands(p)).toEqual(["preview", "stack"]);
        expect(fs.readFileSync(p.stackFile, "utf8")).toBe(before);
    });

    test("--if-idle: busy keeps it running without a preview; idle parks", async () => {
        const now = Date.now();
        const busy = project({ parked: false, previews, outputs: runningOutputs(await standin("answer", answer(now, now - 5 * MIN))) });
        const r = await cli(busy, ["park", "--stack", "prod", "--if-idle", "60"]);
        expect(r.out).toMatch(/park --if-idle 60: not parked, active: the last request that used Ollama was at .* is 5 min before the check, less than 60; nothing was changed/);
        expect(r.code).toBe(0);
        expect(commands(busy)).toEqual(["stack"]);
        const unreachable = project({ parked: false, previews, outputs: runningOutputs(`http://127.0.0.1:${await closedPort()}/healthz`) });
        expect((await cli(unreachable, ["park", "--stack", "prod", "--if-idle", "60"])).out).toMatch(/not parked, treated as active: .* did not answer/);
        expect(commands(unreachable)).toEqual(["stack"]);
        const idle = project({ parked: false, previews, outputs: runningOutputs(await standin("answer", answer(now, now - 75 * MIN))) });
        const parked = await cli(idle, ["park", "--stack", "prod", "--if-idle", "60"]);
        expect(parked.out).toMatch(/park --if-idle 60: idle for 75 min/);
        expect(commands(idle)).toEqual(["stack", "preview", "config", "up"]);
    });

    test("unpark: prints how long up took and when the model answered (backend and model ready in /healthz), bounded", async () => {
        const p = project({
            parked: true, previews: { true: digest(parkedSide, parkedSide), false: digest(parkedSide, running) },
            outputs: runningOutputs(await standin("answer", answer(Date.now(), null, { known: true, since: Date.now() }))),
        });
        const r = await cli(p, ["unpark", "--stack", "prod", "--wait", "30"]);
        expect(r.out).toMatch(/unpark: the preview changes the compute side only \(\d+ steps\)/);
        expect(r.out).toMatch(/create host-droplet/);
        expect(r.out).toMatch(/unpark: running: pulumi up took \d+ s/);
        expect(r.out).toMatch(/unpark: the model answered: http:\/\/127\.0\.0\.1:\d+\/healthz at \d{4}-.*Z, \d+ s after up started\n/);
        expect(r.code).toBe(0);
        // A 503 for a stale backup does not hold it up: the backend and the model are what users need.
        const stale = project({
            parked: true, previews: { true: digest(parkedSide, parkedSide), false: digest(parkedSide, running) },
            outputs: runningOutputs(await standin("failing", { status: "failing", failed: ["backup"], checkedAt: iso(Date.now()), checks: { backend: { ok: true }, gpu: { ok: true }, backup: { ok: false } }, lastOllamaRequestAt: null })),
        });
        expect((await cli(stale, ["unpark", "--stack", "prod", "--wait", "30"])).out).toMatch(/unpark: the model answered: .* \(failing besides: backup: see /);
        // The model not ready within --wait: exit 1, saying what the answer was.
        const down = project({
            parked: true, previews: { true: digest(parkedSide, parkedSide), false: digest(parkedSide, running) },
            outputs: runningOutputs(await standin("failing", { status: "failing", failed: ["gpu"], checkedAt: iso(Date.now()), checks: { backend: { ok: true }, gpu: { ok: false } }, lastOllamaRequestAt: null })),
        });
        const late = await cli(down, ["unpark", "--stack", "prod", "--wait", "1"]);
        expect(late.code).toBe(1);
        expect(late.out).toMatch(/did not say the model is ready within 1 s \(last: 503 /);
        expect(calls(p).find((c) => c[0] === "config")).toEqual(["config", "set", "--path", "digitalocean.parked", "false", "--stack", "prod"]);
    });

    test("a failed up says what to do; a usage mistake exits 2", async () => {
        const p = project({ parked: false, previews, outputs: runningOutputs("http://127.0.0.1:9/healthz"), upExit: 255 });
        const r = await cli(p, ["park", "--stack", "prod"]);
        expect(r.code).toBe(1);
        expect(r.out).toMatch(/park: pulumi up failed \(exit 255\) after \d+ s\. The stack file says digitalocean\.parked: true; read the error above, then run `npm run park -- --stack prod` again/);
        const u = await cli(p, ["park", "--stack", "prod", "--if-idle", "0"]);
        expect(u.code).toBe(2);
        expect(u.out).toContain('park: --if-idle "0": expected a whole number above 0');
    });
});
