/**
 * The native Ollama lifecycle (Linux path) run for real: the exact command lines and environment
 * the component registers (from a mocks render of dev), against the stand-in `ollama`, with real
 * PIDs and ports. Every process a test starts is stopped in afterEach, by PID.
 */
import * as fs from "fs";
import * as path from "path";
import {
    alive, answers, cmdline, freePort, http, MODEL, NativeRender, renderNative, renderNativeInChildProcess, RunResult, Sandbox, scriptResults, STANDIN, waitFor,
} from "./support/native";

jest.setTimeout(30000);

let r: NativeRender;
let sb: Sandbox;

beforeAll(async () => {
    r = await renderNative();
});

beforeEach(async () => {
    sb = await new Sandbox().init();
});

afterEach(async () => {
    await sb.cleanup();
});

const create = (extra: Record<string, string> = {}) => sb.run(r.server.inputs.create, sb.envOf(r.server, extra));
const del = (previous: RunResult, extra: Record<string, string> = {}) =>
    sb.run(r.server.inputs.delete, sb.envOf(r.server, { PULUMI_COMMAND_STDOUT: previous.stdout, PULUMI_COMMAND_STDERR: previous.stderr, ...extra }));
/** Model and GPU commands get OLLAMA_URL from the server's stdout, as the component wires it. */
const withUrl = (start: RunResult, extra: Record<string, string> = {}) => ({ OLLAMA_URL: scriptResults(start.stdout).url, ...extra });
const pidOf = (res: RunResult) => Number(scriptResults(res.stdout).pid);

function expectOk(res: RunResult): void {
    if (res.code !== 0) throw new Error(`exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
}

test("start returns promptly, the server keeps running detached in its own session, and urlForHost is what it bound", async () => {
    const res = await create();
    expectOk(res);
    const pid = pidOf(res);
    // The command resource returns only when every holder of its stdout/stderr has closed them.
    expect(res.ms).toBeLessThan(10000);
    console.log(`native start to ready (stand-in, pipes closed): ${res.ms} ms`);
    expect(fs.readFileSync(sb.pidfile, "utf8").trim()).toBe(String(pid));
    expect(cmdline(pid)).toMatch(/ollama.*serve/);
    // setsid: the server leads its own session, so Pulumi's signals to its process group miss it.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    expect(Number(stat[3])).toBe(pid); // session id (field 6)
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alive(pid)).toBe(true);
    expect(await answers(sb.url)).toBe(true);
    expect(scriptResults(res.stdout)).toMatchObject({ url: sb.url, managed: `pidfile:${sb.pidfile}`, version: "0.12.6" });
    expect(fs.readFileSync(path.join(sb.state, "ollama.log"), "utf8")).toContain(`Listening on 127.0.0.1:${sb.port}`);
});

test("the server gets its environment from config: origins of the frontend (not *), keep-alive, models dir, host", async () => {
    const env = sb.envOf(r.server);
    expect(env.OLLAMA_ORIGINS).toBe("http://localhost:3000");
    expect(env.OLLAMA_HOST).toBe(`127.0.0.1:${sb.port}`);
    expectOk(await create());
    const log = fs.readFileSync(path.join(sb.state, "ollama.log"), "utf8");
    expect(log).toContain("OLLAMA_ORIGINS:[http://localhost:3000]");
    expect(log).toContain("OLLAMA_KEEP_ALIVE:24h");
    expect(log).toContain(`OLLAMA_MODELS:${sb.models}`);
});

test("double start leaves one server: the second create reuses the running one", async () => {
    const first = await create();
    expectOk(first);
    const second = await create();
    expectOk(second);
    expect(second.stdout).toContain("already runs");
    expect(pidOf(second)).toBe(pidOf(first));
    expect(fs.readFileSync(sb.pidfile, "utf8").trim()).toBe(String(pidOf(first)));
    expect(fs.readFileSync(path.join(sb.state, "ollama.log"), "utf8").match(/Listening on/g)).toHaveLength(1);
});

test("a port held by a program that is not Ollama: clear error naming the port and the process; it is left running", async () => {
    // The holder reports the port it holds, so the process the script must name is certainly ours.
    const holder = await sb.holdPort("nope\n");
    const res = await create();
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`port ${sb.port}`);
    expect(res.stderr).toContain("not Ollama");
    expect(res.stderr).toContain(`pid ${holder.pid}`);
    expect(res.stderr).toMatch(/stop that program or choose another rag-stack:ollama.port/);
    expect(alive(holder.pid!)).toBe(true);
    expect(fs.existsSync(sb.pidfile)).toBe(false);
});

test("a port answered by another Ollama (Ollama.app, brew services): refused with how to free it; never stopped", async () => {
    const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
    expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
    const res = await create();
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`port ${sb.port}: another Ollama 0.12.6 already answers`);
    expect(res.stderr).toContain(`pid ${foreign.pid}`);
    expect(res.stderr).toContain("brew services stop ollama");
    expect(res.stderr).toContain("rag-stack:ollama.adoptExisting: true");
    expect(alive(foreign.pid!)).toBe(true);
});

test("stale pidfile whose PID now belongs to another program: start ignores it, starts ours, and never kills it", async () => {
    const other = sb.spawn("sleep", ["30"]);
    fs.mkdirSync(sb.state, { recursive: true });
    fs.writeFileSync(sb.pidfile, `${other.pid}\n`);
    const res = await create();
    expectOk(res);
    expect(res.stdout).toContain(`stale pidfile: pid ${other.pid} is now "sleep 30"`);
    expect(pidOf(res)).not.toBe(other.pid);
    expect(alive(other.pid!)).toBe(true);
    expect(await answers(sb.url)).toBe(true);
});

test("delete with a pidfile whose PID is another program, or another `ollama serve` started later: left alone", async () => {
    fs.mkdirSync(sb.state, { recursive: true });
    const other = sb.spawn("sleep", ["30"]);
    fs.writeFileSync(sb.pidfile, `${other.pid}\n`);
    const byOther = await del({ code: 0, stdout: `@ollama managed=pidfile:${sb.pidfile}\n`, stderr: "", ms: 0 });
    expectOk(byOther);
    expect(byOther.stdout).toContain("not our ollama serve; leaving it alone");
    expect(alive(other.pid!)).toBe(true);
    expect(fs.existsSync(sb.pidfile)).toBe(false);

    // The PID was reused by someone's own `ollama serve`: its start time differs from the recorded one.
    const otherPort = await freePort();
    const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${otherPort}`, OLLAMA_MODELS: sb.models });
    expect(await waitFor(() => answers(`http://127.0.0.1:${otherPort}`), 5000)).toBe(true);
    expect(cmdline(foreign.pid!)).toMatch(/ollama.*serve/);
    fs.writeFileSync(sb.pidfile, `${foreign.pid}\n`);
    fs.writeFileSync(path.join(sb.state, "ollama.started"), "Thu Jan  1 00:00:00 1970\n");
    const byForeign = await del({ code: 0, stdout: `@ollama managed=pidfile:${sb.pidfile}\n`, stderr: "", ms: 0 });
    expectOk(byForeign);
    expect(byForeign.stdout).toContain("leaving it alone");
    expect(alive(foreign.pid!)).toBe(true);
});

test("health timeout: fails with the last lines of the log, and stops the server it started", async () => {
    // Long enough for the stand-in (a node process) to log its first line on a loaded CI machine;
    // with 1 s the log was still empty once, and the tail under test was missing.
    const res = await create({ RAG_OLLAMA_READY_TIMEOUT: "4", STANDIN_STARTUP_DELAY_MS: "20000" });
    expect(res.code).toBe(5);
    expect(res.stderr).toContain(`Ollama did not become ready on ${sb.url}`);
    expect(res.stderr).toContain("last lines of");
    expect(res.stderr).toMatch(/\| .*server config env/);
    expect(res.stderr).toContain("rag-stack:ollama.readyTimeoutSeconds");
    const startedPid = Number(/start: pid (\d+)/.exec(res.stdout)?.[1]);
    sb.track(startedPid);
    expect(await waitFor(() => !alive(startedPid), 3000)).toBe(true);
    expect(fs.existsSync(sb.pidfile)).toBe(false);
});

test("a server that exits at once (address not on this host) fails fast with its own error from the log", async () => {
    const res = await create({ OLLAMA_HOST: `192.0.2.123:${sb.port}` });
    expect(res.code).toBe(5);
    expect(res.stdout).toContain("exited before answering");
    expect(res.stderr).toMatch(/listen tcp 192\.0\.2\.123:\d+: bind: cannot assign requested address/);
    expect(res.ms).toBeLessThan(10000);
});

test("auto bind on Linux listens on the Docker bridge gateway; none found is a clear error", async () => {
    // A stand-in `docker` answering what `docker network inspect bridge` says on this kind of host.
    sb.fake("docker", "#!/bin/sh\n[ \"$1 $2 $3\" = 'network inspect bridge' ] && echo '127.0.0.1 ' && exit 0\nexit 1\n");
    const res = await create({ OLLAMA_HOST: `auto:${sb.port}` });
    expectOk(res);
    expect(res.stdout).toContain("bind: auto -> 127.0.0.1 (the Docker bridge gateway, where host-gateway points)");
    expect(scriptResults(res.stdout).url).toBe(sb.url);
    expectOk(await del(res));

    sb.fake("docker", "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n");
    sb.fake("ip", "#!/bin/sh\nexit 1\n");
    const none = await create({ OLLAMA_HOST: `auto:${sb.port}` });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain("no Docker bridge gateway found");
    expect(none.stderr).toContain("rag-stack:ollama.bindAddress");
});

test("model present: skipped without a pull", async () => {
    const requests = path.join(sb.dir, "requests.log");
    const start = await create({ STANDIN_PRELOADED_MODELS: MODEL, STANDIN_REQUEST_LOG: requests });
    expectOk(start);
    const res = await sb.run(r.model.inputs.create, sb.envOf(r.model, withUrl(start)));
    expectOk(res);
    expect(res.stdout).toContain(`${MODEL} already present, nothing to pull`);
    expect(fs.readFileSync(requests, "utf8")).not.toContain("/api/pull");
});

test("model missing: pulled with progress lines, then listed", async () => {
    const start = await create();
    expectOk(start);
    const res = await sb.run(r.model.inputs.create, sb.envOf(r.model, withUrl(start)));
    expectOk(res);
    expect(res.stdout).toContain("model: pulling manifest");
    expect(res.stdout).toMatch(/model: pulling [0-9a-f]{12} 50% \(4\.0 of 8\.1 GB\)/);
    expect(res.stdout).toContain("model: success");
    expect((await http(`${sb.url}/api/tags`)).text).toContain(`"name":"${MODEL}"`);
    // Models are files of the store: deleting the server never touches them.
    expectOk(await del(start));
    expect(fs.existsSync(path.join(sb.models, "manifests", "registry.ollama.ai", "library", "qwen2.5", "7b-instruct-q8_0"))).toBe(true);
});

test("pull failure fails the resource with Ollama's own message", async () => {
    const start = await create({ STANDIN_PULL_FAIL: "*" });
    expectOk(start);
    const res = await sb.run(r.model.inputs.create, sb.envOf(r.model, withUrl(start)));
    expect(res.code).toBe(6);
    expect(res.stderr).toContain(`pulling ${MODEL} failed: pull model manifest: file does not exist`);
    expect(res.stderr).toContain("https://ollama.com/library");
});

test("GPU check: 100% in VRAM becomes processor \"100% GPU\"", async () => {
    const start = await create({ STANDIN_PRELOADED_MODELS: MODEL });
    expectOk(start);
    const res = await sb.run(r.gpu.inputs.create, sb.envOf(r.gpu, withUrl(start)));
    expectOk(res);
    expect(scriptResults(res.stdout).processor).toBe("100% GPU");
    expect((await http(`${sb.url}/api/ps`)).text).toContain(`"name":"${MODEL}"`);
});

test("GPU check: below 100% with accelerator metal fails up, naming the Docker-on-Mac trap", async () => {
    expect(sb.envOf(r.gpu).RAG_OLLAMA_ACCELERATOR).toBe("metal");
    const start = await create({ STANDIN_PRELOADED_MODELS: MODEL, STANDIN_GPU_SHARE: "0.37" });
    expectOk(start);
    const res = await sb.run(r.gpu.inputs.create, sb.envOf(r.gpu, withUrl(start)));
    expect(res.code).toBe(6);
    expect(scriptResults(res.stdout).processor).toBe("63%/37% CPU/GPU");
    expect(res.stderr).toContain("runs 63%/37% CPU/GPU, but rag-stack:ollama.accelerator is metal, which needs 100% GPU");
    expect(res.stderr).toContain("Ollama in Docker on a Mac runs in a Linux VM without Metal");
});

test("GPU check with accelerator cpu reports \"100% CPU\" and passes", async () => {
    const start = await create({ STANDIN_PRELOADED_MODELS: MODEL, STANDIN_GPU_SHARE: "0" });
    expectOk(start);
    const res = await sb.run(r.gpu.inputs.create, sb.envOf(r.gpu, withUrl(start, { RAG_OLLAMA_ACCELERATOR: "cpu" })));
    expectOk(res);
    expect(scriptResults(res.stdout).processor).toBe("100% CPU");
});

test("update: a new model is pulled without restarting the server", async () => {
    const start = await create({ STANDIN_PRELOADED_MODELS: MODEL });
    expectOk(start);
    const res = await sb.run(r.model.inputs.create, sb.envOf(r.model, withUrl(start, { OLLAMA_MODEL: "llama3.2:3b" })));
    expectOk(res);
    expect(res.stdout).toContain("model: llama3.2:3b pulled");
    expect(alive(pidOf(start))).toBe(true);
    expect(fs.readFileSync(sb.pidfile, "utf8").trim()).toBe(String(pidOf(start)));
    // And the server resource's inputs do not mention the model at all: changing it cannot touch the server.
    expect(JSON.stringify(r.server.inputs)).not.toContain(MODEL);
});

test("update: changed server settings restart the server (old PID gone, one new server with the new setting)", async () => {
    const start = await create();
    expectOk(start);
    const oldPid = pidOf(start);
    // The environment the component registers for the changed setting (its run hash changes with it).
    const changed = renderNativeInChildProcess({ "ollama.keepAlive": "30m" });
    expect(sb.envOf(changed.server).RAG_OLLAMA_RUN_HASH).not.toBe(sb.envOf(r.server).RAG_OLLAMA_RUN_HASH);
    const res = await sb.run(changed.server.inputs.update, sb.envOf(changed.server, {
        PULUMI_COMMAND_STDOUT: start.stdout,
        PULUMI_COMMAND_STDERR: start.stderr,
    }));
    expectOk(res);
    const newPid = pidOf(res);
    expect(newPid).not.toBe(oldPid);
    expect(await waitFor(() => !alive(oldPid), 3000)).toBe(true);
    expect(alive(newPid)).toBe(true);
    expect(fs.readFileSync(sb.pidfile, "utf8").trim()).toBe(String(newPid));
    const log = fs.readFileSync(path.join(sb.state, "ollama.log"), "utf8");
    expect(log.match(/Listening on/g)).toHaveLength(2);
    expect(log).toContain("OLLAMA_KEEP_ALIVE:30m");
});

test("delete twice: the first stops our server and removes the pidfile, the second succeeds as already stopped", async () => {
    const start = await create();
    expectOk(start);
    const pid = pidOf(start);
    const first = await del(start);
    expectOk(first);
    expect(first.stdout).toContain(`SIGTERM to pid ${pid} (our ollama serve)`);
    expect(alive(pid)).toBe(false);
    expect(fs.existsSync(sb.pidfile)).toBe(false);
    expect(await answers(sb.url)).toBe(false);
    const second = await del(start);
    expectOk(second);
    expect(second.stdout).toContain("already stopped");
});

test("delete with a previous output it cannot read: exit 2, stops nothing, and says where the manual stop is written down", async () => {
    const start = await create();
    expectOk(start);
    const pid = pidOf(start);
    const res = await del({ ...start, stdout: "@ollama managed=something-else\n" });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
        'ollama-native: error: stop: unknown record "something-else" in the previous output; stop the server by hand (see docs/native-ollama.md, "Stopping it by hand")',
    );
    expect(fs.readFileSync(path.join(__dirname, "..", "..", "docs", "native-ollama.md"), "utf8")).toContain("\n## Stopping it by hand (never `pkill`)\n");
    expect(alive(pid)).toBe(true);
    expectOk(await del(start));
});

test("listening off loopback while another Ollama answers on 127.0.0.1 with the same port: refused (no second server on the GPU)", async () => {
    const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
    expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
    // 127.0.0.2 stands for the Docker bridge gateway: another address of this host, same port.
    const res = await create({ OLLAMA_HOST: `127.0.0.2:${sb.port}` });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`another Ollama 0.12.6 already answers on 127.0.0.1:${sb.port}`);
    expect(res.stderr).toContain("where containers cannot reach it");
    expect(res.stderr).toContain("sudo systemctl stop ollama");
    expect(alive(foreign.pid!)).toBe(true);
    expect(fs.existsSync(sb.pidfile)).toBe(false);
});

test("only the stack's OLLAMA_* reach the server: the shell's OLLAMA_CONTEXT_LENGTH (the command provider passes the whole environment) does not", async () => {
    const seen = path.join(sb.dir, "server-env.json");
    const start = await create({ OLLAMA_CONTEXT_LENGTH: "32768", OLLAMA_NEW_ENGINE: "1", STANDIN_ENV_FILE: seen, STANDIN_PRELOADED_MODELS: MODEL });
    expectOk(start);
    expect(start.stdout).toContain("server env: OLLAMA_CONTEXT_LENGTH is set in this environment but not by the stack; not passed to the server");
    expect(start.stdout).toContain("server env: OLLAMA_NEW_ENGINE is set in this environment but not by the stack");
    expect(JSON.parse(fs.readFileSync(seen, "utf8"))).toEqual({
        OLLAMA_HOST: `127.0.0.1:${sb.port}`,
        OLLAMA_KEEP_ALIVE: "24h",
        OLLAMA_MODELS: sb.models,
        OLLAMA_ORIGINS: "http://localhost:3000",
    });
    // The GPU check loads the model: the server runs Ollama's default context, which the capacity check budgets.
    expectOk(await sb.run(r.gpu.inputs.create, sb.envOf(r.gpu, withUrl(start))));
    const ps = JSON.parse((await http(`${sb.url}/api/ps`)).text) as { models: { context_length: number }[] };
    expect(ps.models[0].context_length).toBe(4096);
});

test("an exported http_proxy never carries the scripts' requests to our own server (curl would send 127.0.0.1 through it)", async () => {
    // A proxy that answers every request itself, as a corporate one does for a host it cannot reach.
    const proxied = path.join(sb.dir, "proxied.log");
    const proxy = sb.spawn(process.execPath, ["-e",
        `const fs = require("fs"); require("http").createServer((q, s) => { fs.appendFileSync(${JSON.stringify(proxied)}, q.url + "\\n"); s.writeHead(502); s.end("proxy: bad gateway"); })` +
        `.listen(0, "127.0.0.1", function () { fs.writeFileSync(${JSON.stringify(proxied + ".port")}, String(this.address().port)); });`]);
    expect(await waitFor(() => fs.existsSync(`${proxied}.port`), 5000)).toBe(true);
    const proxyUrl = `http://127.0.0.1:${fs.readFileSync(`${proxied}.port`, "utf8")}`;
    const viaProxy = { http_proxy: proxyUrl, HTTP_PROXY: proxyUrl, https_proxy: proxyUrl, all_proxy: proxyUrl };
    const start = await create(viaProxy);
    expectOk(start);
    expectOk(await sb.run(r.model.inputs.create, sb.envOf(r.model, withUrl(start, viaProxy))));
    expectOk(await sb.run(r.gpu.inputs.create, sb.envOf(r.gpu, withUrl(start, viaProxy))));
    expectOk(await sb.run(r.check.args.command, sb.envOf(r.check, viaProxy)));
    expect(fs.existsSync(proxied) ? fs.readFileSync(proxied, "utf8") : "").toBe("");
    expect(alive(proxy.pid!)).toBe(true);
});

describe("the holder check at every up and preview (native-check.sh, an invoke), Linux", () => {
    test("nothing listens, then our server: passes", async () => {
        const before = await sb.run(r.check.args.command, sb.envOf(r.check));
        expectOk(before);
        expect(before.stdout).toContain("nothing listens");
        const start = await create();
        expectOk(start);
        const res = await sb.run(r.check.args.command, sb.envOf(r.check));
        expectOk(res);
        expect(res.stdout).toContain(`is this stack's server, pid ${pidOf(start)} (${sb.pidfile})`);
    });

    test("another Ollama on the port while ours is gone: fails naming its pid; passes when the stack adopts it", async () => {
        const start = await create();
        expectOk(start);
        process.kill(pidOf(start), "SIGTERM");
        expect(await waitFor(() => !alive(pidOf(start)), 3000)).toBe(true);
        const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
        expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
        const res = await sb.run(r.check.args.command, sb.envOf(r.check));
        expect(res.code).toBe(4);
        expect(res.stderr).toContain(`port ${sb.port} is held by pid ${foreign.pid}: `);
        expect(res.stderr).toContain("not by this stack's server (none of ours runs)");
        expect(res.stderr).toContain("pulumi up --replace");
        const adopted = await sb.run(r.check.args.command, sb.envOf(r.check, { RAG_OLLAMA_ADOPT: "true" }));
        expectOk(adopted);
        expect(adopted.stdout).toContain("this stack adopts");
        expect(alive(foreign.pid!)).toBe(true);
    });
});
