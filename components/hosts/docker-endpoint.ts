/**
 * Which local Docker engine the stack talks to when `rag-stack:docker.host` is unset, in the order
 * the Docker CLI users expect: `DOCKER_HOST`, then Docker Desktop's per-user socket
 * (`~/.docker/run/docker.sock`, the one Docker Desktop 4.18+ creates on a Mac; /var/run/docker.sock
 * there is only an optional symlink needing admin rights), then the system socket
 * `/var/run/docker.sock` (Linux, older Docker Desktop). The choice and its reason become the stack
 * output `dockerHostSource` and a log line, so `up` says which engine it used.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Where the engine URL came from. */
export type DockerHostSource = "config" | "DOCKER_HOST" | "docker-desktop" | "system-socket";

export interface ResolvedDockerHost {
    /** Engine URL (unix://, ssh://, tcp://). */
    url: string;
    source: DockerHostSource;
    /** One sentence for people: which engine and why. */
    reason: string;
}

export const SYSTEM_SOCKET = "/var/run/docker.sock";
export const DESKTOP_SOCKET_FROM_HOME = ".docker/run/docker.sock";
/** Engine URLs the Docker CLI and the provider accept. */
export const DOCKER_HOST_URL = /^(unix|ssh|tcp|npipe):\/\/\S+$/;

export interface DockerHostProbe {
    env: NodeJS.ProcessEnv;
    home: string;
    /** True when `file` exists and is a socket. */
    isSocket(file: string): boolean;
}

function isSocketFile(file: string): boolean {
    try {
        return fs.statSync(file).isSocket();
    } catch {
        return false;
    }
}

export const LOCAL_PROBE: DockerHostProbe = { env: process.env, home: os.homedir(), isSocket: isSocketFile };

/**
 * The engine for a `local` host: the configured URL if any, else DOCKER_HOST, else Docker
 * Desktop's socket when it exists, else the system socket. Returns a problem (for the config
 * error list) instead when DOCKER_HOST is set to something that is not an engine URL.
 */
export function resolveDockerHost(configured: string | undefined, probe: DockerHostProbe = LOCAL_PROBE): ResolvedDockerHost | { problem: string } {
    if (configured !== undefined) {
        return { url: configured, source: "config", reason: `rag-stack:docker.host is ${configured}` };
    }
    const fromEnv = probe.env.DOCKER_HOST?.trim();
    if (fromEnv) {
        if (!DOCKER_HOST_URL.test(fromEnv)) {
            return { problem: `DOCKER_HOST is ${JSON.stringify(fromEnv)}, not a Docker engine URL; set it to unix:///path/docker.sock, ssh://user@host or tcp://host:2376, or unset it` };
        }
        return { url: fromEnv, source: "DOCKER_HOST", reason: `DOCKER_HOST is set to ${fromEnv}` };
    }
    const desktop = path.join(probe.home, DESKTOP_SOCKET_FROM_HOME);
    if (probe.isSocket(desktop)) {
        return { url: `unix://${desktop}`, source: "docker-desktop", reason: `Docker Desktop's socket ${desktop} exists (DOCKER_HOST is unset)` };
    }
    return {
        url: `unix://${SYSTEM_SOCKET}`,
        source: "system-socket",
        reason: `DOCKER_HOST is unset and ${desktop} does not exist: the system socket ${SYSTEM_SOCKET}`,
    };
}
