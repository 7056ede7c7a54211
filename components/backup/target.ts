/**
 * Where a stack's Neo4j backups are made, kept and restored, as one stack output (index.ts
 * `backup`): `npm run backup`, `npm run restore`, `npm run restore-drill` (tools/backup.ts) and
 * `npm run verify` read it, so they run the very scripts and settings `up` installed.
 *
 * - local (dev, the local engine): the scripts run on this machine against the Neo4j container;
 *   the restic repository is a directory here (`backup.repository`); the password is the stack's
 *   secret `backupPassword`, read by the command when it runs.
 * - droplet (prod): the scripts `up` installed on the droplet run there over SSH, with the unit's
 *   settings and the credentials file only root reads; the SSH options pin the droplet's host key.
 * - none: no backups for this stack, and why.
 */
import * as path from "path";
import type { BackupSettings } from "../config/backup";
import { expandHome } from "../config/reader";
import { BACKUP_INSTALL_DIR, BACKUP_SERVICE } from "./scripts";

/** restic's tag of the stack's snapshots (the scripts' default). */
export const BACKUP_TAG = "rag-stack-neo4j";

export interface BackupRetention { keepWithin: string; keepDaily: number; keepWeekly: number; keepMonthly: number }

interface BackupTargetCommon {
    repository: string;
    /** restic --host of the snapshots: the stack's name, which outlives any machine. */
    backupHost: string;
    tag: string;
    neo4jContainer: string;
    statusDir: string;
    workDir: string;
    retention: BackupRetention;
    /** verify (and /healthz on prod) fail when the last good backup is older than this. */
    maxAgeHours: number;
}

export interface LocalBackupTarget extends BackupTargetCommon {
    where: "local";
    /** The Docker volume the Neo4j container mounts at /data. */
    neo4jVolume: string;
    /** The config key that names the volume Neo4j mounts: a restore switches by setting it. */
    volumeKey: "services.neo4j.volumeName";
}

export interface DropletBackupTarget extends BackupTargetCommon {
    where: "droplet";
    /** `ssh <options> <target>`; absent while parked (the bucket stays, nothing runs). */
    ssh?: { target: string; options: string[] };
    unit: string;
    scriptsDir: string;
    credentialsFile: string;
    /** The directory Neo4j's store lives in (bound into the container at /data). */
    neo4jStoreDir: string;
    bucket: string;
    bucketRegion: string;
}

export interface NoBackupTarget { where: "none"; reason: string }

export type BackupTarget = LocalBackupTarget | DropletBackupTarget | NoBackupTarget;

/** The settings a target carries (components/config/backup.ts). */
export type BackupTargetSettings = Pick<BackupSettings, "keepWithin" | "keepDaily" | "keepWeekly" | "keepMonthly" | "maxAgeHours" | "repository" | "bucketRegion">;

function common(s: BackupTargetSettings, backupHost: string, neo4jContainer: string): Omit<BackupTargetCommon, "repository" | "statusDir" | "workDir"> {
    return {
        backupHost,
        tag: BACKUP_TAG,
        neo4jContainer,
        retention: { keepWithin: s.keepWithin, keepDaily: s.keepDaily, keepWeekly: s.keepWeekly, keepMonthly: s.keepMonthly },
        maxAgeHours: s.maxAgeHours,
    };
}

/**
 * dev: the repository as configured (`~` expanded on this machine); status and dumps beside it
 * (`<repository>-status`, `<repository>-work`), so a repository on an external disk keeps its
 * dumps there too. Both must be directories Docker Desktop shares (the home directory and
 * /Volumes are, by default).
 */
export function localBackupTarget(s: BackupTargetSettings, backupHost: string, neo4jContainer: string, neo4jVolume: string): LocalBackupTarget {
    const repository = path.resolve(expandHome(s.repository));
    return {
        where: "local",
        ...common(s, backupHost, neo4jContainer),
        repository,
        statusDir: `${repository}-status`,
        workDir: `${repository}-work`,
        neo4jVolume,
        volumeKey: "services.neo4j.volumeName",
    };
}

export interface DropletTargetArgs {
    repository: string;
    bucket: string;
    ssh?: { target: string; options: string[] };
    neo4jContainer: string;
    neo4jStoreDir: string;
    statusDir: string;
    workDir: string;
    credentialsFile: string;
}

export function dropletBackupTarget(s: BackupTargetSettings, backupHost: string, a: DropletTargetArgs): DropletBackupTarget {
    return {
        where: "droplet",
        ...common(s, backupHost, a.neo4jContainer),
        repository: a.repository,
        statusDir: a.statusDir,
        workDir: a.workDir,
        ssh: a.ssh,
        unit: BACKUP_SERVICE,
        scriptsDir: BACKUP_INSTALL_DIR,
        credentialsFile: a.credentialsFile,
        neo4jStoreDir: a.neo4jStoreDir,
        bucket: a.bucket,
        bucketRegion: s.bucketRegion,
    };
}
