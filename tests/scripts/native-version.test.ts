/**
 * rag-stack:ollama.minVersion run for real (Linux path): the exact commands and environment the
 * component registers, against the stand-in `ollama` (STANDIN_VERSION sets the version its client
 * and its server report). An older binary is refused before anything starts; an equal or newer one
 * starts and says its version; an adopted server is judged by its /api/version; an unreadable
 * version is refused with what was printed; a change of the minimum alone checks the running server
 * without restarting it. Every process a test starts is stopped in afterEach, by PID.
 */
import * as fs from "fs";
import {
    alive, answers, NativeRender, renderNative, renderNativeInChildProcess, RunResult, Sandbox, scriptResults, STANDIN, waitFor,
} from "./support/native";

jest.setTimeout(30000);

let r: NativeRender;
let adopting: NativeRender;
let lower: NativeRender;
let higher: NativeRender;
let sb: Sandbox;

beforeAll(async () => {
    r = await renderNative();
    adopting = renderNativeInChildProcess({ "ollama.adoptExisting": true });
    lower = renderNativeInChildProcess({ "ollama.minVersion": "0.12.5" });
    higher = renderNativeInChildProcess({ "ollama.minVersion": "0.13.0" });
}, 60_000);

beforeEach(async () => {
    sb = await new Sandbox().init();
});

afterEach(async () => {
    await sb.cleanup();
});

function expectOk(res: RunResult): void {
    if (res.code !== 0) throw new Error(`exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
}
const create = (render: NativeRender, extra: Record<string, string> = {}) => sb.run(render.server.inputs.create, sb.envOf(render.server, extra));
const update = (render: NativeRender, previous: RunResult, extra: Record<string, string> = {}) =>
    sb.run(render.server.inputs.update, sb.envOf(render.server, { PULUMI_COMMAND_STDOUT: previous.stdout, PULUMI_COMMAND_STDERR: previous.stderr, ...extra }));
const pidOf = (res: RunResult) => Number(scriptResults(res.stdout).pid);

/** Refused before anything started: no server process, no pidfile, nothing on the port. */
async function nothingStarted(res: RunResult): Promise<void> {
    expect(res.stdout).not.toMatch(/start: pid \d+/);
    expect(fs.existsSync(sb.pidfile)).toBe(false);
    expect(await answers(sb.url)).toBe(false);
}

test("the minimum reaches the server command and the check: the tested release by default, the configured one otherwise", () => {
    expect(sb.envOf(r.server).RAG_OLLAMA_MIN_VERSION).toBe("0.12.6");
    expect(sb.envOf(r.check).RAG_OLLAMA_MIN_VERSION).toBe("0.12.6");
    expect(sb.envOf(lower.server).RAG_OLLAMA_MIN_VERSION).toBe("0.12.5");
});

test("an older ollama is refused before anything starts, naming the version, the minimum, the key and the upgrade command", async () => {
    const res = await create(r, { STANDIN_VERSION: "0.9.0" });
    expect(res.code).toBe(7);
    expect(res.stderr).toContain(
        `ollama-native: error: ${STANDIN} is ollama 0.9.0, older than 0.12.6, the oldest this stack runs (rag-stack:ollama.minVersion). ` +
            "Upgrade it: curl -fsSL https://ollama.com/install.sh | sh; then run pulumi up again. Nothing was started",
    );
    await nothingStarted(res);
    expect(fs.existsSync(sb.state)).toBe(false);
});

test("the same ollama as the minimum starts and says its version; a newer one too", async () => {
    const same = await create(r);
    expectOk(same);
    expect(same.stdout).toContain(`ollama-native: version: ${STANDIN}: ollama 0.12.6 (minimum 0.12.6)`);
    expect(alive(pidOf(same))).toBe(true);
    expectOk(await sb.run(r.server.inputs.delete, sb.envOf(r.server, { PULUMI_COMMAND_STDOUT: same.stdout })));

    const newer = await create(r, { STANDIN_VERSION: "1.0.0" });
    expectOk(newer);
    expect(newer.stdout).toContain(`ollama 1.0.0 (minimum 0.12.6)`);
    expect(scriptResults(newer.stdout).version).toBe("1.0.0");
});

test("a release candidate comes before its release: 0.12.6-rc1 is refused by 0.12.6, started with minVersion 0.12.5", async () => {
    const refused = await create(r, { STANDIN_VERSION: "0.12.6-rc1" });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("is ollama 0.12.6-rc1, older than 0.12.6");
    await nothingStarted(refused);
    const started = await create(lower, { STANDIN_VERSION: "0.12.6-rc1" });
    expectOk(started);
    expect(started.stdout).toContain("ollama 0.12.6-rc1 (minimum 0.12.5)");
});

test("a version that cannot be read is refused with what was printed", async () => {
    const odd = sb.fake("odd-ollama", "#!/bin/sh\necho 'ollama: cannot execute: Bad CPU type in executable'\nexit 1\n");
    const none = await create(r, { RAG_OLLAMA_BINARY: odd });
    expect(none.code).toBe(7);
    expect(none.stderr).toContain(`${odd} --version names no version (it printed: ollama: cannot execute: Bad CPU type in executable)`);
    await nothingStarted(none);

    const garbage = await create(r, { STANDIN_VERSION: "main" });
    expect(garbage.code).toBe(7);
    expect(garbage.stderr).toContain(`${STANDIN} --version names main, which is not a version X.Y.Z this stack can compare with 0.12.6 (rag-stack:ollama.minVersion)`);
    expect(garbage.stderr).toContain("Warning: client version is main");
    await nothingStarted(garbage);
});

test("adopting, the adopted server's version decides, not the binary's (an old binary beside a current server)", async () => {
    const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
    expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
    const res = await sb.run(r.check.args.command, sb.envOf(r.check, { STANDIN_VERSION: "0.9.0" }));
    // The check fails on the foreign holder (4) before any version: no binary is about to start.
    expect(res.code).toBe(4);
    const adopted = await create(adopting, { STANDIN_VERSION: "0.9.0" });
    // Adopted: the binary is not run at all, the server's own version decides.
    expectOk(adopted);
    expect(adopted.stdout).toContain(`version: the Ollama on ${sb.url} to adopt: ollama 0.12.6 (minimum 0.12.6)`);
    expect(alive(foreign.pid!)).toBe(true);
});

test("an adopted server older than the minimum is refused by its /api/version, left running; the check at every preview says so too", async () => {
    const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models, STANDIN_VERSION: "0.9.0" });
    expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
    const res = await create(adopting);
    expect(res.code).toBe(7);
    expect(res.stderr).toContain(
        `port ${sb.port}: the Ollama this stack would adopt (rag-stack:ollama.adoptExisting) is ollama 0.9.0 (${sb.url}/api/version), older than 0.12.6, ` +
            "the oldest this stack runs (rag-stack:ollama.minVersion). Upgrade that server's ollama (curl -fsSL https://ollama.com/install.sh | sh) and restart it",
    );
    expect(res.stdout).not.toContain("rag-stack will never stop it");
    expect(alive(foreign.pid!)).toBe(true);
    const check = await sb.run(adopting.check.args.command, sb.envOf(adopting.check));
    expect(check.code).toBe(7);
    expect(check.stderr).toContain("the Ollama this stack adopts (rag-stack:ollama.adoptExisting) is ollama 0.9.0");
});

test("the check at every preview: with nothing on the port, an older binary fails there, before `up` starts anything", async () => {
    const res = await sb.run(r.check.args.command, sb.envOf(r.check, { STANDIN_VERSION: "0.9.0" }));
    expect(res.code).toBe(7);
    expect(res.stderr).toContain("is ollama 0.9.0, older than 0.12.6");
    const ok = await sb.run(r.check.args.command, sb.envOf(r.check));
    expectOk(ok);
    expect(ok.stdout).toContain("ollama 0.12.6 (minimum 0.12.6)");
});

test("a lower minimum alone is an update that keeps the running server (same pid, no second start)", async () => {
    const start = await create(r);
    expectOk(start);
    expect(sb.envOf(lower.server).RAG_OLLAMA_RUN_HASH).toBe(sb.envOf(r.server).RAG_OLLAMA_RUN_HASH);
    const res = await update(lower, start);
    expectOk(res);
    expect(res.stdout).toContain("checking the running server instead of restarting it");
    expect(res.stdout).toContain("ollama 0.12.6 (minimum 0.12.5)");
    expect(pidOf(res)).toBe(pidOf(start));
    expect(alive(pidOf(start))).toBe(true);
    expect(fs.readFileSync(`${sb.state}/ollama.log`, "utf8").match(/Listening on/g)).toHaveLength(1);
});

test("a minimum above the running server: refused before it is stopped; once the binary is upgraded, the update restarts it with it", async () => {
    const start = await create(r);
    expectOk(start);
    const refused = await update(higher, start);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("is ollama 0.12.6, older than 0.13.0");
    expect(alive(pidOf(start))).toBe(true);

    // `brew upgrade ollama` / the install script: the binary now says 0.13.1; the running server still 0.12.6.
    const upgraded = await update(higher, start, { STANDIN_VERSION: "0.13.1" });
    expectOk(upgraded);
    expect(upgraded.stdout).toContain("runs ollama 0.12.6, older than 0.13.0");
    expect(pidOf(upgraded)).not.toBe(pidOf(start));
    expect(await waitFor(() => !alive(pidOf(start)), 3000)).toBe(true);
    expect(scriptResults(upgraded.stdout).version).toBe("0.13.1");
    expect(fs.readFileSync(sb.pidfile, "utf8").trim()).toBe(String(pidOf(upgraded)));
});
