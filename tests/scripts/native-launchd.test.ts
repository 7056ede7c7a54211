/**
 * The macOS path (launchd LaunchAgent) on Linux: the plist the start script renders is checked with
 * two real plist parsers (python3 plistlib, libplist's plistutil), and the whole lifecycle runs with
 * `uname -s` answering Darwin and a stand-in `launchctl` (tests/scripts/fixtures/launchctl) that
 * records its command lines and really starts the agent from the plist.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    alive, answers, FIXTURES, freePort, http, MODEL, NativeRender, renderNative, renderNativeInChildProcess, RunResult, Sandbox, scriptResults, STANDIN, waitFor,
} from "./support/native";

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
/** Where these tests put a stand-in Ollama.app (the scripts look only there: never at this machine's /Applications). */
const appDir = () => path.join(sb.dir, "Applications");
const env = (extra: Record<string, string> = {}) => sb.envOf(r.server, { FAKE_LAUNCHCTL_DIR: launchctlDir(), RAG_OLLAMA_APP_DIRS: appDir(), ...extra });
const checkEnv = (extra: Record<string, string> = {}) => sb.envOf(r.check, { FAKE_LAUNCHCTL_DIR: launchctlDir(), RAG_OLLAMA_APP_DIRS: appDir(), ...extra });
const launchctl = (...args: string[]) => execFileSync(path.join(sb.bin, "launchctl"), args, { encoding: "utf8", env: { ...process.env, FAKE_LAUNCHCTL_DIR: launchctlDir() } });
/** Loads another job into the stand-in launchd (Homebrew's service, Ollama.app's login item), from a real plist. */
function loadJob(label: string, environment: Record<string, string>, program: string[] = [STANDIN, "serve"]): void {
    const file = path.join(sb.dir, `${label}.plist`);
    const log = path.join(sb.dir, `${label}.log`);
    execFileSync("python3", ["-c", "import json, plistlib, sys\nwith open(sys.argv[1], 'wb') as f:\n    plistlib.dump(json.loads(sys.argv[2]), f)", file,
        JSON.stringify({ Label: label, ProgramArguments: program, EnvironmentVariables: environment, KeepAlive: true, StandardOutPath: log, StandardErrorPath: log })]);
    fs.chmodSync(file, 0o644);
    launchctl("bootstrap", `gui/${uid}`, file);
}
const idle = ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"];
/** A stand-in Ollama.app bundle under appDir(): its app executable, and its server binary (the stand-in ollama). */
function ollamaApp(): { exe: string; server: string } {
    const contents = path.join(appDir(), "Ollama.app", "Contents");
    fs.mkdirSync(path.join(contents, "MacOS"), { recursive: true });
    fs.mkdirSync(path.join(contents, "Resources"), { recursive: true });
    const exe = path.join(contents, "MacOS", "Ollama");
    fs.writeFileSync(exe, "#!/bin/sh\ntrap 'exit 0' TERM\nwhile :; do sleep 1; done\n", { mode: 0o755 });
    const server = path.join(contents, "Resources", "ollama");
    fs.copyFileSync(STANDIN, server);
    fs.chmodSync(server, 0o755);
    return { exe, server };
}
/**
 * Our agent started, then what Ollama.app does at login: its reapServers SIGTERMs every `ollama`
 * (ours too: the stand-in launchd does not restart it), and its own server takes the port.
 */
async function appTookThePortBack(): Promise<{ start: RunResult; app: ReturnType<Sandbox["spawn"]> }> {
    const start = await sb.run(r.server.inputs.create, env());
    expectOk(start);
    const ours = Number(scriptResults(start.stdout).pid);
    process.kill(ours, "SIGTERM");
    expect(await waitFor(() => !alive(ours), 3000)).toBe(true);
    const app = sb.spawn(ollamaApp().server, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
    expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
    return { start, app };
}
const ourCalls = () => calls().filter((c) => c.includes(LABEL));
/** What `brew services start ollama` leaves for the next login: its plist (XML, as Homebrew writes it), with this test's port. */
function brewPlistForLogin(): void {
    fs.mkdirSync(path.join(sb.home, "Library", "LaunchAgents"), { recursive: true });
    execFileSync("python3", ["-c", "import json, plistlib, sys\nwith open(sys.argv[1], 'wb') as f:\n    plistlib.dump(json.loads(sys.argv[2]), f)",
        path.join(sb.home, "Library", "LaunchAgents", "homebrew.mxcl.ollama.plist"),
        JSON.stringify({ Label: "homebrew.mxcl.ollama", ProgramArguments: ["/opt/homebrew/opt/ollama/bin/ollama", "serve"], KeepAlive: true,
            EnvironmentVariables: { OLLAMA_FLASH_ATTENTION: "1", OLLAMA_KV_CACHE_TYPE: "q8_0", OLLAMA_HOST: `127.0.0.1:${sb.port}` } })]);
}
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
    const decided = "OLLAMA_HOST|OLLAMA_ORIGINS|OLLAMA_KEEP_ALIVE|OLLAMA_MODELS";
    expect(plist).toEqual({
        Label: LABEL,
        // /bin/sh clears every OLLAMA_* but the stack's (launchd's own environment reaches every job), then execs ollama serve.
        ProgramArguments: ["/bin/sh", "-c",
            `for n in $(env | sed -n 's/^\\(OLLAMA_[A-Za-z0-9_]*\\)=.*/\\1/p'); do case "$n" in ${decided}) ;; *) unset "$n" ;; esac; done; exec "$0" serve`,
            STANDIN],
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
        // Ollama.app and Homebrew's service, looked for before anything is loaded.
        "getenv OLLAMA_HOST",
        `print gui/${uid}/homebrew.mxcl.ollama`,
        "print system/homebrew.mxcl.ollama",
        `print gui/${uid}/com.ollama.ollama`,
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

test("macOS restart rides out launchd's asynchronous bootout: waits until the job left the domain and its process exited, retries bootstrap on 5", async () => {
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

describe("Ollama.app and Homebrew's service: refused at create, before anything is loaded", () => {
    const refused = (res: RunResult) => {
        expect(res.code).toBe(4);
        expect(ourCalls().some((c) => c.startsWith("bootstrap"))).toBe(false);
        expect(fs.existsSync(plistPath())).toBe(false);
    };

    test("Homebrew's service loaded, its server not answering at this moment (KeepAlive brings it back): refused, with brew services stop", async () => {
        loadJob("homebrew.mxcl.ollama", {
            OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_FLASH_ATTENTION: "1", OLLAMA_KV_CACHE_TYPE: "q8_0", OLLAMA_MODELS: sb.models,
            STANDIN_STARTUP_DELAY_MS: "60000",
        });
        expect(await answers(sb.url)).toBe(false);
        const res = await sb.run(r.server.inputs.create, env());
        refused(res);
        expect(res.stderr).toContain("Homebrew's service homebrew.mxcl.ollama is loaded");
        expect(res.stderr).toContain("brew services stop ollama");
        expect(res.stderr).toContain("rag-stack:ollama.adoptExisting: true");
    });

    test("Homebrew's service registered for the next login only (its plist in ~/Library/LaunchAgents): refused", async () => {
        brewPlistForLogin();
        const res = await sb.run(r.server.inputs.create, env());
        refused(res);
        expect(res.stderr).toContain("starts at every login");
    });

    test("Homebrew's service run as root (system domain, readable without sudo): refused, with sudo brew services stop", async () => {
        fs.mkdirSync(path.join(launchctlDir(), "system"), { recursive: true });
        fs.writeFileSync(path.join(launchctlDir(), "system", "homebrew.mxcl.ollama.json"), JSON.stringify({ environment: { OLLAMA_HOST: `127.0.0.1:${sb.port}` } }));
        const res = await sb.run(r.server.inputs.create, env());
        refused(res);
        expect(res.stderr).toContain("sudo brew services stop ollama");
    });

    test("Ollama.app's login item (SMAppService agent com.ollama.ollama): refused, pointing to Login Items", async () => {
        // The app's server takes launchd's OLLAMA_HOST (Ollama's 11434 without it): here, this test's port.
        launchctl("setenv", "OLLAMA_HOST", `127.0.0.1:${sb.port}`);
        loadJob("com.ollama.ollama", {}, idle);
        const res = await sb.run(r.server.inputs.create, env());
        refused(res);
        expect(res.stderr).toContain("Ollama.app's login item com.ollama.ollama is enabled");
        expect(res.stderr).toContain("System Settings > General > Login Items");
    });

    test("Ollama.app running: refused, saying it stops every process named ollama", async () => {
        launchctl("setenv", "OLLAMA_HOST", `127.0.0.1:${sb.port}`);
        const app = sb.spawn(ollamaApp().exe, []);
        expect(await waitFor(() => alive(app.pid!), 2000)).toBe(true);
        const res = await sb.run(r.server.inputs.create, env());
        refused(res);
        expect(res.stderr).toContain(`Ollama.app is running (pid ${app.pid})`);
        expect(res.stderr).toContain("stops every process named ollama");
        expect(alive(app.pid!)).toBe(true);
    });

    test("with adoptExisting, Homebrew's server that answers is adopted; one that does not answer yet is refused", async () => {
        loadJob("homebrew.mxcl.ollama", { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models, STANDIN_STARTUP_DELAY_MS: "60000" });
        const early = await sb.run(r.server.inputs.create, env({ RAG_OLLAMA_ADOPT: "true" }));
        refused(early);
        expect(early.stderr).toContain("no Ollama answers");
        launchctl("bootout", `gui/${uid}/homebrew.mxcl.ollama`);
        expect(await waitFor(async () => { try { launchctl("print", `gui/${uid}/homebrew.mxcl.ollama`); return false; } catch { return true; } }, 5000)).toBe(true);
        loadJob("homebrew.mxcl.ollama", { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
        expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
        const res = await sb.run(r.server.inputs.create, env({ RAG_OLLAMA_ADOPT: "true" }));
        expectOk(res);
        expect(scriptResults(res.stdout).managed).toBe("adopted");
    });

    test("a competitor on another port (launchd's OLLAMA_HOST) is only a warning: they do not fight over the port", async () => {
        const other = await freePort();
        launchctl("setenv", "OLLAMA_HOST", `127.0.0.1:${other}`);
        loadJob("homebrew.mxcl.ollama", { OLLAMA_MODELS: sb.models });
        const res = await sb.run(r.server.inputs.create, env());
        expectOk(res);
        expect(res.stderr).toContain(`on port ${other}: not port ${sb.port}, so they do not fight over the port`);
        expect(await answers(sb.url)).toBe(true);
    });
});

test("only the stack's OLLAMA_* reach the agent: not the shell's (the command provider passes it all), not launchd's (launchctl setenv)", async () => {
    const seen = path.join(sb.dir, "server-env.json");
    launchctl("setenv", "OLLAMA_CONTEXT_LENGTH", "32768");
    launchctl("setenv", "OLLAMA_NEW_ENGINE", "1");
    launchctl("setenv", "STANDIN_ENV_FILE", seen);
    launchctl("setenv", "STANDIN_PRELOADED_MODELS", MODEL);
    const res = await sb.run(r.server.inputs.create, env({ OLLAMA_CONTEXT_LENGTH: "8192", OLLAMA_DEBUG: "1" }));
    expectOk(res);
    const plist = fs.readFileSync(plistPath(), "utf8");
    expect(plist).not.toContain("8192");
    expect(plist).not.toContain("OLLAMA_DEBUG");
    expect(await waitFor(() => fs.existsSync(seen), 5000)).toBe(true);
    expect(JSON.parse(fs.readFileSync(seen, "utf8"))).toEqual({
        OLLAMA_HOST: `127.0.0.1:${sb.port}`,
        OLLAMA_KEEP_ALIVE: "24h",
        OLLAMA_MODELS: sb.models,
        OLLAMA_ORIGINS: "http://localhost:3000",
    });
    // What the capacity check budgets (Ollama's default 4096, the stack sets no contextLength) is what the server runs.
    expect((await http(`${sb.url}/api/generate`, { model: MODEL, prompt: "", stream: false })).status).toBe(200);
    const ps = JSON.parse((await http(`${sb.url}/api/ps`)).text) as { models: { context_length: number }[] };
    expect(ps.models[0].context_length).toBe(4096);
});

test("macOS stop waits for our agent's PID, not the port: with another server on the port (Ollama.app took it back) it still stops ours at once", async () => {
    const { start, app } = await appTookThePortBack();
    const res = await sb.run(r.server.inputs.delete, env({ RAG_OLLAMA_LAUNCHD_TIMEOUT: "3", ...previous(start) }));
    expectOk(res);
    expect(fs.existsSync(plistPath())).toBe(false);
    expect(alive(app.pid!)).toBe(true);
    expect(await answers(sb.url)).toBe(true);
});

test("macOS create while our agent is loaded but another server holds the port: not \"already runs\", refused naming that server", async () => {
    const { app } = await appTookThePortBack();
    const res = await sb.run(r.server.inputs.create, env({ RAG_OLLAMA_LAUNCHD_TIMEOUT: "3" }));
    expect(res.code).toBe(4);
    expect(res.stdout).not.toContain("already runs with these settings");
    expect(res.stderr).toContain(`pid ${app.pid}: `);
    expect(res.stderr).toContain("(Ollama.app's server)");
    expect(res.stderr).toContain("System Settings > General > Login Items");
    expect(alive(app.pid!)).toBe(true);
});

test("a settings change (restart) while Homebrew's service is set up for the port: refused before our running agent is stopped", async () => {
    const start = await sb.run(r.server.inputs.create, env());
    expectOk(start);
    brewPlistForLogin();
    const res = await sb.run(r.server.inputs.update, env({ OLLAMA_KEEP_ALIVE: "30m", ...previous(start) }));
    expect(res.code).toBe(4);
    expect(res.stderr).toContain("Homebrew's service homebrew.mxcl.ollama starts at every login");
    expect(ourCalls().filter((c) => c.startsWith("bootout"))).toEqual([]);
    expect(alive(Number(scriptResults(start.stdout).pid))).toBe(true);
    expect(await answers(sb.url)).toBe(true);
});

describe("the holder check at every up and preview (native-check.sh, an invoke)", () => {
    test("the program runs it with the server's settings", () => {
        expect(r.check.args.command).toBe("sh components/ollama/scripts/native-check.sh");
        expect(sb.envOf(r.check)).toMatchObject({ OLLAMA_HOST: `auto:${sb.port}`, RAG_OLLAMA_LABEL: LABEL, RAG_OLLAMA_ADOPT: "false" });
    });

    test("our agent holds the port: passes; nothing listens: passes", async () => {
        const before = await sb.run(r.check.args.command, checkEnv());
        expectOk(before);
        expect(before.stdout).toContain("nothing listens");
        const start = await sb.run(r.server.inputs.create, env());
        expectOk(start);
        const res = await sb.run(r.check.args.command, checkEnv());
        expectOk(res);
        expect(res.stdout).toContain(`is this stack's server, launchd agent ${LABEL} (pid ${scriptResults(start.stdout).pid})`);
    });

    test("Ollama.app's server took the port while our agent restarts in a loop: fails naming it, while every resource would say no change", async () => {
        const { app } = await appTookThePortBack();
        const res = await sb.run(r.check.args.command, checkEnv());
        expect(res.code).toBe(4);
        expect(res.stderr).toContain(`port ${sb.port} is held by pid ${app.pid}: `);
        expect(res.stderr).toContain("(Ollama.app's server), an Ollama 0.12.6 that answers");
        expect(res.stderr).toContain(`not by this stack's server (launchd agent ${LABEL} (loaded, not running now`);
        expect(res.stderr).toContain("System Settings > General > Login Items");
        expect(alive(app.pid!)).toBe(true);
    });

    test("Homebrew's service registered while ours runs: passes, with a warning about the next login", async () => {
        expectOk(await sb.run(r.server.inputs.create, env()));
        brewPlistForLogin();
        const res = await sb.run(r.check.args.command, checkEnv());
        expectOk(res);
        expect(res.stderr).toContain("it will take port");
        expect(res.stderr).toContain("brew services stop ollama");
    });
});

describe("the minimum ollama version (rag-stack:ollama.minVersion) on macOS", () => {
    test("an older ollama is refused with Homebrew's upgrade command, before any plist or launchctl bootstrap", async () => {
        const res = await sb.run(r.server.inputs.create, env({ STANDIN_VERSION: "0.9.0" }));
        expect(res.code).toBe(7);
        expect(res.stderr).toContain(`${STANDIN} is ollama 0.9.0, older than 0.12.6, the oldest this stack runs (rag-stack:ollama.minVersion). Upgrade it: brew upgrade ollama`);
        expect(calls().filter((c) => c.startsWith("bootstrap"))).toEqual([]);
        expect(fs.existsSync(plistPath())).toBe(false);
        expect(await answers(sb.url)).toBe(false);
    });

    test("a lower minimum alone: the update checks our agent and keeps it (no bootout, same pid)", async () => {
        const start = await sb.run(r.server.inputs.create, env());
        expectOk(start);
        expect(start.stdout).toContain("ollama 0.12.6 (minimum 0.12.6)");
        const before = ourCalls().length;
        const lower = renderNativeInChildProcess({ "ollama.bindAddress": "auto", "ollama.minVersion": "0.12.5" });
        const res = await sb.run(lower.server.inputs.update, sb.envOf(lower.server, { FAKE_LAUNCHCTL_DIR: launchctlDir(), RAG_OLLAMA_APP_DIRS: appDir(), ...previous(start) }));
        expectOk(res);
        expect(res.stdout).toContain("already runs with these settings");
        expect(scriptResults(res.stdout).pid).toBe(scriptResults(start.stdout).pid);
        expect(ourCalls().slice(before).filter((c) => c.startsWith("bootout") || c.startsWith("bootstrap"))).toEqual([]);
    }, 60_000);
});
