/**
 * The JSON `/healthz` answers with, for whoever reads it (an uptime check needs only the status
 * code; verify and a person read the body). Written by ./scripts/healthz.sh; when the responder
 * itself does not answer, by the front door (./caddy-route.ts). Names are kept stable.
 *
 * Status codes: 200 when every part is ok, 503 otherwise (and 503 from the front door when the
 * responder is down, restarting, flooded or too slow). `Cache-Control: no-store` on both.
 */

/** One part of the answer: ok or not, and a short sentence saying why. */
export interface HealthPart {
    ok: boolean;
    reason: string;
}

/** One model on one Ollama server. */
export interface HealthModelShare {
    /** name:tag as Ollama lists it. */
    model: string;
    /** The server's host name (`ollama`, `ollama-0`) or address. */
    server: string;
    /** Loaded in memory (/api/ps); false: idle (on disk, unloaded) or absent; null: the server did not answer. */
    loaded: boolean | null;
    /** Share of the model in GPU memory, 0-100 (size_vram x 100 / size, rounded down); null when not loaded. */
    gpuPercent: number | null;
    sizeBytes: number | null;
    vramBytes: number | null;
    reason: string;
}

/** One data volume, as `df -P` of a directory on it reports it; nulls when it could not be measured. */
export interface HealthVolume {
    name: string;
    usedPercent: number | null;
    freeBytes: number | null;
    sizeBytes: number | null;
}

export interface HealthAnswer {
    status: "ok" | "failing";
    /** The parts that failed, in the order below; `responder` when the responder could not answer. */
    failed: ("backend" | "gpu" | "watchdog" | "backup" | "disk" | "responder")[];
    /** When the checks ran (UTC, ISO 8601): a cached answer is at most cacheSeconds old. */
    checkedAt?: string;
    cacheSeconds?: number;
    checks: {
        /** The backend's own health path answered 2xx. */
        backend?: HealthPart & { httpStatus: number | null };
        /** Every model 100% on the GPU (or idle on a server that has it) on every server. */
        gpu?: HealthPart & { models: HealthModelShare[] };
        /** The GPU watchdog has not given up; enabled false where there is none (Kubernetes). */
        watchdog?: HealthPart & { enabled: boolean; gaveUpAt?: string | null; healsLastHour?: number };
        /** The last good backup is younger than maxAgeSeconds; enabled false while backups are not set up. */
        backup?: HealthPart & { enabled: boolean; ageSeconds?: number | null; maxAgeSeconds?: number; lastRunResult?: "success" | "failure" | null };
        /**
         * Every data volume measured (the droplet's models and Neo4j volumes) is at most maxPercent
         * full; enabled false where none is measured (Kubernetes: the volumes are claims).
         */
        disk?: HealthPart & { enabled: boolean; maxPercent?: number; volumes?: HealthVolume[] };
        /** Only when the responder itself failed: what the front door or the script could say. */
        responder?: HealthPart & { proxyStatus?: number };
    };
    /**
     * The last time the deployment served a request that used Ollama (UTC, ISO 8601), from the
     * front door's activity log (health/activity-log.ts: the API routes past authentication, never
     * `/healthz`, the frontend's files or the backend's health path). Null when the log's end holds
     * none: read `activity` to know whether that means "none since `activity.since`" or "unknown".
     */
    lastOllamaRequestAt: string | null;
    /** How much the answer knows about activity (absent from answers the front door writes itself). */
    activity?: HealthActivity;
}

/**
 * What lastOllamaRequestAt can be trusted for. `known` false: no log, not written yet, unreadable
 * (the last request is unknown: parking counts that as active). `known` true: the log was read,
 * and no request used Ollama between `since` and `checkedAt` other than lastOllamaRequestAt.
 */
export interface HealthActivity {
    known: boolean;
    /** The oldest time the log's end covers (its first whole line, or when the door opened an empty log). */
    since: string | null;
    reason: string;
}
