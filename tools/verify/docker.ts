/**
 * The docker CLI as verify uses it: against the stack's engine (DOCKER_HOST), with a timeout on
 * every command, optional stdin, and stdout handed on as it arrives (container-client.ts streams
 * an HTTP answer out of `docker exec` that way).
 */
import { spawn } from "child_process";

export interface DockerResult {
    /** Exit code; null when the command was killed (timeout). */
    code: number | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    /** The docker CLI itself is not installed. */
    missingCli: boolean;
    elapsedMs: number;
}

export interface DockerRunOptions {
    timeoutMs: number;
    input?: string;
    /** Sees stdout as it arrives, in chunks. */
    onData?: (chunk: string) => void;
    /** Kills the command (as a timeout does) when aborted. */
    signal?: AbortSignal;
}

/** What `docker inspect` tells about one container. */
export interface ContainerFacts {
    running: boolean;
    status: string;
    env: Record<string, string>;
    /** /etc/hosts entries added with --add-host ("host.docker.internal:host-gateway"). */
    extraHosts: string[];
    networks: string[];
}

export class DockerCli {
    constructor(public readonly dockerHost: string | undefined) {}

    run(args: string[], options: DockerRunOptions): Promise<DockerResult> {
        return new Promise((resolve) => {
            const started = process.hrtime.bigint();
            const sinceStart = () => Number(process.hrtime.bigint() - started) / 1e6;
            const env = { ...process.env };
            if (this.dockerHost) env.DOCKER_HOST = this.dockerHost;
            const child = spawn("docker", args, { env, stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            let timedOut = false;
            let missingCli = false;
            let done = false;
            const timer = setTimeout(() => {
                timedOut = true;
                child.kill("SIGKILL");
            }, options.timeoutMs);
            child.stdout.setEncoding("utf8");
            child.stderr.setEncoding("utf8");
            const abort = () => child.kill("SIGKILL");
            options.signal?.addEventListener("abort", abort, { once: true });
            child.stdout.on("data", (chunk: string) => {
                stdout += chunk;
                options.onData?.(chunk);
            });
            child.stderr.on("data", (chunk: string) => { stderr += chunk; });
            const finish = (code: number | null) => {
                if (done) return;
                done = true;
                clearTimeout(timer);
                options.signal?.removeEventListener("abort", abort);
                resolve({ code, stdout, stderr, timedOut, missingCli, elapsedMs: sinceStart() });
            };
            child.on("error", (err: NodeJS.ErrnoException) => {
                if (err.code === "ENOENT") missingCli = true;
                stderr += err.message;
                finish(null);
            });
            child.on("close", (code) => finish(code));
            child.stdin.on("error", () => { /* the command may exit before reading its input */ });
            if (options.input !== undefined) child.stdin.write(options.input);
            child.stdin.end();
        });
    }

    /** Facts about a container, or a sentence saying why they could not be read. */
    async inspect(container: string, timeoutMs: number): Promise<ContainerFacts | string> {
        const r = await this.run(["inspect", "--type", "container", "--format",
            "{{json .State}}\n{{json .Config.Env}}\n{{json .HostConfig.ExtraHosts}}\n{{json .NetworkSettings.Networks}}", container],
        { timeoutMs });
        if (r.missingCli) return "the docker CLI is not installed on this machine";
        if (r.timedOut) return `docker inspect ${container} did not answer within ${timeoutMs / 1000}s (engine ${this.describeHost()})`;
        if (r.code !== 0) {
            const msg = r.stderr.trim().split("\n").pop() ?? "";
            return /no such (container|object)/i.test(msg)
                ? `no container named ${container} on ${this.describeHost()}`
                : `docker inspect ${container} failed: ${msg}`;
        }
        const [stateJson, envJson, hostsJson, netsJson] = r.stdout.trim().split("\n");
        const state = JSON.parse(stateJson) as { Running?: boolean; Status?: string };
        const env: Record<string, string> = {};
        for (const entry of (JSON.parse(envJson) as string[] | null) ?? []) {
            const eq = entry.indexOf("=");
            if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
        }
        return {
            running: Boolean(state.Running),
            status: state.Status ?? "unknown",
            env,
            extraHosts: (JSON.parse(hostsJson) as string[] | null) ?? [],
            networks: Object.keys((JSON.parse(netsJson) as Record<string, unknown> | null) ?? {}),
        };
    }

    describeHost(): string {
        return this.dockerHost ?? process.env.DOCKER_HOST ?? "the default Docker engine";
    }
}
