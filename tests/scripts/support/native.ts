/**
 * Harness for the native lifecycle tests: renders the real program under mocks (once per test
 * file), takes the native command resources' command lines and environment, and runs them for
 * real with `sh -c` in the project directory, as the command provider does. Every process a test
 * starts is tracked by PID and stopped in afterEach/afterAll, and only those.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    PROJECT_ROOT, Rendered, RenderedInvoke, RenderedResource, RenderOptions, RenderResult, renderStack, renderStackInChildProcess,
} from "../../../tools/render";
import { scriptResults } from "../../../components/ollama/scripts";

export { scriptResults };
export const STANDIN = path.join(PROJECT_ROOT, "tests", "fixtures", "ollama");
export const FIXTURES = path.join(PROJECT_ROOT, "tests", "scripts", "fixtures");
export const LOCAL_COMMAND = "command:local:Command";
/** Placeholders rendered into the stack, replaced per test by a free port and temp directories. */
export const PLACEHOLDER_PORT = 23456;
export const PLACEHOLDER_STATE = "/tmp/rag-stack-test-placeholder/state";
export const PLACEHOLDER_MODELS = "/tmp/rag-stack-test-placeholder/models";
export const MODEL = "qwen2.5:7b-instruct-q8_0";

export interface NativeRender {
    rendered: Rendered;
    server: RenderedResource;
    model: RenderedResource;
    gpu: RenderedResource;
    /** The holder check the program runs at every preview and `up` (a `command:local:run` invoke). */
    check: RenderedInvoke;
}

function nativeRenderOptions(overrides: Record<string, unknown>): RenderOptions {
    return {
        stack: "dev",
        secrets: { neo4jPassword: "x-password-1" },
        overrides: {
            "ollama.port": PLACEHOLDER_PORT,
            "ollama.stateDir": PLACEHOLDER_STATE,
            "ollama.modelsDir": PLACEHOLDER_MODELS,
            "ollama.binary": STANDIN,
            "ollama.bindAddress": "127.0.0.1",
            "ollama.readyTimeoutSeconds": 10,
            ...overrides,
        },
    };
}

/** Renders dev with the native server pointed at placeholders (and the stand-in as binary). Once per test file. */
export async function renderNative(overrides: Record<string, unknown> = {}): Promise<NativeRender> {
    return pickNative(new Rendered(await renderStack(nativeRenderOptions(overrides))));
}

/** The same, in a child process: a second render in one test file (Pulumi's runtime state is global). */
export function renderNativeInChildProcess(overrides: Record<string, unknown> = {}): NativeRender {
    return pickNative(new Rendered(renderStackInChildProcess(nativeRenderOptions(overrides)) as RenderResult));
}

function pickNative(rendered: Rendered): NativeRender {
    const commands = rendered.ofType(LOCAL_COMMAND);
    const pick = (suffix: string) => {
        const found = commands.filter((c) => c.name.endsWith(suffix));
        if (found.length !== 1) throw new Error(`expected one command ending in ${suffix}: ${commands.map((c) => c.name).join(", ")}`);
        return found[0];
    };
    const checks = (rendered.result.invokes ?? []).filter((i) => i.token === "command:local:run" && String(i.args.command).endsWith("native-check.sh"));
    if (checks.length !== 1) throw new Error(`expected one native-check.sh invoke, found ${checks.length}`);
    return { rendered, server: pick("-server"), model: pick("-model"), gpu: pick("-gpu"), check: checks[0] };
}

/** One test's world: a free port, a temp HOME/state/models, and the processes it started. */
export class Sandbox {
    readonly dir: string;
    readonly home: string;
    readonly state: string;
    readonly models: string;
    readonly bin: string;
    port = 0;
    private readonly pids = new Set<number>();
    private readonly children: ChildProcess[] = [];

    constructor() {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-native-"));
        this.home = path.join(this.dir, "home");
        this.state = path.join(this.dir, "state");
        this.models = path.join(this.dir, "models");
        this.bin = path.join(this.dir, "bin");
        for (const d of [this.home, this.bin]) fs.mkdirSync(d, { recursive: true });
        // The real launchctl must never be reached from a test (it would act on the user's own agents);
        // tests of the launchd path replace this guard with the recording stand-in.
        this.fake("launchctl", "#!/bin/sh\necho \"tests must not reach the real launchctl\" >&2\nexit 99\n");
    }

    async init(): Promise<this> {
        this.port = await freePort();
        return this;
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    get pidfile(): string {
        return path.join(this.state, "ollama.pid");
    }

    /** The resource's (or invoke's) rendered environment with this sandbox's port and directories. */
    envOf(resource: RenderedResource | RenderedInvoke, extra: Record<string, string> = {}): Record<string, string> {
        const rendered = (("inputs" in resource ? resource.inputs.environment : resource.args.environment) ?? {}) as Record<string, string>;
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(rendered)) {
            env[k] = String(v)
                .split(String(PLACEHOLDER_PORT)).join(String(this.port))
                .split(PLACEHOLDER_STATE).join(this.state)
                .split(PLACEHOLDER_MODELS).join(this.models);
        }
        return { ...env, ...extra };
    }

    /** Base environment of the command provider's process: ours, minus OLLAMA_*, with a temp HOME. */
    baseEnv(): Record<string, string> {
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(process.env)) {
            if (v !== undefined && !k.startsWith("OLLAMA_") && !k.startsWith("STANDIN_") && !k.startsWith("PULUMI_COMMAND_")) env[k] = v;
        }
        env.HOME = this.home;
        env.PATH = `${this.bin}:${env.PATH ?? "/usr/bin:/bin"}`;
        return env;
    }

    /** Runs a registered command line (create/update/delete) the way the command provider does. */
    async run(command: unknown, env: Record<string, string>, timeoutMs = 20000): Promise<RunResult> {
        if (typeof command !== "string") throw new Error(`not a command line: ${String(command)}`);
        const result = await runCommand(command, { ...this.baseEnv(), ...env }, timeoutMs);
        const r = scriptResults(result.stdout);
        if (r.pid && r.managed && r.managed !== "adopted") this.track(Number(r.pid));
        // A start that failed after launching still printed the PID it started.
        for (const m of result.stdout.matchAll(/^ollama-native: start: pid (\d+)/gm)) this.track(Number(m[1]));
        return result;
    }

    /** Writes an executable into this sandbox's bin directory (first on PATH). */
    fake(name: string, script: string): string {
        const file = path.join(this.bin, name);
        fs.writeFileSync(file, script, { mode: 0o755 });
        return file;
    }

    track(pid: number): void {
        if (Number.isInteger(pid) && pid > 0) this.pids.add(pid);
    }

    /** Spawns a process the test owns (foreign server, stand-in program), tracked for cleanup. */
    spawn(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
        const child = spawn(cmd, args, { env: { ...this.baseEnv(), ...env }, stdio: ["ignore", "ignore", "pipe"], detached: false });
        this.children.push(child);
        if (child.pid) this.track(child.pid);
        return child;
    }

    /**
     * Starts a program that is not Ollama holding a port, and makes that port this sandbox's port.
     * The holder binds port 0 (the kernel hands it a free port, nobody else's) and prints the port
     * once it listens: the test knows its own listener holds the port before it starts anything,
     * with no window for another process to take a port picked in advance. Bounded: 15 s.
     */
    async holdPort(reply: string): Promise<ChildProcess> {
        const program = `const s = require("net").createServer((c) => c.end(${JSON.stringify(reply)}));` +
            `s.listen(0, "127.0.0.1", () => process.stdout.write("listening " + s.address().port + "\\n"));`;
        const child = spawn(process.execPath, ["-e", program], { env: this.baseEnv(), stdio: ["ignore", "pipe", "pipe"] });
        this.children.push(child);
        if (child.pid) this.track(child.pid);
        this.port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`port holder printed no port within 15 s: ${out}`)), 15000);
            child.stdout?.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /listening (\d+)/.exec(out);
                if (m) { clearTimeout(timer); resolve(Number(m[1])); }
            });
            child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`port holder exited (${code}) before listening: ${out}`)); });
        });
        return child;
    }

    /** Stops every process this test started (by PID), then removes the temp directory. */
    async cleanup(): Promise<void> {
        // Agents the stand-in launchctl started for this test (tests/scripts/fixtures/launchctl).
        const jobs = path.join(this.dir, "launchctl");
        if (fs.existsSync(jobs)) {
            for (const f of fs.readdirSync(jobs).filter((x) => x.endsWith(".json"))) {
                try { this.track(JSON.parse(fs.readFileSync(path.join(jobs, f), "utf8")).pid); } catch { /* partial file */ }
            }
        }
        for (const pid of this.pids) {
            if (!alive(pid)) continue;
            try { process.kill(pid, "SIGTERM"); } catch { /* already gone */ }
        }
        for (const pid of this.pids) {
            if (!(await waitFor(() => !alive(pid), 3000))) {
                try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
            }
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Wall time until the command exited AND every holder of its stdout/stderr closed them. */
    ms: number;
}

/** `sh -c <command>` in the project directory; resolves when the pipes close, like local.Command. */
export function runCommand(command: string, env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const child = spawn("/bin/sh", ["-c", command], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        const timer = setTimeout(() => {
            if (child.pid && alive(child.pid)) child.kill("SIGKILL");
            reject(new Error(`${command} did not finish (or left its output open) within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
        child.on("error", (e) => { clearTimeout(timer); reject(e); });
    });
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

/** Linux has /proc; macOS (where a developer may run these suites) does not. */
const HAS_PROC = fs.existsSync("/proc/self/stat");

export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    // A zombie (exited, not yet reaped) is not running. No /proc (macOS): ask ps.
    if (!HAS_PROC) {
        const state = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" });
        return state.status === 0 && state.stdout.trim() !== "" && !state.stdout.trim().startsWith("Z");
    }
    try {
        return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
}

export function cmdline(pid: number): string {
    if (!HAS_PROC) {
        const args = spawnSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" });
        return args.status === 0 ? args.stdout.trim() : "";
    }
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
        return "";
    }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, everyMs));
    }
    return check();
}

/** GET/POST JSON against a server, with a bounded timeout. */
export async function http(url: string, body?: unknown, timeoutMs = 5000): Promise<{ status: number; text: string }> {
    const res = await fetch(url, {
        method: body === undefined ? "GET" : "POST",
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, text: await res.text() };
}

/** Answers /api/version? */
export async function answers(url: string): Promise<boolean> {
    try {
        return (await http(`${url}/api/version`, undefined, 1000)).status === 200;
    } catch {
        return false;
    }
}
