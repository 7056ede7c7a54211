/**
 * The Neo4j backup machinery as text, for whatever installs it (the droplet's provisioning, the dev
 * commands): the scripts in ./scripts (installed together in BACKUP_INSTALL_DIR: they source
 * backup-lib.sh from their own directory) and the systemd units in ./systemd, rendered here with
 * checked values. A value a unit file or a shell would interpret (spaces, `%` specifiers, quotes,
 * newlines) is refused with the field, the value and what is allowed.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const BACKUP_SCRIPTS_DIR = path.join(__dirname, "scripts");
export const BACKUP_SYSTEMD_DIR = path.join(__dirname, "systemd");

/** The scripts, in install order (the library first). */
export const BACKUP_SCRIPT_FILES = [
    "backup-lib.sh", "neo4j-backup.sh", "neo4j-restore.sh", "neo4j-restore-drill.sh", "neo4j-snapshots.sh", "neo4j-switch-store.sh",
    "neo4j-with-unit-env.sh",
] as const;
export type BackupScriptFile = (typeof BACKUP_SCRIPT_FILES)[number];

/**
 * The scripts `up` runs over SSH on stdin and never installs: the step before a new Neo4j image
 * starts (pre-upgrade.ts). It calls the installed neo4j-backup.sh.
 */
export const BACKUP_STEP_SCRIPT_FILES = ["neo4j-pre-upgrade-backup.sh"] as const;

/** Where the scripts live on a machine that runs them: all of BACKUP_SCRIPT_FILES in one directory. */
export const BACKUP_INSTALL_DIR = "/usr/local/lib/rag-stack/backup";
export const BACKUP_SERVICE = "rag-stack-neo4j-backup.service";
/** Runs an installed script with the installed unit's settings (the commands over ssh, the pre-upgrade step). */
export const BACKUP_UNIT_ENV_RUNNER = `${BACKUP_INSTALL_DIR}/neo4j-with-unit-env.sh`;
export const BACKUP_TIMER = "rag-stack-neo4j-backup.timer";

/** The status files the scripts write in the status directory (contract with verify and the health endpoint). */
export const BACKUP_STATUS_FILES = { lastSuccess: "last-success.json", lastRun: "last-run.json", lastDrill: "last-drill.json" } as const;

/** The scripts' own defaults, repeated here so the units and the docs say the same. */
export const BACKUP_DEFAULTS = {
    keepDaily: 7,
    keepWeekly: 4,
    keepMonthly: 6,
    /** Every snapshot this recent is kept too (restic --keep-within): a manual backup survives its day. */
    keepWithin: "2d",
    hour: 3,
    randomizedDelayMinutes: 30,
    /** Neo4j's graceful shutdown (the stack's destroyGraceSeconds for Neo4j is the same). */
    stopTimeoutSeconds: 60,
    timeoutMinutes: 360,
} as const;

/** The text of one script, as installed. */
export function backupScript(file: BackupScriptFile): string {
    return fs.readFileSync(path.join(BACKUP_SCRIPTS_DIR, file), "utf8");
}

/** Short content hash of every script, so a change to any of them re-installs them. */
export function backupScriptsHash(): string {
    const h = crypto.createHash("sha256");
    for (const f of BACKUP_SCRIPT_FILES) h.update(f).update(backupScript(f));
    return h.digest("hex").slice(0, 16);
}

export interface BackupServiceSettings {
    /** The live Neo4j container's name. */
    neo4jContainer: string;
    /** Its data volume (Docker volume name) or host directory, as it mounts it at /data. */
    neo4jData: string;
    /** Absolute directory for the dumps and the lock (root only). */
    workDir: string;
    /** Absolute directory for last-success.json, last-run.json, last-drill.json. */
    statusDir: string;
    /** restic repository: s3:https://<endpoint>/<bucket>[/<prefix>] or an absolute path. */
    repository: string;
    /** Absolute path of the credentials file (RESTIC_PASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; 0600). */
    credentialsFile: string;
    /** restic --host: a name that outlives the machine (the stack's). */
    backupHost: string;
    keepDaily?: number;
    keepWeekly?: number;
    keepMonthly?: number;
    /** restic duration (2d, 36h, 1m15d) or "none". */
    keepWithin?: string;
    stopTimeoutSeconds?: number;
    /** TimeoutStartSec in minutes: long enough for a first upload of the whole graph; the script
     * stops a stuck upload 10 minutes before (BACKUP_UPLOAD_TIMEOUT), so the failure is recorded. */
    timeoutMinutes?: number;
    /** The installed backup script (default BACKUP_INSTALL_DIR/neo4j-backup.sh). */
    scriptPath?: string;
}

export interface BackupTimerSettings {
    /** Hour of the day, UTC, 0-23. */
    hour?: number;
    /** RandomizedDelaySec in minutes. */
    randomizedDelayMinutes?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const ABSOLUTE = /^\/[A-Za-z0-9._\/-]*$/;
const S3_REPOSITORY = /^s3:https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._\/-]*)?$/;

export class BackupSettingsError extends Error {
    constructor(readonly problems: string[]) {
        super(`backup settings refused:\n  ${problems.join("\n  ")}`);
        this.name = "BackupSettingsError";
    }
}

class Checker {
    readonly problems: string[] = [];
    private refuse(field: string, value: unknown, expected: string): void {
        this.problems.push(`${field}: ${JSON.stringify(value)} is not allowed; expected ${expected}`);
    }
    name(field: string, value: string): string {
        if (!NAME.test(value)) this.refuse(field, value, "a Docker name: letters, digits and _ . - (first a letter or digit)");
        return value;
    }
    absolute(field: string, value: string): string {
        if (!ABSOLUTE.test(value) || value.split("/").some((part) => part === "." || part === "..") || value.includes("//") || value === "/") {
            this.refuse(field, value, "an absolute path of letters, digits and _ . - / (no . or .. parts)");
        }
        return value;
    }
    nameOrAbsolute(field: string, value: string): string {
        return value.startsWith("/") ? this.absolute(field, value) : this.name(field, value);
    }
    repository(field: string, value: string): string {
        if (value.startsWith("/")) return this.absolute(field, value);
        if (!S3_REPOSITORY.test(value)) this.refuse(field, value, "s3:https://<endpoint>/<bucket>[/<prefix>] (e.g. s3:https://ams3.digitaloceanspaces.com/my-backups/rag-stack) or an absolute path");
        return value;
    }
    duration(field: string, value: string): string {
        if (value !== "none" && !/^([0-9]+[ymdh])+$/.test(value)) this.refuse(field, value, 'a restic duration like 2d, 36h or 1m15d, or "none"');
        return value;
    }
    integer(field: string, value: number, min: number, max: number): string {
        if (!Number.isInteger(value) || value < min || value > max) this.refuse(field, value, `a whole number from ${min} to ${max}`);
        return String(value);
    }
    done(): void {
        if (this.problems.length > 0) throw new BackupSettingsError(this.problems);
    }
}

/** Replaces every {{key}}; a placeholder without a value is a bug in the template or here. */
function fill(template: string, values: Record<string, string>): string {
    const out = template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`no value for ${whole} in a backup unit template`);
        return v;
    });
    return out;
}

const unitTemplate = (file: string) => fs.readFileSync(path.join(BACKUP_SYSTEMD_DIR, file), "utf8");

/** rag-stack-neo4j-backup.service with checked values. */
export function renderBackupService(s: BackupServiceSettings): string {
    const c = new Checker();
    const keepDaily = s.keepDaily ?? BACKUP_DEFAULTS.keepDaily;
    const keepWeekly = s.keepWeekly ?? BACKUP_DEFAULTS.keepWeekly;
    const keepMonthly = s.keepMonthly ?? BACKUP_DEFAULTS.keepMonthly;
    const timeoutMinutes = s.timeoutMinutes ?? BACKUP_DEFAULTS.timeoutMinutes;
    const values = {
        neo4jContainer: c.name("neo4jContainer", s.neo4jContainer),
        neo4jData: c.nameOrAbsolute("neo4jData", s.neo4jData),
        workDir: c.absolute("workDir", s.workDir),
        statusDir: c.absolute("statusDir", s.statusDir),
        repository: c.repository("repository", s.repository),
        credentialsFile: c.absolute("credentialsFile", s.credentialsFile),
        backupHost: c.name("backupHost", s.backupHost),
        keepDaily: c.integer("keepDaily", keepDaily, 0, 3650),
        keepWeekly: c.integer("keepWeekly", keepWeekly, 0, 520),
        keepMonthly: c.integer("keepMonthly", keepMonthly, 0, 1200),
        keepWithin: c.duration("keepWithin", s.keepWithin ?? BACKUP_DEFAULTS.keepWithin),
        stopTimeoutSeconds: c.integer("stopTimeoutSeconds", s.stopTimeoutSeconds ?? BACKUP_DEFAULTS.stopTimeoutSeconds, 10, 3600),
        timeoutMinutes: c.integer("timeoutMinutes", timeoutMinutes, 20, 2880),
        uploadTimeoutSeconds: String(Math.max(600, (timeoutMinutes - 10) * 60)),
        scriptPath: c.absolute("scriptPath", s.scriptPath ?? `${BACKUP_INSTALL_DIR}/neo4j-backup.sh`),
    };
    if (keepDaily + keepWeekly + keepMonthly < 1) {
        c.problems.push("keepDaily, keepWeekly, keepMonthly: all 0 is not allowed; that retention would forget every backup");
    }
    c.done();
    return fill(unitTemplate(BACKUP_SERVICE), values);
}

/** rag-stack-neo4j-backup.timer with checked values. */
export function renderBackupTimer(t: BackupTimerSettings = {}): string {
    const c = new Checker();
    const hour = t.hour ?? BACKUP_DEFAULTS.hour;
    const values = {
        hour: c.integer("hour", hour, 0, 23).padStart(2, "0"),
        randomizedDelayMinutes: c.integer("randomizedDelayMinutes", t.randomizedDelayMinutes ?? BACKUP_DEFAULTS.randomizedDelayMinutes, 0, 720),
    };
    c.done();
    return fill(unitTemplate(BACKUP_TIMER), values);
}
