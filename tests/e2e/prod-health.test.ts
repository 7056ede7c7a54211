/**
 * `/healthz` end to end on the real Docker engine, through the real Caddy: the prod render (Caddy's
 * internal CA in place of Let's Encrypt, one basic-auth user) run as containers: the proxy with its
 * rendered command, alias and uploaded config; the health responder with its rendered command,
 * environment, user, capabilities, init, limits, alias and uploaded script (mode 0555, through a tar
 * extracted at /, as the provider uploads); the stand-in Ollama with the rendered Ollama
 * container's environment and alias; stub backend and frontend with theirs.
 *
 * Stand-ins, said plainly: the proxy image is Debian's caddy 2.6 (tests/fixtures/images/caddy-image.ts),
 * the responder's is Debian's busybox-static 1.35 (tests/fixtures/images/health-responder-image.ts),
 * Ollama is tests/fixtures/ollama. The watchdog's state directory (rendered as the droplet's
 * /var/lib/rag-stack/ollama-heal) is a directory of this test, and so is the backup job's status
 * directory, mounted where the render mounts it (read-only at /status/backup).
 * The activity log's volume is a Docker volume of this run, mounted where the render mounts it in
 * both containers; the config loses only the file writer's `mode`, which Caddy 2.6 does not have
 * (forDebianCaddy: its default is the same 0644, checked below).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import type { HealthAnswer } from "../../components/health/contract";
import { DROPLET_BACKUP_DIRS } from "../../components/deployments/backup";
import { Rendered, renderStack } from "../../tools/render";
import { ACTIVITY_LOG_DIR, ACTIVITY_LOG_FILE_NAME, ACTIVITY_LOG_MOUNT } from "../../components/health/activity-log";
import { ensureCaddyImage, forDebianCaddy, localCaddy } from "../fixtures/images/caddy-image";
import { ensureHealthResponderImage } from "../fixtures/images/health-responder-image";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { createNetwork, docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { CONTAINER_TYPE, containerSpec, runRenderedContainer } from "./support/rendered-containers";

jest.setTimeout(300_000);

const HOST = "rag.example.com";
const USER = "alice";
const PASSWORD = "e2e-health-password";
const STUB_SERVER = path.resolve(__dirname, "../fixtures/app-stub/server.js");
const REQUEST_LOG = "/tmp/ollama-requests.log";

let rendered: Rendered;
let standinImage: string;
let networkNames: Record<string, string>;
let model: string;
let proxyName: string;
let healthName: string;
let ollamaName: string;
let httpsPort: number;
let rootCa: string;
let activityVolume: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-health-e2e-"));
const watchdogDir = path.join(tmp, "ollama-heal");
const backupDir = path.join(tmp, "backup-status");

interface Answer { status: number; type?: string; body: string; ms: number }

function request(pathname: string, opts: { auth?: string; method?: string; timeoutMs?: number } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const req = https.request({
            host: "127.0.0.1", port: httpsPort, path: pathname, method: opts.method ?? "GET", servername: HOST, ca: rootCa,
            headers: { Host: HOST, ...(opts.auth ? { Authorization: `Basic ${Buffer.from(opts.auth).toString("base64")}` } : {}) },
        }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => { body += d; });
            res.on("end", () => {
                clearTimeout(timer);
                resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body, ms: Date.now() - started });
            });
        });
        const timer = setTimeout(() => req.destroy(new Error(`no answer for ${pathname} within ${opts.timeoutMs ?? 30_000} ms`)), opts.timeoutMs ?? 30_000);
        req.on("error", (e) => { clearTimeout(timer); reject(e); });
        req.end();
    });
}

const health = async (): Promise<Answer & { json: HealthAnswer }> => {
    const a = await request("/healthz");
    return { ...a, json: JSON.parse(a.body) as HealthAnswer };
};

/** Probes until the answer satisfies `ok` (the responder caches for 5 s), at most `ms`. */
async function healthUntil(ok: (a: Answer & { json: HealthAnswer }) => boolean, ms = 20_000): Promise<Answer & { json: HealthAnswer }> {
    const deadline = Date.now() + ms;
    let last: (Answer & { json: HealthAnswer }) | undefined;
    while (Date.now() < deadline) {
        last = await health();
        if (ok(last)) return last;
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no matching /healthz answer within ${ms} ms; last: ${last?.status} ${last?.body}`);
}

/** "METHOD /path" lines the stand-in Ollama recorded. */
const ollamaRequests = (): string[] => docker(["exec", ollamaName, "cat", REQUEST_LOG]).split("\n").filter(Boolean);
const count = (lines: string[], p: RegExp) => lines.filter((l) => p.test(l)).length;

/** The Ollama stand-in as the render runs Ollama (env, alias), with test knobs. */
function startOllama(knobs: Record<string, string>): void {
    try { docker(["rm", "-f", ollamaName]); } catch { /* first start */ }
    runRenderedContainer(containerSpec(rendered.named("ollama-container", CONTAINER_TYPE)), {
        name: ollamaName, image: standinImage, command: ["ollama", "serve"], networkNames,
        extraEnv: { STANDIN_PRELOADED_MODELS: model, STANDIN_REQUEST_LOG: REQUEST_LOG, STANDIN_PARALLEL_SLOTS: "1", ...knobs },
    });
    for (let i = 0; i < 100; i++) {
        try { docker(["exec", ollamaName, "ollama", "list"]); return; } catch { execFileSync("sleep", ["0.2"]); }
    }
    throw new Error(`the stand-in Ollama did not start:\n${docker(["logs", ollamaName])}`);
}

/** Loads the model the way an empty prompt does: no generation, no slot (the stand-in, as Ollama 0.12.6). */
const loadModel = () => docker(["exec", ollamaName, "ollama", "run", model]);

function writeBackup(ageSeconds: number): void {
    const epoch = Math.floor(Date.now() / 1000) - ageSeconds;
    fs.writeFileSync(path.join(backupDir, "last-success.json"), `{"result":"success","finishedAt":"${new Date(epoch * 1000).toISOString()}","finishedEpoch":${epoch},"snapshotId":"${"a".repeat(64)}"}\n`, { mode: 0o644 });
}

beforeAll(async () => {
    requireDockerEngine();
    if (!localCaddy()) throw new Error("this e2e needs Debian's caddy (apt-get install caddy)");
    const hash = execFileSync("caddy", ["hash-password", "--plaintext", PASSWORD], { encoding: "utf8", timeout: 60_000 }).trim();
    rendered = new Rendered(await renderStack({
        stack: "prod",
        secrets: { neo4jPassword: "e2e-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "e2e-not-a-token", authPasswordHashes: JSON.stringify({ [USER]: hash }) },
        overrides: { "services.proxy.ca": "internal", "services.auth": { users: [USER] } },
    }));
    const [standin, caddyImage, responderImage] = await Promise.all([ensureStandinImage(), ensureCaddyImage(), ensureHealthResponderImage()]);
    standinImage = standin;
    const renderedNetwork = rendered.named("app-network", "docker:index/network:Network").inputs.name as string;
    networkNames = { [renderedNetwork]: createNetwork(`${renderedNetwork}-health-e2e-${RUN_ID}`) };
    const stub = fs.readFileSync(STUB_SERVER, "utf8");
    for (const [resource, role, port] of [["app-backend", "backend", 8000], ["app-frontend", "frontend", 3000]] as const) {
        runRenderedContainer(containerSpec(rendered.named(resource, CONTAINER_TYPE)), {
            name: `rag-stack-prod-${role}-health-e2e-${RUN_ID}`, image: standin, command: ["node", "-e", stub], networkNames,
            extraEnv: { STUB_ROLE: role, STUB_PORT: String(port) },
        });
    }
    ollamaName = `rag-stack-prod-ollama-health-e2e-${RUN_ID}`;
    model = rendered.result.outputs.ollamaModel as string;
    startOllama({});
    loadModel();

    // The responder, as the provider creates it: container, upload (a tar extracted at /), start.
    fs.mkdirSync(watchdogDir, { mode: 0o755 });
    fs.mkdirSync(backupDir, { mode: 0o755 });
    writeBackup(3600);
    const h = rendered.named("health-container", CONTAINER_TYPE).inputs as {
        command: string[]; envs: string[]; user: string; init: boolean; memory: number; cpus: string; capabilities: { drops: string[] };
        securityOpts: string[]; uploads: { file: string; content: string; permissions: string }[];
        networksAdvanced: { name: string; aliases: string[] }[]; volumes: { hostPath?: string; volumeName?: string; containerPath: string; readOnly: boolean }[];
    };
    healthName = `rag-stack-prod-health-e2e-${RUN_ID}`;
    // The block volumes' probe directories: two directories of this test (the disk part measures their filesystem).
    const hostDirs: Record<string, string> = {
        "/var/lib/rag-stack/ollama-heal": watchdogDir,
        "/mnt/rag-stack-models/.rag-stack-health": path.join(tmp, "models-volume"),
        "/mnt/rag-stack-neo4j/.rag-stack-health": path.join(tmp, "neo4j-volume"),
        // The backup job's status directory, as the render mounts it (read-only).
        [DROPLET_BACKUP_DIRS.status]: backupDir,
    };
    for (const d of ["models-volume", "neo4j-volume"]) fs.mkdirSync(path.join(tmp, d), { mode: 0o755 });
    activityVolume = `rag-stack-activity-e2e-${RUN_ID}`;
    docker(["volume", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, activityVolume]);
    const mounts = (h.volumes as { hostPath?: string; volumeName?: string; containerPath: string; readOnly: boolean }[]).map((v) => {
        if (v.volumeName !== undefined && v.containerPath === ACTIVITY_LOG_MOUNT) return ["-v", `${activityVolume}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`];
        if (!v.hostPath || !hostDirs[v.hostPath]) throw new Error(`the render mounts ${v.hostPath}, which this test does not stand in for`);
        return ["-v", `${hostDirs[v.hostPath]}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`];
    }).flat();
    const net = h.networksAdvanced[0];
    docker(["create", "--name", healthName, "--label", `${E2E_LABEL}=${RUN_ID}`,
        "--network", networkNames[net.name], ...net.aliases.flatMap((a) => ["--network-alias", a]),
        ...h.envs.flatMap((e) => ["-e", e]),
        ...mounts,
        "--user", h.user, ...(h.init ? ["--init"] : []), "--memory", `${h.memory}m`, "--cpus", h.cpus,
        ...h.capabilities.drops.flatMap((c) => ["--cap-drop", c]), ...h.securityOpts.flatMap((o) => ["--security-opt", o]),
        responderImage, ...h.command]);
    const staging = path.join(tmp, "upload");
    for (const u of h.uploads) {
        const file = path.join(staging, u.file);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, u.content);
        fs.chmodSync(file, parseInt(u.permissions, 8));
    }
    execFileSync("sh", ["-c", `tar -C '${staging}' --owner=0 --group=0 -cf - . | docker cp - '${healthName}:/'`], { timeout: 60_000 });
    docker(["start", healthName]);

    // The proxy as in prod-front-door.test.ts.
    const proxy = rendered.named("proxy-container", CONTAINER_TYPE).inputs as {
        command: string[]; uploads: { file: string; content: string }[]; networksAdvanced: { name: string; aliases: string[] }[];
        volumes: { volumeName: string; containerPath: string }[];
    };
    // The activity log's volume where the render mounts it (Caddy's /data and /config stay in the container).
    expect(proxy.volumes.filter((v) => v.containerPath === ACTIVITY_LOG_DIR)).toHaveLength(1);
    proxyName = `rag-stack-prod-proxy-health-e2e-${RUN_ID}`;
    const pnet = proxy.networksAdvanced[0];
    docker(["create", "--name", proxyName, "--label", `${E2E_LABEL}=${RUN_ID}`,
        "--network", networkNames[pnet.name], ...pnet.aliases.flatMap((a) => ["--network-alias", a]),
        "-v", `${activityVolume}:${ACTIVITY_LOG_DIR}`,
        "-p", "127.0.0.1::443", caddyImage, ...proxy.command]);
    for (const upload of proxy.uploads) {
        const file = path.join(tmp, path.basename(upload.file));
        fs.writeFileSync(file, forDebianCaddy(upload.content));
        docker(["cp", file, `${proxyName}:${upload.file}`]);
    }
    docker(["start", proxyName]);
    httpsPort = Number(/127\.0\.0\.1:(\d+)/.exec(docker(["port", proxyName, "443/tcp"]))?.[1]);
    const deadline = Date.now() + 30_000;
    for (;;) {
        try {
            const dest = path.join(tmp, "root.crt");
            docker(["cp", `${proxyName}:/data/caddy/pki/authorities/local/root.crt`, dest]);
            rootCa = fs.readFileSync(dest, "utf8");
            await request("/", { auth: `${USER}:${PASSWORD}`, timeoutMs: 10_000 });
            break;
        } catch (err) {
            if (Date.now() > deadline) throw new Error(`Caddy did not answer within 30 s (${(err as Error).message}):\n${docker(["logs", proxyName])}`);
            await new Promise((r) => setTimeout(r, 250));
        }
    }
});

afterAll(() => {
    const problems = removeRunObjects();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
});

test("healthy: 200 through the door without credentials, JSON, every part ok, the model 100% on the GPU", async () => {
    const a = await healthUntil((x) => x.status === 200);
    expect(a.type).toBe("application/json");
    expect(a.json.status).toBe("ok");
    expect(a.json.checks.backend).toMatchObject({ ok: true, httpStatus: 200 });
    expect(a.json.checks.gpu?.models).toEqual([expect.objectContaining({ model, server: "ollama", loaded: true, gpuPercent: 100 })]);
    expect(a.json.checks.watchdog).toMatchObject({ ok: true, enabled: true, gaveUpAt: null });
    expect(a.json.checks.backup).toMatchObject({ ok: true, enabled: true });
    // Both volume probes measured through their read-only mounts in the real container (df of this machine's disk).
    expect(a.json.checks.disk).toMatchObject({ ok: true, enabled: true, maxPercent: 90 });
    expect(a.json.checks.disk?.volumes?.map((v) => v.name)).toEqual(["models", "neo4j"]);
    for (const v of a.json.checks.disk?.volumes ?? []) expect(v.sizeBytes).toBeGreaterThan(0);
    expect(a.json.lastOllamaRequestAt).toBeNull();
    // The app itself still asks for credentials, and its routes still work.
    expect((await request("/")).status).toBe(401);
    expect((await request("/", { auth: `${USER}:${PASSWORD}` })).body).toBe("frontend /\n");
    expect((await request("/api/x", { auth: `${USER}:${PASSWORD}` })).body).toBe("backend /x\n");
});

test("activity: probes, the frontend, the backend's health path and a refused login leave lastOllamaRequestAt; a request to the API through the door sets it", async () => {
    const auth = `${USER}:${PASSWORD}`;
    await new Promise((r) => setTimeout(r, 1100)); // the log's times are whole seconds
    const quietFrom = Date.now();
    for (let i = 0; i < 5; i++) await request("/healthz");
    await request("/healthz", { auth });
    await request("/", { auth });
    await request("/assets/app.js", { auth });
    expect((await request("/api/health", { auth })).body).toBe("backend /health\n");
    expect((await request("/api/chat")).status).toBe(401); // no credentials: refused before any API route
    const quiet = await healthUntil((x) => Date.parse(x.json.checkedAt ?? "") >= quietFrom + 1000);
    // Nothing of the above counted: the last request is an earlier test's, or none.
    const last = quiet.json.lastOllamaRequestAt;
    if (last !== null) expect(Date.parse(last)).toBeLessThan(quietFrom);
    expect(quiet.json.activity?.known).toBe(last !== null);

    const asked = Math.floor(Date.now() / 1000) * 1000;
    expect((await request("/api/chat", { auth, method: "POST" })).body).toBe("backend /chat\n");
    const after = await healthUntil((x) => x.json.lastOllamaRequestAt !== null && Date.parse(x.json.lastOllamaRequestAt) >= asked);
    expect(Date.parse(after.json.lastOllamaRequestAt ?? "")).toBeLessThanOrEqual(Date.now());
    expect(after.json.activity).toMatchObject({ known: true, reason: `the last request that used Ollama was at ${after.json.lastOllamaRequestAt}` });
    expect(after.status).toBe(200); // activity is never a failure
    // The file, as the responder (nobody) reads it: 0644, JSON lines of the API requests only.
    const file = `${ACTIVITY_LOG_MOUNT}/${ACTIVITY_LOG_FILE_NAME}`;
    expect(docker(["exec", healthName, "stat", "-c", "%a", file])).toBe("644");
    const uris = docker(["exec", healthName, "cat", file]).split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { request: { uri: string } }).request.uri);
    expect(uris.every((u) => u === "/api/x" || u === "/api/chat")).toBe(true);
    expect(uris).toContain("/api/chat");
});

test("/healthz is never the frontend's: JSON from the responder, with credentials too; other methods 405", async () => {
    const withAuth = await request("/healthz", { auth: `${USER}:${PASSWORD}` });
    expect(withAuth.body).not.toContain("frontend");
    expect(() => JSON.parse(withAuth.body)).not.toThrow();
    const post = await request("/healthz", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.body).not.toContain("frontend");
    // The frontend stub answers "frontend <path>" to anything it is sent: a sibling path reaches it, /healthz does not.
    expect((await request("/healthzx", { auth: `${USER}:${PASSWORD}` })).body).toBe("frontend /healthzx\n");
});

test("the probe takes no generation slot: it answers while the stand-in's only slot is busy", async () => {
    // One slot (STANDIN_PARALLEL_SLOTS=1), held for ~20 s by a slow generation.
    startOllama({ STANDIN_TOKENS_PER_SECOND: "3", STANDIN_NUM_PREDICT: "60" });
    loadModel();
    docker(["exec", "-d", ollamaName, "sh", "-c", `ollama run ${model} "hold the only slot" > /tmp/gen.out 2>&1`]);
    const busySince = Date.now();
    // The slot is taken: a second generation does not finish within 3 s.
    const second = docker(["exec", ollamaName, "sh", "-c", `busybox timeout 3 ollama run ${model} "a second question" >/dev/null 2>&1; echo $?`]);
    expect(second).not.toBe("0");
    const generationsBefore = count(ollamaRequests(), /^POST \/api\/(generate|chat)$/);
    // A fresh answer (checked after the slot was taken), quickly, and healthy.
    const a = await healthUntil((x) => Date.parse(x.json.checkedAt ?? "") >= Math.floor(busySince / 1000) * 1000 && x.status === 200);
    expect(Date.now() - busySince).toBeLessThan(15_000); // long before the generation ends
    expect(a.ms).toBeLessThan(5000);
    expect(a.json.checks.gpu?.models[0]).toMatchObject({ loaded: true, gpuPercent: 100 });
    // The probes asked for no generation: the held one and the waiting one are all there is.
    expect(count(ollamaRequests(), /^POST \/api\/(generate|chat)$/)).toBe(generationsBefore);
    expect(docker(["exec", ollamaName, "cat", "/tmp/gen.out"])).toBe(""); // still generating
});

test("50 probes never load a model, nor generate or embed: an idle model stays idle, and is healthy", async () => {
    startOllama({});
    // The first answer checked against the new server (an answer is cached for 5 s; checkedAt has whole seconds).
    const restarted = Date.now();
    await healthUntil((x) => Date.parse(x.json.checkedAt ?? "") > restarted);
    const before = ollamaRequests();
    const started = Date.now();
    // Ten waves of five at once (an uptime check sends one at a time; the door lets 16 in at once).
    const answers: (Answer & { json: HealthAnswer })[] = [];
    for (let wave = 0; wave < 10; wave++) answers.push(...await Promise.all(Array.from({ length: 5 }, () => health())));
    const seconds = (Date.now() - started) / 1000;
    for (const a of answers) expect(a.status).toBe(200);
    const idle = answers[answers.length - 1].json.checks.gpu?.models[0];
    expect(idle).toMatchObject({ loaded: false, reason: expect.stringContaining("idle, not loaded") });
    const after = ollamaRequests();
    expect(count(after, /^POST \/api\/(generate|chat|embed|embeddings)$/)).toBe(count(before, /^POST \/api\/(generate|chat|embed|embeddings)$/));
    expect(count(after, /^POST \/api\/(generate|chat|embed|embeddings)$/)).toBe(0);
    expect(docker(["exec", ollamaName, "ollama", "ps"]).split("\n")).toHaveLength(1); // the header only: nothing loaded
    // Cached: 50 probes in a few seconds cost one /api/ps per 5 s period, not 50.
    const ps = count(after, /^GET \/api\/ps$/) - count(before, /^GET \/api\/ps$/);
    console.log(`50 probes (10 waves of 5) in ${seconds.toFixed(1)} s: ${ps} /api/ps calls, slowest ${Math.max(...answers.map((x) => x.ms))} ms`);
    expect(ps).toBeLessThanOrEqual(Math.ceil(seconds / 5) + 1);
});

test("GPU share below 100%: 503 naming the GPU and the model", async () => {
    startOllama({ STANDIN_GPU_SHARE: "0.6" });
    loadModel();
    const a = await healthUntil((x) => x.status === 503);
    expect(a.json.failed).toEqual(["gpu"]);
    expect(a.json.checks.gpu?.reason).toBe(`${model} on ollama: only 60% on the GPU, the rest runs on the CPU (${Math.round(8098048000 * 0.6)} of 8098048000 bytes in GPU memory)`);
    startOllama({});
    loadModel();
    await healthUntil((x) => x.status === 200);
});

test("the watchdog gave up: 503 naming the watchdog", async () => {
    fs.writeFileSync(path.join(watchdogDir, "gave-up"), "gave up after 3 heals within 3600 s\n", { mode: 0o644 });
    const a = await healthUntil((x) => x.status === 503);
    expect(a.json.failed).toEqual(["watchdog"]);
    expect(a.json.checks.watchdog?.reason).toMatch(/^the GPU watchdog gave up healing the Ollama container at \d{4}-/);
    fs.rmSync(path.join(watchdogDir, "gave-up"));
    await healthUntil((x) => x.status === 200);
});

test("backups: stale is 503, missing while backups are on is 503 \"no backup yet\"", async () => {
    writeBackup(30 * 3600);
    const stale = await healthUntil((x) => x.status === 503);
    expect(stale.json.failed).toEqual(["backup"]);
    expect(stale.json.checks.backup?.reason).toBe("the last good backup is 30 h old (limit 26 h): backups have stopped working");
    fs.rmSync(path.join(backupDir, "last-success.json"));
    const missing = await healthUntil((x) => x.json.checks.backup?.reason.startsWith("no backup yet") === true);
    expect(missing.status).toBe(503);
    writeBackup(60);
    await healthUntil((x) => x.status === 200);
});

test("the responder down: Caddy answers 503 with a JSON body, not a 502; back up, 200 again", async () => {
    docker(["stop", "-t", "5", healthName]);
    const down = await request("/healthz");
    expect(down.status).toBe(503);
    expect(down.type).toBe("application/json");
    const json = JSON.parse(down.body) as HealthAnswer;
    expect(json).toMatchObject({ status: "failing", failed: ["responder"], checks: { responder: { ok: false, proxyStatus: 502 } } });
    // The app is unaffected.
    expect((await request("/", { auth: `${USER}:${PASSWORD}` })).body).toBe("frontend /\n");
    docker(["start", healthName]);
    await healthUntil((x) => x.status === 200);
});
