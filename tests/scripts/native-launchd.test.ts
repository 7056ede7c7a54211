/**
 * The macOS path (launchd LaunchAgent) on Linux: the plist the start script renders is checked with
 * two real plist parsers (python3 plistlib, libplist's plistutil), and the whole lifecycle runs with
 * `uname -s` answering Darwin and a stand-in `launchctl` (tests/scripts/fixtures/launchctl) that
 * records its command lines and really starts the agent from the plist.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { answers, FIXTURES, NativeRender, renderNative, RunResult, Sandbox, scriptResults, STANDIN } from "./support/native";

jest.setTimeout(30000);

const LABEL = "local.rag-stack.dev.ollama";
let r: NativeRender;
let sb: Sandbox;
const uid = process.getuid!();

beforeAll(async () => {
    // bindAddress left at its default, auto: on macOS the script resolves it to 127.0.0.1.
    r = await renderNative({ "ollama.bindAddress": "auto" });
});

beforeEach(async () => {
    sb = await new Sandbox().init();
    sb.fake("uname", "#!/bin/sh\nif [ \"${1:-}\" = -s ]; then echo Darwin; else exec /bin/uname \"$@\"; fi\n");
    fs.rmSync(path.join(sb.bin, "launchctl"));
    fs.symlinkSync(path.join(FIXTURES, "launchctl"), path.join(sb.bin, "launchctl"));
});

afterEach(async () => {
    await sb.cleanup();
});

const launchctlDir = () => path.join(sb.dir, "launchctl");
const env = (extra: Record<string, string> = {}) => sb.envOf(r.server, { FAKE_LAUNCHCTL_DIR: launchctlDir(), ...extra });
const calls = () => {
    const file = path.join(launchctlDir(), "calls.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
};
const plistPath = () => path.join(sb.home, "Library", "LaunchAgents", `${LABEL}.plist`);
const logPath = () => path.join(sb.home, "Library", "Logs", LABEL, "ollama.log");
const previous = (res: RunResult) => ({ PULUMI_COMMAND_STDOUT: res.stdout, PULUMI_COMMAND_STDERR: res.stderr });

function expectOk(res: RunResult): void {
    if (res.code !== 0) throw new Error(`exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
}

function parsePlist(file: string): Record<string, unknown> {
    return JSON.parse(execFileSync("python3", ["-c",
        "import json, plistlib, sys\nwith open(sys.argv[1], 'rb') as f:\n    print(json.dumps(plistlib.load(f)))", file], { encoding: "utf8" }));
}

test("the LaunchAgent plist: label, `ollama serve`, config environment, KeepAlive, RunAtLoad, logs under ~/Library/Logs/<label>", async () => {
    const res = await sb.run(`${String(r.server.inputs.create)} --render-plist`, env());
    expectOk(res);
    const file = path.join(sb.dir, "agent.plist");
    fs.writeFileSync(file, res.stdout);
    const plist = parsePlist(file);
    expect(plist).toEqual({
        Label: LABEL,
        ProgramArguments: [STANDIN, "serve"],
        EnvironmentVariables: {
            OLLAMA_HOST: `127.0.0.1:${sb.port}`,
            OLLAMA_ORIGINS: "http://localhost:3000",
            OLLAMA_MODELS: sb.models,
            OLLAMA_KEEP_ALIVE: "24h",
            HOME: sb.home,
            PATH: "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
        },
        RunAtLoad: true,
        KeepAlive: true,
        ProcessType: "Interactive",
        StandardOutPath: logPath(),
        StandardErrorPath: logPath(),
    });
    // libplist agrees: XML -> binary -> the same document.
    const bin = path.join(sb.dir, "agent.bin.plist");
    const conv = spawnSync("plistutil", ["-i", file, "-o", bin, "-f", "bin"], { encoding: "utf8" });
    if (conv.error && (conv.error as NodeJS.ErrnoException).code === "ENOENT") {
        console.warn("plistutil not installed (Debian libplist-utils): binary round trip skipped");
    } else {
        expect(conv.status).toBe(0);
        expect(fs.readFileSync(bin).subarray(0, 8).toString()).toBe("bplist00");
        expect(parsePlist(bin)).toEqual(plist);
    }
});

test("start on macOS: plist in ~/Library/LaunchAgents, `launchctl bootstrap gui/<uid> <plist>`, server answers on 127.0.0.1", async () => {
    const res = await sb.run(r.server.inputs.create, env());
    expectOk(res);
    expect(res.stdout).toContain("bind: auto -> 127.0.0.1 (Docker Desktop forwards host.docker.internal to the Mac's loopback)");
    expect(calls()).toEqual([
        `print gui/${uid}/${LABEL}`,
        `enable gui/${uid}/${LABEL}`,
        `bootstrap gui/${uid} ${plistPath()}`,
        `print gui/${uid}/${LABEL}`,
    ]);
    expect(parsePlist(plistPath()).Label).toBe(LABEL);
    expect(scriptResults(res.stdout)).toMatchObject({ url: sb.url, managed: `launchd:${LABEL}`, log: logPath() });
    expect(Number(scriptResults(res.stdout).pid)).toBeGreaterThan(0);
    expect(await answers(sb.url)).toBe(true);
    expect(fs.readFileSync(logPath(), "utf8")).toContain(`Listening on 127.0.0.1:${sb.port}`);
});

test.each(["002", "000"])("macOS with umask %s: the plist is written 0644, which launchd accepts (group- or world-writable it refuses with 5)", async (umask) => {
    const res = await sb.run(`umask ${umask}; ${r.server.inputs.create}`, env({ RAG_OLLAMA_LAUNCHD_TIMEOUT: "3" }));
    expectOk(res);
    expect(fs.statSync(plistPath()).mode & 0o777).toBe(0o644);
    expect(fs.existsSync(path.join(launchctlDir(), "refused.log"))).toBe(false);
    expect(calls().filter((c) => c.startsWith("bootstrap"))).toHaveLength(1);
    expect(await answers(sb.url)).toBe(true);
});

test("the stand-in launchctl refuses a group-writable plist as launchd does, so the test above can fail", () => {
    const plist = path.join(sb.dir, "writable.plist");
    fs.writeFileSync(plist, "<plist/>", { mode: 0o664 });
    fs.chmodSync(plist, 0o664);
    const res = spawnSync(path.join(sb.bin, "launchctl"), ["bootstrap", `gui/${uid}`, plist], { encoding: "utf8", env: { ...process.env, FAKE_LAUNCHCTL_DIR: launchctlDir() } });
    expect(res.status).toBe(5);
    expect(res.stderr).toContain("Bootstrap failed: 5: Input/output error");
});

test("macOS double start: the loaded agent with the same plist is reused, no second bootstrap", async () => {
    const first = await sb.run(r.server.inputs.create, env());
    expectOk(first);
    const second = await sb.run(r.server.inputs.create, env());
    expectOk(second);
    expect(second.stdout).toContain(`launchd: ${LABEL} already runs with these settings`);
    expect(calls().filter((c) => c.startsWith("bootstrap"))).toHaveLength(1);
    expect(scriptResults(second.stdout).pid).toBe(scriptResults(first.stdout).pid);
});

test("macOS update with new settings: bootout of the old agent, bootstrap of the new plist", async () => {
    const first = await sb.run(r.server.inputs.create, env());
    expectOk(first);
    const res = await sb.run(r.server.inputs.update, env({ OLLAMA_KEEP_ALIVE: "30m", ...previous(first) }));
    expectOk(res);
    const c = calls();
    const bootout = c.indexOf(`bootout gui/${uid}/${LABEL}`);
    expect(bootout).toBeGreaterThan(0);
    expect(c.slice(bootout).filter((x) => x.startsWith("bootstrap"))).toEqual([`bootstrap gui/${uid} ${plistPath()}`]);
    expect((parsePlist(plistPath()).EnvironmentVariables as Record<string, string>).OLLAMA_KEEP_ALIVE).toBe("30m");
    expect(scriptResults(res.stdout).pid).not.toBe(scriptResults(first.stdout).pid);
    expect(await answers(sb.url)).toBe(true);
});

test("macOS delete twice: `launchctl bootout gui/<uid>/<label>`, plist removed, logs kept; then already stopped", async () => {
    const start = await sb.run(r.server.inputs.create, env());
    expectOk(start);
    const first = await sb.run(r.server.inputs.delete, env(previous(start)));
    expectOk(first);
    expect(calls()).toContain(`bootout gui/${uid}/${LABEL}`);
    expect(fs.existsSync(plistPath())).toBe(false);
    expect(fs.existsSync(logPath())).toBe(true);
    expect(await answers(sb.url)).toBe(false);
    const before = calls().length;
    const second = await sb.run(r.server.inputs.delete, env(previous(start)));
    expectOk(second);
    expect(second.stdout).toContain("is not loaded");
    expect(calls().slice(before)).toEqual([`print gui/${uid}/${LABEL}`]);
});

test("macOS: a port answered by Ollama.app or `brew services` is refused before anything is loaded", async () => {
    const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
    const deadline = Date.now() + 5000;
    while (!(await answers(sb.url)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    const res = await sb.run(r.server.inputs.create, env());
    expect(res.code).toBe(4);
    expect(res.stderr).toContain("quit Ollama.app from the menu bar");
    expect(calls().some((c) => c.startsWith("bootstrap"))).toBe(false);
    expect(fs.existsSync(plistPath())).toBe(false);
    expect(foreign.pid && process.kill(foreign.pid, 0)).toBe(true);
});

test("macOS restart rides out launchd's asynchronous bootout: waits until the job left the domain and the port refuses, retries bootstrap on 5", async () => {
    const race = { FAKE_LAUNCHCTL_LINGER_MS: "1500", FAKE_LAUNCHCTL_SETTLE_MS: "5000" };
    const first = await sb.run(r.server.inputs.create, env(race));
    expectOk(first);
    const res = await sb.run(r.server.inputs.update, env({ ...race, OLLAMA_KEEP_ALIVE: "30m", ...previous(first) }));
    expectOk(res);
    const c = calls();
    const bootout = c.indexOf(`bootout gui/${uid}/${LABEL}`);
    const bootstraps = c.map((x, i) => [x, i] as const).filter(([x, i]) => i > bootout && x.startsWith("bootstrap"));
    // Between bootout and the next bootstrap the script asked launchd until the job was gone.
    expect(c.slice(bootout + 1, bootstraps[0][1]).filter((x) => x === `print gui/${uid}/${LABEL}`).length).toBeGreaterThan(1);
    expect(res.stdout).toMatch(/left launchd after \d+ s/);
    // launchd still held the label for a moment: the first bootstrap failed with 5 and was retried.
    expect(bootstraps.length).toBeGreaterThan(1);
    expect(res.stdout).toContain("Bootstrap failed: 5: Input/output error");
    expect(scriptResults(res.stdout).pid).not.toBe(scriptResults(first.stdout).pid);
    expect(await answers(sb.url)).toBe(true);
});

test("macOS stop: a job that never leaves launchd fails within the bound, naming what to check", async () => {
    const start = await sb.run(r.server.inputs.create, env());
    expectOk(start);
    const started = Date.now();
    const res = await sb.run(r.server.inputs.delete, env({ FAKE_LAUNCHCTL_LINGER_MS: "600000", RAG_OLLAMA_LAUNCHD_TIMEOUT: "2", ...previous(start) }));
    expect(res.code).toBe(5);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(res.stderr).toContain(`launchctl print gui/${uid}/${LABEL}`);
});
