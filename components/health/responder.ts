/**
 * The health responder: what answers `/healthz` behind the front door, shared by the Docker shape
 * (a container on the app network, ./docker.ts) and the Kubernetes shape (a container beside the
 * router, kubernetes/front-door.ts). Pure: constants, the script as text, its environment.
 *
 * It is busybox's httpd running one CGI script (./scripts/healthz.sh) in the official busybox
 * image: a static binary under 1 MB, nothing else in the image, no port published. The script
 * reads the backend's health path, Ollama's /api/ps and /api/tags (state only: never a generation,
 * an embedding or a load), the GPU watchdog's state directory and the backup status directory
 * (both mounted read-only), and caches its answer for a few seconds. The JSON it answers with is
 * described in ./contract.ts.
 *
 * Values here that the stack configuration will set later are constants with the name they will
 * keep, and reach the responder only through HealthResponderSettings.
 */
import * as fs from "fs";
import * as path from "path";
import { ACTIVITY_LOG_FILE_NAME, ACTIVITY_LOG_MOUNT, ACTIVITY_LOG_TAIL_BYTES } from "./activity-log";

/** The path the front door answers with the health of the deployment (never the frontend's). */
export const HEALTH_PATH = "/healthz";

/** Age above which the last good backup fails the check: a daily job, plus two hours of slack. */
export const BACKUP_MAX_AGE_SECONDS = 26 * 3600;

/** How long an answer is served again without new checks: a flood of probes costs one round per period. */
export const HEALTH_CACHE_SECONDS = 5;

/** Limit of each HTTP call the responder makes (backend, each Ollama server). */
export const HEALTH_CALL_TIMEOUT_SECONDS = 3;

/**
 * The official busybox image, musl build (its resolver reads /etc/resolv.conf and /etc/hosts by
 * itself, so Docker's and Kubernetes' DNS names resolve; the glibc build needs NSS libraries), by
 * tag and by the digest of its multi-platform index, as docker-library/repo-info records it
 * (repos/busybox/remote/1.37.0-musl.md at acdd5a4d: linux/amd64 manifest sha256:29989570...).
 * Built with busybox's defconfig (docker-library/busybox latest-1/musl/Dockerfile.builder): httpd
 * with CGI, wget, awk, grep, timeout, and /etc/passwd's nobody (65534).
 */
export const HEALTH_RESPONDER_IMAGE = "busybox:1.37.0-musl@sha256:fc6dddc4c44b1bfe37f41cae8e67d1693828e8f42a91862816d7953e2c9d3f23";

/** Port httpd listens on inside its container (Docker) or pod (Kubernetes, loopback only). */
export const HEALTH_RESPONDER_PORT = 8081;

/** Network alias of the responder container on the app network (Docker shape). */
export const HEALTH_RESPONDER_ALIAS = "health";

/** httpd's document root; it holds nothing but cgi-bin/. */
export const HEALTH_DOCUMENT_ROOT = "/srv/health";

/** The URL path httpd runs the script for: the front door rewrites HEALTH_PATH to it. */
export const HEALTH_CGI_PATH = "/cgi-bin/healthz";

/** Where the script is installed in the container (httpd runs files under cgi-bin/ as CGI). */
export const HEALTH_SCRIPT_PATH = `${HEALTH_DOCUMENT_ROOT}${HEALTH_CGI_PATH}`;

/** Where the watchdog's and the backup job's directories are mounted read-only in the container. */
export const WATCHDOG_MOUNT = "/status/gpu-watchdog";
export const BACKUP_STATUS_MOUNT = "/status/backup";
/** Where an empty directory of each measured data volume is mounted read-only: `/status/disk/<name>`. */
export const DISK_MOUNT = "/status/disk";

/** The user the responder runs as: busybox's nobody. It only reads world-readable status files. */
export const HEALTH_RESPONDER_USER = "65534:65534";

const SCRIPTS_DIR = path.join(__dirname, "scripts");
const SCRIPT_FILE = path.join(SCRIPTS_DIR, "healthz.sh");
/** The script's parts kept in their own files, each sourced by one exact line of healthz.sh. */
const INLINED_PARTS = ["healthz-disk-activity.sh"];

/**
 * The CGI script's text, as installed: one file (the responder's upload, the router's ConfigMap
 * key), each sourced part inlined in place of its `.` line. From the source tree the script
 * sources them itself, so both forms run the same code.
 */
export function healthScript(): string {
    let text = fs.readFileSync(SCRIPT_FILE, "utf8");
    for (const part of INLINED_PARTS) {
        const line = `. "$(dirname "$0")/${part}"\n`;
        if (!text.includes(line)) throw new Error(`components/health/scripts/healthz.sh no longer sources ${part} with the line ${line.trim()}: update INLINED_PARTS`);
        const body = fs.readFileSync(path.join(SCRIPTS_DIR, part), "utf8").replace(/^# shellcheck [^\n]*\n/gm, "");
        text = text.replace(`# shellcheck source=${part}\n${line}`, body).replace(line, body);
    }
    return text;
}

/** What the responder checks; each field maps to one variable of the script's environment. */
export interface HealthResponderSettings {
    /** The backend's health URL on the app network (`http://backend:8000/health`). */
    backendHealthUrl: string;
    /** Base URLs of every Ollama server whose GPU share counts (one per replica on Kubernetes). */
    ollamaUrls: string[];
    /** Models that must be 100% on the GPU on every one of those servers. */
    models: string[];
    /** Whether the GPU watchdog's state is mounted (at WATCHDOG_MOUNT). */
    watchdog: boolean;
    /** Whether the backup status directory is mounted (at BACKUP_STATUS_MOUNT). */
    backups: boolean;
    /** Whether the front door's activity log is mounted (at ACTIVITY_LOG_MOUNT, ./activity-log.ts). */
    activityLog: boolean;
    backupMaxAgeSeconds: number;
    /** The data volumes measured (names; each mounted at DISK_MOUNT/<name>); absent or empty: none. */
    disks?: string[];
    /** Per cent in use above which a volume fails the disk part. */
    diskMaxPercent?: number;
    cacheSeconds: number;
    callTimeoutSeconds: number;
}

/** The script's environment, NAME -> value; absent names turn a part off ("not used"). */
export function responderEnvironment(s: HealthResponderSettings): Record<string, string> {
    const problems: string[] = [];
    if (s.ollamaUrls.length === 0) problems.push("ollamaUrls is empty: at least one Ollama server must be checked");
    if (s.models.length === 0) problems.push("models is empty: at least one model must be checked");
    for (const m of s.models) if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(m)) problems.push(`model ${JSON.stringify(m)} is not a model name (name[:tag])`);
    for (const u of [s.backendHealthUrl, ...s.ollamaUrls]) if (!/^http:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/.test(u)) problems.push(`${JSON.stringify(u)} is not an http:// URL on the app network`);
    for (const [k, v] of Object.entries({ backupMaxAgeSeconds: s.backupMaxAgeSeconds, cacheSeconds: s.cacheSeconds, callTimeoutSeconds: s.callTimeoutSeconds })) {
        if (!Number.isInteger(v) || v < (k === "cacheSeconds" ? 0 : 1)) problems.push(`${k} ${v} is not a whole number of seconds${k === "cacheSeconds" ? "" : " of at least 1"}`);
    }
    for (const d of s.disks ?? []) if (!/^[a-z][a-z0-9-]*$/.test(d)) problems.push(`disk name ${JSON.stringify(d)} is not lower-case letters, digits and -`);
    if (s.diskMaxPercent !== undefined && !(Number.isInteger(s.diskMaxPercent) && s.diskMaxPercent >= 1 && s.diskMaxPercent <= 100)) {
        problems.push(`diskMaxPercent ${s.diskMaxPercent} is not a whole per cent from 1 to 100`);
    }
    if (problems.length > 0) throw new Error(`health responder settings refused: ${problems.join("; ")}`);
    return {
        HEALTH_BACKEND_URL: s.backendHealthUrl,
        HEALTH_OLLAMA_URLS: s.ollamaUrls.join(" "),
        HEALTH_MODELS: s.models.join(" "),
        ...(s.watchdog ? { HEALTH_WATCHDOG_DIR: WATCHDOG_MOUNT } : {}),
        ...(s.backups ? { HEALTH_BACKUP_STATUS_DIR: BACKUP_STATUS_MOUNT } : {}),
        ...(s.activityLog ? { HEALTH_ACTIVITY_LOG: `${ACTIVITY_LOG_MOUNT}/${ACTIVITY_LOG_FILE_NAME}`, HEALTH_ACTIVITY_TAIL_BYTES: String(ACTIVITY_LOG_TAIL_BYTES) } : {}),
        HEALTH_BACKUP_MAX_AGE_SECONDS: String(s.backupMaxAgeSeconds),
        ...(s.disks && s.disks.length > 0 ? {
            HEALTH_DISK_DIRS: s.disks.map((d) => `${d}=${DISK_MOUNT}/${d}`).join(" "),
            ...(s.diskMaxPercent !== undefined ? { HEALTH_DISK_MAX_PERCENT: String(s.diskMaxPercent) } : {}),
        } : {}),
        HEALTH_CACHE_SECONDS: String(s.cacheSeconds),
        HEALTH_TIMEOUT_SECONDS: String(s.callTimeoutSeconds),
    };
}

/** httpd in the foreground, listening on `listen` (`8081`, or `127.0.0.1:8081` beside the router). */
export function responderCommand(listen: string): string[] {
    return ["httpd", "-f", "-p", listen, "-h", HEALTH_DOCUMENT_ROOT];
}

/**
 * How long the front door waits for the responder's headers. A refresh makes at most two rounds of
 * calls (ps, then tags for a model that is not loaded), each bounded by the call timeout, plus a
 * few seconds of assembly: the script's own limit, 2 x timeout + 5 s, is also what a probe waits
 * for another probe's refresh. Five more seconds, so the script always answers first.
 */
export function responderAnswerTimeoutSeconds(callTimeoutSeconds: number): number {
    return 2 * callTimeoutSeconds + 10;
}
