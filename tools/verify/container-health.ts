/**
 * Docker's view of a container's health (`docker inspect` .State): running or not, the health
 * status, and what the last health check printed. Parsing is pure, so it is unit tested.
 */
import { DockerCli } from "./docker";

export type HealthStatus = "healthy" | "unhealthy" | "starting" | "none";

export interface ContainerHealth {
    running: boolean;
    /** Docker's state word: running, restarting, exited... */
    state: string;
    /** `none` when the container has no health check. */
    health: HealthStatus;
    /** Consecutive failed checks. */
    failingStreak: number;
    /** Output of the most recent check, trimmed (Docker keeps the last five). */
    lastOutput?: string;
    /** Exit code of the most recent check. */
    lastExitCode?: number;
    /** When the container was last started (a heal restarts it). */
    startedAt?: string;
}

interface RawState {
    Running?: boolean;
    Status?: string;
    StartedAt?: string;
    Health?: { Status?: string; FailingStreak?: number; Log?: { ExitCode?: number; Output?: string }[] | null } | null;
}

const STATUSES: readonly HealthStatus[] = ["healthy", "unhealthy", "starting"];

/** `docker inspect --format '{{json .State}}'` → ContainerHealth. */
export function parseContainerState(json: string): ContainerHealth {
    const raw = JSON.parse(json) as RawState;
    const health = raw.Health ?? undefined;
    const status = STATUSES.find((s) => s === health?.Status) ?? "none";
    const last = health?.Log && health.Log.length > 0 ? health.Log[health.Log.length - 1] : undefined;
    return {
        running: Boolean(raw.Running),
        state: raw.Status ?? "unknown",
        health: status,
        failingStreak: health?.FailingStreak ?? 0,
        lastOutput: last?.Output?.trim() || undefined,
        lastExitCode: last?.ExitCode,
        startedAt: raw.StartedAt,
    };
}

/** The container's health, or a sentence saying why it could not be read. */
export async function readContainerHealth(docker: DockerCli, container: string, timeoutMs: number): Promise<ContainerHealth | string> {
    const r = await docker.run(["inspect", "--type", "container", "--format", "{{json .State}}", container], { timeoutMs });
    if (r.missingCli) return "the docker CLI is not installed on this machine";
    if (r.timedOut) return `docker inspect ${container} did not answer within ${timeoutMs / 1000}s (engine ${docker.describeHost()})`;
    if (r.code !== 0) {
        const msg = r.stderr.trim().split("\n").pop() ?? "";
        return /no such (container|object)/i.test(msg) ? `no container named ${container} on ${docker.describeHost()}` : `docker inspect ${container} failed: ${msg}`;
    }
    return parseContainerState(r.stdout.trim());
}
