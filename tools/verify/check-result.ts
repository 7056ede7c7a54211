/**
 * One row of verify's report, and what every check gets to work with.
 */
import { VerifyOptions } from "./args";
import { DockerCli } from "./docker";
import { StackOutputs } from "./outputs";
import { Progress } from "./progress";

export type CheckStatus = "pass" | "fail" | "skip";

export type CheckId =
    | "ollama-host" | "ollama-from-backend" | "model-present" | "gpu-share" | "benchmark"
    | "neo4j" | "backend-health" | "frontend" | "gpu-in-use"
    | "https-certificate" | "http-redirect" | "closed-ports" | "health-endpoint" | "alert-policies" | "parking"
    | "backup" | "restore-drill" | "load";

export const CHECK_TITLES: Record<CheckId, string> = {
    "ollama-host": "Ollama answers from the host",
    "ollama-from-backend": "Backend container reaches OLLAMA_BASE_URL",
    "model-present": "Model present",
    "gpu-share": "Warm-up generation, share in VRAM",
    "benchmark": "Benchmark",
    "neo4j": "Neo4j answers RETURN 1 (bolt)",
    "backend-health": "Backend health endpoint",
    "frontend": "Frontend answers",
    "gpu-in-use": "GPU still in use by the container",
    "https-certificate": "HTTPS certificate for publicHost",
    "http-redirect": "HTTP redirects to HTTPS",
    "closed-ports": "Other ports closed on the public address",
    "health-endpoint": "Health endpoint through the door (what the uptime check sees)",
    "alert-policies": "Alert policies and where they go",
    "parking": "Parking schedule and last activity",
    // After the rows the docs cite by number (9-15), so those keep their numbers.
    "backup": "Last good backup of Neo4j (age, size, retention)",
    "restore-drill": "Last restore drill",
    "load": "Load: streams at once",
};

export const CHECK_ORDER: CheckId[] = Object.keys(CHECK_TITLES) as CheckId[];

export interface CheckResult {
    id: CheckId;
    title: string;
    status: CheckStatus;
    /** What was measured, one line per item (first line in the table row, the others below it). */
    measured: string[];
    /** On failure: the likely cause, and what to do about it. */
    cause?: string;
    fix?: string;
    /** Numbers for --json. */
    data?: Record<string, unknown>;
}

export interface VerifyContext {
    outputs: StackOutputs;
    options: VerifyOptions;
    docker: DockerCli;
    progress: Progress;
}

export function pass(id: CheckId, measured: string | string[], data?: Record<string, unknown>): CheckResult {
    return { id, title: CHECK_TITLES[id], status: "pass", measured: [measured].flat(), data };
}

export function fail(id: CheckId, measured: string | string[], advice: { cause: string; fix: string }, data?: Record<string, unknown>): CheckResult {
    return { id, title: CHECK_TITLES[id], status: "fail", measured: [measured].flat(), cause: advice.cause, fix: advice.fix, data };
}

export function skip(id: CheckId, why: string): CheckResult {
    return { id, title: CHECK_TITLES[id], status: "skip", measured: [why] };
}

export const ms = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
