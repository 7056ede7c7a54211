/**
 * The health responder's CGI script (components/health/scripts/healthz.sh) as a real process under
 * busybox sh, with nothing on its PATH but the busybox applets the responder image provides, against
 * real HTTP servers on loopback: a fake backend and fake Ollama servers that answer /api/ps and
 * /api/tags in Ollama 0.12.6's shape (the fields tests/fixtures/ollama serves), or fail in the ways
 * a real one can (an error status, no answer, a hang, a body that is not JSON). Every branch of
 * every part, the status codes, the cache and its lock. Then once under the real busybox httpd, as
 * the front door reaches it, and once against the stand-in Ollama itself.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import type { HealthAnswer } from "../../components/health/contract";
import { healthScript } from "../../components/health/responder";

jest.setTimeout(60_000);

const SCRIPT = path.resolve(__dirname, "../../components/health/scripts/healthz.sh");
const STANDIN_OLLAMA = path.resolve(__dirname, "../fixtures/ollama");
const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p));
/** The applets the script may use: what the official busybox image (defconfig) has in /bin. */
const APPLETS = ["sh", "wget", "awk", "grep", "timeout", "date", "stat", "sed", "tr", "cut", "paste", "tail", "head", "cat", "mkdir", "mktemp", "rm", "rmdir", "mv", "sleep", "httpd", "df", "wc"];
const MODEL = "qwen2.5:7b-instruct-q8_0";
const SIZE = 8098048000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-healthz-"));
const bin = path.join(tmp, "bin");
const servers: http.Server[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
    if (!BUSYBOX) throw new Error("busybox is not installed; install Debian's busybox-static (apt-get install busybox-static)");
    fs.mkdirSync(bin);
    for (const a of APPLETS) fs.symlinkSync(BUSYBOX, path.join(bin, a));
});

afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
    fs.rmSync(tmp, { recursive: true, force: true });
});

interface Fake {
    url: string;
    /** "METHOD /path" of every request, in order. */
    requests: string[];
    /** Replaces the answers: path -> [status, body] or "hang". */
    answer(routes: Record<string, [number, unknown] | "hang">): void;
}

/** A loopback HTTP server that answers as told and records every request. */
async function fake(routes: Record<string, [number, unknown] | "hang"> = {}): Promise<Fake> {
    let table = routes;
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        const a = table[req.url ?? ""];
        if (a === "hang") return; // never answers (the connection is closed at the end)
        const [status, body] = a ?? [404, "404 page not found"];
        res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain" : "application/json" });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, answer: (t) => { table = t; } };
}

/** /api/ps and /api/tags as Ollama 0.12.6 writes them (server/routes.go PsHandler, ListHandler). */
const details = { parent_model: "", format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "7.6B", quantization_level: "Q8_0" };
const loaded = (name: string, vram: number, size = SIZE) => ({
    name, model: name, size, digest: "c".repeat(64), details, expires_at: "2318-01-01T00:00:00Z", size_vram: vram, context_length: 4096,
});
const onDisk = (name: string) => ({ name, model: name, modified_at: "2025-10-01T00:00:00Z", size: SIZE, digest: "c".repeat(64), details });
const ollama = (ps: unknown[], tags: unknown[] = ps.map((m) => onDisk((m as { name: string }).name))) =>
    ({ "/api/ps": [200, { models: ps }], "/api/tags": [200, { models: tags }] } as Record<string, [number, unknown]>);

/** A port nothing listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
}

interface Answer { exit: number | null; status: number; headers: Record<string, string>; body: string; json: HealthAnswer; stderr: string }

function parse(out: string): Omit<Answer, "exit" | "stderr"> {
    const cut = out.indexOf("\r\n\r\n");
    if (cut < 0) throw new Error(`no CGI header block in ${JSON.stringify(out)}`);
    const lines = out.slice(0, cut).split("\r\n");
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
    const body = out.slice(cut + 4);
    return { status: Number(/^(\d{3}) /.exec(headers.status ?? "")?.[1]), headers, body, json: JSON.parse(body) as HealthAnswer };
}

let runs = 0;
/**
 * Runs the script once (CGI style: no arguments, its answer on stdout) with a clean environment.
 * Asynchronously: the fake servers live in this process and must answer while it runs.
 */
function run(env: Record<string, string | undefined>, cacheDir = path.join(tmp, `cache-${++runs}`)): Promise<Answer> {
    const clean = Object.fromEntries(Object.entries({ PATH: bin, HEALTH_CACHE_DIR: cacheDir, HEALTH_CACHE_SECONDS: "0", HEALTH_TIMEOUT_SECONDS: "1", ...env })
        .filter((e): e is [string, string] => e[1] !== undefined));
    return new Promise((resolve, reject) => {
        const c = spawn(path.join(bin, "sh"), [SCRIPT], { env: clean, stdio: ["ignore", "pipe", "pipe"] });
        children.push(c);
        let out = "";
        let err = "";
        c.stdout.on("data", (d: Buffer) => { out += d.toString(); });
        c.stderr.on("data", (d: Buffer) => { err += d.toString(); });
        const timer = setTimeout(() => c.kill("SIGKILL"), 30_000);
        c.on("error", reject);
        c.on("close", (code) => {
            clearTimeout(timer);
            try {
                resolve({ exit: code, stderr: err, ...parse(out) });
            } catch (e) {
                reject(e);
            }
        });
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let backend: Fake;
let gpu: Fake;
const base = () => ({ HEALTH_BACKEND_URL: `${backend.url}/health`, HEALTH_OLLAMA_URLS: gpu.url, HEALTH_MODELS: MODEL });

beforeEach(async () => {
    backend = await fake({ "/health": [200, { status: "ok" }] });
    gpu = await fake(ollama([loaded(MODEL, SIZE)]));
});

describe("the whole answer", () => {
    test("healthy: 200, JSON, no-store, every part ok, the figures; nothing but /api/ps asked of Ollama", async () => {
        const a = await run(base());
        expect(a.exit).toBe(0);
        expect(a.status).toBe(200);
        expect(a.headers["content-type"]).toBe("application/json");
        expect(a.headers["cache-control"]).toBe("no-store");
        expect(a.json).toMatchObject({ status: "ok", failed: [], cacheSeconds: 0, lastOllamaRequestAt: null });
        expect(a.json.checkedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(a.json.checks.backend).toEqual({ ok: true, reason: "the backend answers its health check (HTTP 200)", httpStatus: 200 });
        expect(a.json.checks.gpu).toEqual({
            ok: true, reason: "every model is 100% on the GPU",
            models: [{ model: MODEL, server: "127.0.0.1", loaded: true, gpuPercent: 100, sizeBytes: SIZE, vramBytes: SIZE, reason: `${MODEL} on 127.0.0.1: 100% on the GPU` }],
        });
        expect(a.json.checks.watchdog).toEqual({ ok: true, reason: "no GPU watchdog on this deployment", enabled: false });
        expect(a.json.checks.backup).toEqual({ ok: true, reason: "backups are not set up on this deployment", enabled: false });
        expect(a.json.checks.disk).toEqual({ ok: true, reason: "no data volume is measured on this deployment", enabled: false });
        expect(gpu.requests).toEqual(["GET /api/ps"]);
        expect(backend.requests).toEqual(["GET /health"]);
    });

    test.each([
        ["HEALTH_BACKEND_URL", /HEALTH_BACKEND_URL must name/],
        ["HEALTH_OLLAMA_URLS", /HEALTH_OLLAMA_URLS must list/],
        ["HEALTH_MODELS", /HEALTH_MODELS must list/],
    ])("without %s: 503 naming the responder and the variable, exit 2", async (name, said) => {
        const a = await run({ ...base(), [name]: undefined });
        expect(a.exit).toBe(2);
        expect(a.status).toBe(503);
        expect(a.json.failed).toEqual(["responder"]);
        expect(a.json.checks.responder?.reason).toMatch(said);
        expect(a.stderr).toMatch(said);
    });

    test.each([["HEALTH_TIMEOUT_SECONDS", "3s"], ["HEALTH_CACHE_SECONDS", "-1"], ["HEALTH_BACKUP_MAX_AGE_SECONDS", "26h"], ["HEALTH_TIMEOUT_SECONDS", "0"]])(
        "%s=%s is refused: 503, exit 2", async (name, value) => {
            const a = await run({ ...base(), [name]: value });
            expect(a.exit).toBe(2);
            expect(a.json.checks.responder?.reason).toMatch(/must be (whole numbers|at least 1)/);
        });
});

describe("backend", () => {
    test("an error status: 503 naming the backend and the status", async () => {
        backend.answer({ "/health": [500, "boom"] });
        const a = await run(base());
        expect(a.status).toBe(503);
        expect(a.json.failed).toEqual(["backend"]);
        expect(a.json.checks.backend).toEqual({ ok: false, reason: "the backend's health check answers HTTP 500", httpStatus: 500 });
    });

    test("nothing listening: 503, the connection error in the reason", async () => {
        const a = await run({ ...base(), HEALTH_BACKEND_URL: `http://127.0.0.1:${await closedPort()}/health` });
        expect(a.json.failed).toEqual(["backend"]);
        expect(a.json.checks.backend?.reason).toMatch(/^the backend does not answer its health check: .*(refused|connect)/i);
        expect(a.json.checks.backend?.httpStatus).toBeNull();
    });

    test("a backend that hangs is cut at the timeout: the answer comes anyway, within seconds", async () => {
        backend.answer({ "/health": "hang" });
        const started = Date.now();
        const a = await run(base());
        expect(Date.now() - started).toBeLessThan(5000);
        expect(a.json.checks.backend).toEqual({ ok: false, reason: "the backend does not answer its health check: no answer within 1 s", httpStatus: null });
    });
});

describe("gpu", () => {
    test("a model partly on the CPU: 503 naming the GPU, the model, the server and the share", async () => {
        gpu.answer(ollama([loaded(MODEL, Math.round(SIZE * 0.62))]));
        const a = await run(base());
        expect(a.status).toBe(503);
        expect(a.json.failed).toEqual(["gpu"]);
        expect(a.json.checks.gpu?.reason).toBe(`${MODEL} on 127.0.0.1: only 62% on the GPU, the rest runs on the CPU (${Math.round(SIZE * 0.62)} of ${SIZE} bytes in GPU memory)`);
        expect(a.json.checks.gpu?.models[0]).toMatchObject({ loaded: true, gpuPercent: 62, vramBytes: Math.round(SIZE * 0.62) });
    });

    test("entirely on the CPU (a lost GPU with the model loaded): 0%", async () => {
        gpu.answer(ollama([loaded(MODEL, 0)]));
        expect((await run(base())).json.checks.gpu?.models[0]).toMatchObject({ gpuPercent: 0, reason: expect.stringContaining("only 0% on the GPU") });
    });

    test("idle: not loaded (keep-alive expired) but on the server: healthy, said so, and /api/tags is all it asked", async () => {
        gpu.answer(ollama([], [onDisk(MODEL)]));
        const a = await run(base());
        expect(a.status).toBe(200);
        expect(a.json.checks.gpu).toMatchObject({ ok: true, reason: "every model is 100% on the GPU or idle on a server that has it (1 idle)" });
        expect(a.json.checks.gpu?.models[0]).toMatchObject({ loaded: false, gpuPercent: null, reason: `${MODEL} on 127.0.0.1: idle, not loaded (keep-alive expired); it loads at the next request` });
        expect(gpu.requests).toEqual(["GET /api/ps", "GET /api/tags"]);
    });

    test("not loaded and not on the server: 503, not pulled", async () => {
        gpu.answer(ollama([], [onDisk("llama3.2:3b")]));
        const a = await run(base());
        expect(a.json.failed).toEqual(["gpu"]);
        expect(a.json.checks.gpu?.reason).toBe(`${MODEL} is not on 127.0.0.1 (not pulled, or removed)`);
    });

    test("not loaded and /api/tags fails: 503 with the status", async () => {
        gpu.answer({ "/api/ps": [200, { models: [] }], "/api/tags": [500, { error: "boom" }] });
        expect((await run(base())).json.checks.gpu?.reason).toBe(`${MODEL} on 127.0.0.1 is not loaded and the server's models cannot be listed: /api/tags answers HTTP 500`);
    });

    test("/api/ps answers an error status: 503 naming Ollama and the status", async () => {
        gpu.answer({ "/api/ps": [500, { error: "boom" }] });
        expect((await run(base())).json.checks.gpu?.reason).toBe("Ollama on 127.0.0.1 does not answer: /api/ps answers HTTP 500");
    });

    test("Ollama down: 503 for every model, loaded unknown", async () => {
        const a = await run({ ...base(), HEALTH_OLLAMA_URLS: `http://127.0.0.1:${await closedPort()}`, HEALTH_MODELS: `${MODEL} nomic-embed-text` });
        expect(a.json.checks.gpu?.models.map((m) => [m.model, m.loaded])).toEqual([[MODEL, null], ["nomic-embed-text:latest", null]]);
        expect(a.json.checks.gpu?.reason).toMatch(/^Ollama on 127\.0\.0\.1 does not answer: .*; Ollama on 127\.0\.0\.1 does not answer: /);
    });

    test("a body that is not JSON, or has no usable sizes: 503, never a crash", async () => {
        gpu.answer({ "/api/ps": [200, "<html>proxy error</html>"], "/api/tags": [200, "<html>"] });
        expect((await run(base())).json.checks.gpu?.reason).toBe(`${MODEL} is not on 127.0.0.1 (not pulled, or removed)`);
        gpu.answer(ollama([{ name: MODEL, model: MODEL, size: "big", size_vram: null }]));
        expect((await run(base())).json.checks.gpu?.reason).toBe(`${MODEL} on 127.0.0.1: /api/ps gives no usable size and size_vram`);
    });

    test("every model of the list, and every server: one replica partly on the CPU fails the whole, named", async () => {
        const embed = "nomic-embed-text:latest";
        gpu.answer(ollama([loaded(MODEL, SIZE), loaded(embed, 274302450, 274302450)]));
        const second = await fake(ollama([loaded(MODEL, SIZE), loaded(embed, 100, 274302450)]));
        const both = { ...base(), HEALTH_MODELS: `${MODEL} nomic-embed-text`, HEALTH_OLLAMA_URLS: `${gpu.url} ${second.url.replace("127.0.0.1", "localhost")}` };
        const a = await run(both);
        expect(a.status).toBe(503);
        expect(a.json.checks.gpu?.models.map((m) => [m.server, m.model, m.gpuPercent])).toEqual([
            ["127.0.0.1", MODEL, 100], ["127.0.0.1", embed, 100], ["localhost", MODEL, 100], ["localhost", embed, 0],
        ]);
        expect(a.json.checks.gpu?.reason).toBe(`${embed} on localhost: only 0% on the GPU, the rest runs on the CPU (100 of 274302450 bytes in GPU memory)`);
        second.answer(ollama([loaded(MODEL, SIZE), loaded(embed, 274302450, 274302450)]));
        expect((await run(both)).status).toBe(200);
    });

    test("a name without a tag is name:latest, as Ollama lists it; other entries' fields never leak into a model's", async () => {
        gpu.answer(ollama([loaded("llama3.2:latest", 1, 2), loaded(MODEL, SIZE)]));
        const a = await run({ ...base(), HEALTH_MODELS: `llama3.2 ${MODEL}` });
        expect(a.json.checks.gpu?.models.map((m) => [m.model, m.gpuPercent])).toEqual([["llama3.2:latest", 50], [MODEL, 100]]);
    });
});

describe("watchdog", () => {
    const dir = () => {
        const d = fs.mkdtempSync(path.join(tmp, "heal-"));
        return d;
    };

    test("never ran (no directory yet) or nothing healed: ok", async () => {
        expect((await run({ ...base(), HEALTH_WATCHDOG_DIR: path.join(tmp, "not-there") })).json.checks.watchdog)
            .toEqual({ ok: true, reason: "the GPU watchdog has not given up (0 heals in the last hour)", enabled: true, gaveUpAt: null, healsLastHour: 0 });
    });

    test("heals of the last hour are counted (older ones are not), and do not fail the check", async () => {
        const d = dir();
        const now = Math.floor(Date.now() / 1000);
        fs.writeFileSync(path.join(d, "heals"), `${now - 7200} 2025-01-01T00:00:00Z old\n${now - 600} 2025-01-01T01:50:00Z Failed to initialize NVML\n${now - 60} x y\n`);
        const a = await run({ ...base(), HEALTH_WATCHDOG_DIR: d });
        expect(a.status).toBe(200);
        expect(a.json.checks.watchdog).toMatchObject({ ok: true, healsLastHour: 2 });
    });

    test("gave up: 503 naming the watchdog, when, and what to do", async () => {
        const d = dir();
        fs.writeFileSync(path.join(d, "gave-up"), "gave up after 3 heals within 3600 s\n");
        const when = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
        fs.utimesSync(path.join(d, "gave-up"), when, when);
        const a = await run({ ...base(), HEALTH_WATCHDOG_DIR: d });
        expect(a.status).toBe(503);
        expect(a.json.failed).toEqual(["watchdog"]);
        expect(a.json.checks.watchdog).toMatchObject({ ok: false, gaveUpAt: "2025-01-02T03:04:05Z" });
        expect(a.json.checks.watchdog?.reason).toMatch(/^the GPU watchdog gave up healing the Ollama container at 2025-01-02T03:04:05Z: .*journalctl -t rag-stack-ollama-heal/);
    });
});

describe("backup", () => {
    const statusDir = (files: Record<string, string>) => {
        const d = fs.mkdtempSync(path.join(tmp, "backup-"));
        for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text);
        return d;
    };
    /** One line, as neo4j-backup.sh's write_status writes them. */
    const success = (epoch: number) => `{"result":"success","finishedAt":"${new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/, "Z")}","finishedEpoch":${epoch},"startedAt":"x","durationSeconds":40,"snapshotId":"${"a".repeat(64)}","counts":{"nodes":3,"relationships":2,"source":"live"},"retention":{"keepWithin":"2d","applied":true,"message":"ok"},"repositoryBytes":10,"snapshotCount":2}\n`;
    const run_ = (result: string) => `{"result":"${result}","exitCode":${result === "success" ? 0 : 1},"startedAt":"x","finishedAt":"y","finishedEpoch":1,"message":"the upload failed","snapshotId":null,"outageSeconds":3,"neo4jRunning":true}\n`;
    const now = () => Math.floor(Date.now() / 1000);

    test("backups on, none yet: 503 \"no backup yet\"", async () => {
        const a = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: statusDir({ "last-run.json": run_("failure") }) });
        expect(a.status).toBe(503);
        expect(a.json.failed).toEqual(["backup"]);
        expect(a.json.checks.backup).toEqual({
            ok: false, reason: "no backup yet: backups are on, and none has succeeded", enabled: true, ageSeconds: null, maxAgeSeconds: 93600, lastRunResult: "failure",
        });
    });

    test("backups on, none yet, the job installed less than one backup age ago: ok, the first run is due; older: 503", async () => {
        const young = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: statusDir({ "installed.json": `{"installedEpoch":${now() - 2 * 3600 - 60},"installedAt":"x"}\n` }) });
        expect(young.json.checks.backup).toMatchObject({ ok: true, enabled: true, ageSeconds: null, maxAgeSeconds: 93600 });
        expect(young.json.checks.backup?.reason).toBe("no backup yet: the job was installed 2 h ago and its first run is due within 26 h of that");
        expect(young.json.failed ?? []).not.toContain("backup");
        const old = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: statusDir({ "installed.json": `{"installedEpoch":${now() - 27 * 3600},"installedAt":"x"}\n` }) });
        expect(old.status).toBe(503);
        expect(old.json.checks.backup?.reason).toBe("no backup yet: backups are on, and none has succeeded");
    });

    test("fresh: ok with its age; the last run's result is reported", async () => {
        const a = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: statusDir({ "last-success.json": success(now() - 3 * 3600 - 120), "last-run.json": run_("success") }) });
        expect(a.status).toBe(200);
        expect(a.json.checks.backup).toMatchObject({ ok: true, reason: "the last good backup is 3 h 2 min old", lastRunResult: "success" });
        expect(a.json.checks.backup?.ageSeconds).toBeGreaterThanOrEqual(3 * 3600 + 120);
    });

    test("stale: older than the limit is 503, with both ages", async () => {
        const dir = statusDir({ "last-success.json": success(now() - 30 * 3600) });
        const a = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: dir });
        expect(a.json.failed).toEqual(["backup"]);
        expect(a.json.checks.backup?.reason).toBe("the last good backup is 30 h old (limit 26 h): backups have stopped working");
        // The limit is the responder's input.
        expect((await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: dir, HEALTH_BACKUP_MAX_AGE_SECONDS: String(31 * 3600) })).status).toBe(200);
    });

    test("a status file without finishedEpoch, or from the future: 503, never taken as fresh", async () => {
        const broken = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: statusDir({ "last-success.json": "{\"result\":\"success\"" }) });
        expect(broken.json.checks.backup?.reason).toMatch(/last-success\.json cannot be read or has no finishedEpoch$/);
        const future = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: statusDir({ "last-success.json": success(now() + 3600) }) });
        expect(future.json.checks.backup?.reason).toMatch(/^the last good backup finished 3[56]\d\d s in the future: check the clocks$/);
    });
});

describe("disk", () => {
    /** What busybox df -P says of the filesystem holding `dir`: used per cent, free and size in bytes. */
    const dfOf = (dir: string) => {
        const f = spawnSync(path.join(bin, "df"), ["-P", dir], { encoding: "utf8" }).stdout.trim().split("\n")[1].split(/\s+/);
        return { usedPercent: Number(f[4].replace("%", "")), freeBytes: Number(f[3]) * 1024, sizeBytes: Number(f[1]) * 1024 };
    };
    const volumes = () => {
        const models = path.join(tmp, "models-probe");
        const neo4j = path.join(tmp, "neo4j-probe");
        fs.mkdirSync(models, { recursive: true });
        fs.mkdirSync(neo4j, { recursive: true });
        return { models, neo4j, env: { HEALTH_DISK_DIRS: `models=${models} neo4j=${neo4j}` } };
    };

    test("every volume at most the limit: ok, each one's use, free space and size as df reports them", async () => {
        const v = volumes();
        const used = dfOf(v.models).usedPercent;
        const a = await run({ ...base(), ...v.env, HEALTH_DISK_MAX_PERCENT: "100" });
        expect(a.status).toBe(200);
        expect(a.json.checks.disk).toMatchObject({ ok: true, enabled: true, maxPercent: 100, reason: `every data volume is at most 100% full (models ${used}%, neo4j ${used}%)` });
        // The machine's disk is shared: its free space moves between two df runs; size and use do not.
        const df = dfOf(v.models);
        expect(a.json.checks.disk?.volumes?.map((x) => x.name)).toEqual(["models", "neo4j"]);
        for (const x of a.json.checks.disk?.volumes ?? []) {
            expect({ sizeBytes: x.sizeBytes, usedPercent: x.usedPercent }).toEqual({ sizeBytes: df.sizeBytes, usedPercent: df.usedPercent });
            expect(Math.abs((x.freeBytes ?? 0) - df.freeBytes)).toBeLessThan(256 * 1024 * 1024);
        }
    });

    test("a volume above the limit: 503 naming the disk, the volume, its use and free space, and what to do", async () => {
        const v = volumes();
        const used = dfOf(v.models).usedPercent;
        expect(used).toBeGreaterThan(0);
        const a = await run({ ...base(), ...v.env, HEALTH_DISK_MAX_PERCENT: String(used - 1) });
        expect(a.status).toBe(503);
        expect(a.json.failed).toEqual(["disk"]);
        expect(a.json.checks.disk?.reason).toMatch(new RegExp(`^the models volume is ${used}% full \\(\\d+\\.\\d GB free of \\d+\\.\\d GB\\): grow it .*; the neo4j volume is ${used}% full`));
    });

    test("a directory that cannot be measured: 503, never taken as free; the default limit is 90%", async () => {
        const a = await run({ ...base(), HEALTH_DISK_DIRS: `models=${path.join(tmp, "no-such-probe")}` });
        expect(a.status).toBe(503);
        expect(a.json.checks.disk).toMatchObject({ ok: false, maxPercent: 90, volumes: [{ name: "models", usedPercent: null, freeBytes: null, sizeBytes: null }] });
        expect(a.json.checks.disk?.reason).toMatch(/^the models volume cannot be measured/);
    });

    test.each([["HEALTH_DISK_MAX_PERCENT", "90%"], ["HEALTH_DISK_DIRS", "models"], ["HEALTH_DISK_DIRS", "models=relative/dir"]])("%s=%s is refused: 503, exit 2", async (name, value) => {
        const a = await run({ ...base(), [name]: value });
        expect(a.exit).toBe(2);
        expect(a.json.failed).toEqual(["responder"]);
    });
});

describe("activity: the last request that used Ollama, from the front door's log", () => {
    /**
     * Lines as Caddy's access logger writes them (caddyserver/caddy v2.11.4
     * modules/caddyhttp/server.go logRequest, marshalers.go LoggableHTTPRequest; the "tls" object
     * only on TLS requests). `tls` false: a :80 redirect, which the same file holds.
     */
    const line = (epoch: number, o: { uri?: string; tls?: boolean; status?: number; agent?: string } = {}) => JSON.stringify({
        level: "info", ts: epoch + 0.123456, logger: "http.log.access.ollama-activity", msg: "handled request",
        request: {
            remote_ip: "203.0.113.7", remote_port: "51234", client_ip: "203.0.113.7", proto: o.tls === false ? "HTTP/1.1" : "HTTP/2.0", method: "POST",
            host: "rag.example.com", uri: o.uri ?? "/api/chat", headers: { "User-Agent": [o.agent ?? "curl/8.5.0"], Authorization: ["REDACTED"] },
            ...(o.tls === false ? {} : { tls: { resumed: false, version: 772, cipher_suite: 4865, proto: "h2", server_name: "rag.example.com" } }),
        },
        bytes_read: 120, user_id: "alice", duration: 2.5, size: 4096, status: o.status ?? 200, resp_headers: { "Content-Type": ["application/json"] },
    });
    const logFile = (text: string, mtimeEpoch?: number) => {
        const f = path.join(fs.mkdtempSync(path.join(tmp, "activity-")), "ollama-activity.log");
        fs.writeFileSync(f, text);
        if (mtimeEpoch !== undefined) fs.utimesSync(f, mtimeEpoch, mtimeEpoch);
        return f;
    };
    const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const now = () => Math.floor(Date.now() / 1000);

    test("no log on this deployment (no HEALTH_ACTIVITY_LOG): null, unknown; never a failure", async () => {
        const a = await run(base());
        expect(a.status).toBe(200);
        expect(a.json.lastOllamaRequestAt).toBeNull();
        expect(a.json.activity).toEqual({ known: false, since: null, reason: "no activity log on this deployment: the last request that used Ollama is unknown" });
    });

    test("the log not written yet: unknown", async () => {
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: path.join(tmp, "nothing-here.log") });
        expect(a.json.lastOllamaRequestAt).toBeNull();
        expect(a.json.activity).toMatchObject({ known: false, reason: expect.stringMatching(/has not written its activity log yet/) });
    });

    test("the last TLS line is the last request; the redirects after it do not count; since is the first line", async () => {
        const t = now() - 3600;
        const f = logFile([line(t - 600), line(t, { uri: "/api/query?q=x" }), line(t + 60, { tls: false }), line(t + 120, { tls: false })].join("\n") + "\n");
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: f });
        expect(a.status).toBe(200);
        expect(a.json.lastOllamaRequestAt).toBe(iso(t));
        expect(a.json.activity).toEqual({ known: true, since: iso(t - 600), reason: `the last request that used Ollama was at ${iso(t)}` });
    });

    test("a header value cannot forge a TLS line: its quotes are escaped in the JSON", async () => {
        const t = now() - 7200;
        const f = logFile([line(t), line(t + 3000, { tls: false, agent: 'x","tls":{"a":1}' })].join("\n") + "\n");
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: f });
        expect(a.json.lastOllamaRequestAt).toBe(iso(t));
    });

    test("only redirects in the log: null, known, since the first line", async () => {
        const t = now() - 5000;
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: logFile(`${line(t, { tls: false })}\n${line(t + 10, { tls: false })}\n`) });
        expect(a.json.lastOllamaRequestAt).toBeNull();
        expect(a.json.activity).toMatchObject({ known: true, since: iso(t), reason: `no request used Ollama since ${iso(t)} (the oldest time the log's end holds, or when the door opened it)` });
    });

    test("an empty log (the door just opened it): null, known since the file's time", async () => {
        const t = now() - 4000;
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: logFile("", t) });
        expect(a.json.lastOllamaRequestAt).toBeNull();
        expect(a.json.activity).toMatchObject({ known: true, since: iso(t) });
    });

    test("bounded: only the tail is read; the line cut by the window and a line still being written are left out", async () => {
        const t = now() - 20_000;
        const old = Array.from({ length: 400 }, (_, i) => line(t + i)).join("\n");
        const redirects = Array.from({ length: 50 }, (_, i) => line(t + 1000 + i, { tls: false })).join("\n");
        const partial = line(t + 2000).slice(0, 80); // no closing brace yet
        const f = logFile(`${old}\n${redirects}\n${partial}`);
        const oneLine = line(t).length + 1;
        // Window: the 50 redirects and a bit of the last TLS line before them (cut: left out).
        const window = 50 * (line(t + 1000, { tls: false }).length + 1) + partial.length + 30;
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: f, HEALTH_ACTIVITY_TAIL_BYTES: String(window) });
        expect(a.json.lastOllamaRequestAt).toBeNull();
        expect(a.json.activity).toMatchObject({ known: true, since: iso(t + 1000) });
        // A window that reaches one more whole line finds the request.
        const b = await run({ ...base(), HEALTH_ACTIVITY_LOG: f, HEALTH_ACTIVITY_TAIL_BYTES: String(window + oneLine) });
        expect(b.json.lastOllamaRequestAt).toBe(iso(t + 399));
    });

    test("a log without readable times: unknown", async () => {
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: logFile("not a caddy log}\n") });
        expect(a.json.activity).toMatchObject({ known: false, reason: expect.stringMatching(/has no readable time/) });
    });

    test("HEALTH_ACTIVITY_TAIL_BYTES must be a whole number", async () => {
        const a = await run({ ...base(), HEALTH_ACTIVITY_LOG: logFile(""), HEALTH_ACTIVITY_TAIL_BYTES: "64k" });
        expect(a.exit).toBe(2);
    });
});

describe("several parts at once, and the cache", () => {
    test("failed lists every failed part in order", async () => {
        backend.answer({});
        gpu.answer(ollama([loaded(MODEL, 1)]));
        const a = await run({ ...base(), HEALTH_BACKUP_STATUS_DIR: path.join(tmp, "no-backups-here") });
        expect(a.json.failed).toEqual(["backend", "gpu", "backup"]);
    });

    test("an answer is served again for HEALTH_CACHE_SECONDS without a single new call; then it checks again", async () => {
        const cache = path.join(tmp, "cache-shared");
        const env = { ...base(), HEALTH_CACHE_SECONDS: "2" };
        const first = await run(env, cache);
        for (let i = 0; i < 10; i++) expect((await run(env, cache)).body).toBe(first.body);
        expect(gpu.requests).toEqual(["GET /api/ps"]);
        expect(backend.requests).toEqual(["GET /health"]);
        await sleep(2200);
        gpu.answer(ollama([loaded(MODEL, 0)]));
        const later = await run(env, cache);
        expect(later.status).toBe(503);
        expect(gpu.requests).toEqual(["GET /api/ps", "GET /api/ps"]);
    });

    test("while another probe refreshes: the previous answer if recent, else a bounded wait, then 503 saying so; a dead probe's lock is removed", async () => {
        const cache = path.join(tmp, "cache-locked");
        const env = { ...base(), HEALTH_CACHE_SECONDS: "0" };
        const first = await run(env, cache);
        fs.mkdirSync(path.join(cache, "lock"));
        // Recent answer: served as it is, nothing asked.
        expect((await run(env, cache)).body).toBe(first.body);
        expect(gpu.requests).toHaveLength(1);
        // No recent answer, and the lock stays: it waits (2 x 1 s + 5 s at most), then says so.
        const old = new Date(Date.now() - 60_000);
        fs.utimesSync(path.join(cache, "answer"), old, old);
        const started = Date.now();
        const waited = await run(env, cache);
        expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
        expect(waited.status).toBe(503);
        expect(waited.json.checks.responder?.reason).toBe("another check is still running and has no answer yet");
        // A lock older than two refreshes belongs to a killed probe: removed, and the checks run.
        fs.utimesSync(path.join(cache, "lock"), old, old);
        expect((await run(env, cache)).status).toBe(200);
        expect(fs.existsSync(path.join(cache, "lock"))).toBe(false);
        expect(gpu.requests).toHaveLength(2);
    });
});

test("under the real busybox httpd, as the front door reaches it: the CGI's Status becomes the HTTP status, the body the JSON", async () => {
    const root = path.join(tmp, "www");
    fs.mkdirSync(path.join(root, "cgi-bin"), { recursive: true });
    fs.writeFileSync(path.join(root, "cgi-bin", "healthz"), healthScript(), { mode: 0o555 });
    const port = await closedPort();
    const env = { PATH: bin, ...base(), HEALTH_CACHE_DIR: path.join(tmp, "cache-httpd"), HEALTH_CACHE_SECONDS: "0", HEALTH_TIMEOUT_SECONDS: "1" };
    const httpd = spawn(path.join(bin, "httpd"), ["-f", "-p", `127.0.0.1:${port}`, "-h", root], { env, stdio: ["ignore", "ignore", "pipe"] });
    children.push(httpd);
    const get = (p: string) => new Promise<{ status: number; type?: string; body: string }>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: p, timeout: 10_000 }, (res) => {
            let body = "";
            res.on("data", (d) => { body += d; });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
        }).on("error", reject);
    });
    let first: { status: number; type?: string; body: string } | undefined;
    for (let i = 0; i < 50 && !first; i++) {
        try { first = await get("/cgi-bin/healthz"); } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    expect(first?.status).toBe(200);
    expect(first?.type).toBe("application/json");
    expect((JSON.parse(first!.body) as HealthAnswer).status).toBe("ok");
    gpu.answer(ollama([loaded(MODEL, SIZE / 2)]));
    const second = await get("/cgi-bin/healthz");
    expect(second.status).toBe(503);
    expect((JSON.parse(second.body) as HealthAnswer).failed).toEqual(["gpu"]);
    // Nothing else is served from its root.
    expect((await get("/")).status).toBe(404);
    httpd.kill("SIGKILL");
});

test("against the stand-in Ollama (tests/fixtures/ollama): a loaded model at 100%, then partial offload, read from its real /api/ps", async () => {
    const port = await closedPort();
    const models = fs.mkdtempSync(path.join(tmp, "models-"));
    const start = (share: string) => {
        const c = spawn(process.execPath, [STANDIN_OLLAMA, "serve"], {
            env: { ...process.env, OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: models, STANDIN_PRELOADED_MODELS: MODEL, STANDIN_GPU_SHARE: share },
            stdio: ["ignore", "ignore", "ignore"],
        });
        children.push(c);
        return c;
    };
    const waitUp = async () => {
        for (let i = 0; i < 100; i++) {
            const ok = await new Promise<boolean>((r) => http.get(`http://127.0.0.1:${port}/`, (res) => { res.resume(); r(res.statusCode === 200); }).on("error", () => r(false)));
            if (ok) return;
            await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error("the stand-in Ollama did not start");
    };
    const load = () => new Promise<void>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: "/api/generate", method: "POST" }, (res) => { res.resume(); res.on("end", () => resolve()); });
        req.on("error", reject);
        req.end(JSON.stringify({ model: MODEL }));
    });
    const env = { ...base(), HEALTH_OLLAMA_URLS: `http://127.0.0.1:${port}` };
    let c = start("1");
    await waitUp();
    // Idle first (nothing loaded), then loaded.
    expect((await run(env)).json.checks.gpu?.models[0]).toMatchObject({ loaded: false });
    await load();
    expect((await run(env)).json.checks.gpu?.models[0]).toMatchObject({ loaded: true, gpuPercent: 100 });
    c.kill("SIGKILL");
    await new Promise((r) => c.once("exit", r));
    c = start("0.7");
    await waitUp();
    await load();
    const a = await run(env);
    expect(a.status).toBe(503);
    expect(a.json.checks.gpu?.reason).toMatch(new RegExp(`^${MODEL.replace(/\./g, "\\.")} on 127\\.0\\.0\\.1: only 70% on the GPU`));
    c.kill("SIGKILL");
});

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
(hasShellcheck ? test : test.skip)("the script is POSIX sh, shellcheck-clean, with its header (environment, exit codes) and set -eu", () => {
    // The script with its sourced part, as kept in the tree; then the one file the responder installs.
    const r = spawnSync("shellcheck", ["--shell=sh", "--external-sources", "--format=gcc", path.basename(SCRIPT), "healthz-disk-activity.sh"], { cwd: path.dirname(SCRIPT), encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const installed = path.join(tmp, "healthz-installed.sh");
    fs.writeFileSync(installed, healthScript());
    const i = spawnSync("shellcheck", ["--shell=sh", "--format=gcc", installed], { encoding: "utf8" });
    expect(i.stdout + i.stderr).toBe("");
    expect(healthScript()).not.toContain("healthz-disk-activity.sh\"");
    expect(healthScript()).toContain("check_activity() {");
    const text = fs.readFileSync(SCRIPT, "utf8");
    expect(text.startsWith("#!/bin/sh\n# ")).toBe(true);
    const header = text.split("\nset -eu\n")[0];
    expect(header).toMatch(/Environment:/);
    expect(header).toMatch(/Exit codes:/);
});
