/**
 * The stand-in Ollama (tests/fixtures/ollama) as a process on this machine, the way native
 * placement runs Ollama: `ollama serve` on OLLAMA_HOST, a model store in a temp directory, failure
 * knobs in its environment. Started and stopped by its own PID only.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";

export const STANDIN = path.resolve(__dirname, "..", "..", "fixtures", "ollama");

export interface HostStandin {
    url: string;
    process: ChildProcess;
    log: () => string;
    /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its store. */
    stop: () => Promise<void>;
    /** Kills it at once, as a crash or an OOM kill would. */
    kill: () => void;
}

function answers(url: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
        const req = http.get(`${url}/api/version`, { timeout: timeoutMs }, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(false));
    });
}

/** Starts `ollama serve` bound to address:port and waits (bounded) until /api/version answers. */
export async function startHostStandin(address: string, port: number, env: Record<string, string> = {}, readyTimeoutMs = 15_000): Promise<HostStandin> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-standin-"));
    const logFile = path.join(dir, "serve.log");
    const out = fs.openSync(logFile, "a");
    const child = spawn(process.execPath, [STANDIN, "serve"], {
        env: { PATH: process.env.PATH ?? "", HOME: dir, OLLAMA_HOST: `${address}:${port}`, OLLAMA_MODELS: path.join(dir, "models"), ...env },
        stdio: ["ignore", out, out],
    });
    fs.closeSync(out);
    let exited = false;
    child.on("exit", () => { exited = true; });
    const url = `http://${address}:${port}`;
    const stop = async () => {
        if (!exited) {
            child.kill("SIGTERM");
            for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
            if (!exited) child.kill("SIGKILL");
        }
        fs.rmSync(dir, { recursive: true, force: true });
    };
    const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline && !exited) {
        if (await answers(url, 1000)) return { url, process: child, log, stop, kill: () => { if (!exited) child.kill("SIGKILL"); } };
        await new Promise((r) => setTimeout(r, 100));
    }
    const text = log();
    await stop();
    throw new Error(`the stand-in did not answer at ${url} within ${readyTimeoutMs / 1000}s:\n${text}`);
}
