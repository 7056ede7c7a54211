/**
 * `npm run backup`, `restore` and `restore-drill`, in order: the stack's `backup` output (where the
 * job, the repository and Neo4j's store are: components/backup/target.ts) → the same scripts the
 * droplet's timer runs (components/backup/scripts/), here for dev (with the stack's secret
 * backupPassword in a 0600 file that lives as long as the script), or on the droplet over SSH for
 * prod (with the installed unit's settings: neo4j-with-unit-env.sh) → for a restore, the switch to the
 * restored store, which never overwrites the current one:
 *   dev   `pulumi config set services.neo4j.volumeName <restored volume>` and `pulumi up`: the stack
 *         file says which volume holds the graph, and going back is the same two commands;
 *   prod  neo4j-switch-store.sh on the droplet: Neo4j stopped, the current store renamed aside, the
 *         restored one renamed in, Neo4j started and healthy (undone on any failure).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_SCRIPTS_DIR } from "../../components/backup/scripts";
import { BACKUP_MIN_PASSWORD_LENGTH } from "../../components/config/backup";
import type { PulumiRunner } from "../park/pulumi";
import type { BackupOptions } from "./args";
import { lastMarker, ProcessRunner } from "./processes";
import { BackupTarget, DropletBackupTarget, LocalBackupTarget, readBackupTarget } from "./stack-target";

export interface BackupDeps {
    pulumi: PulumiRunner;
    processes: ProcessRunner;
    say: (line: string) => void;
    /** The environment the scripts inherit (PATH, DOCKER_HOST, HOME, SSH_AUTH_SOCK). */
    env: NodeJS.ProcessEnv;
    now: () => Date;
    /** Where the scripts are (this checkout's components/backup/scripts). */
    scriptsDir?: string;
}

/** A name part from a time: 20261204-201500 (UTC), for the restored store and the one set aside. */
export function stamp(d: Date): string {
    return d.toISOString().replace(/\.\d+Z$/, "").replace(/[-:]/g, "").replace("T", "-");
}

async function stackOutputs(o: BackupOptions, d: BackupDeps): Promise<Record<string, unknown>> {
    let text: string;
    if (o.outputsFile) {
        text = fs.readFileSync(o.outputsFile, "utf8");
    } else {
        const r = await d.pulumi.run(["stack", "output", "--json", "--stack", o.stack], { timeoutMs: 120_000 });
        if (r.code !== 0) throw new Error(`pulumi stack output --stack ${o.stack} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-2).join(" ")}`);
        text = r.stdout;
    }
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the stack outputs are not a JSON object");
    return parsed as Record<string, unknown>;
}

export async function runBackupCommand(o: BackupOptions, d: BackupDeps): Promise<number> {
    let target: BackupTarget;
    try {
        target = readBackupTarget(await stackOutputs(o, d), o.stack);
    } catch (err) {
        d.say(`${o.action}: ${(err as Error).message}; nothing was done`);
        return 2;
    }
    if (target.where === "none") {
        d.say(`${o.action}: stack ${o.stack} has no backups: ${target.reason}; nothing was done`);
        return 2;
    }
    return target.where === "local" ? runLocal(o, target, d) : runOnDroplet(o, target, d);
}

// ---- dev: the scripts here, the repository a directory here ------------------------------------

async function readPassword(o: BackupOptions, d: BackupDeps): Promise<string | string[]> {
    const r = await d.pulumi.run(["config", "get", "backupPassword", "--stack", o.stack], { timeoutMs: 120_000 });
    const set = `pulumi config set --stack ${o.stack} --secret backupPassword "$(openssl rand -base64 24)"`;
    if (r.code !== 0) {
        if (/not found|no value/i.test(r.stderr)) return [`stack ${o.stack} has no backupPassword (the restic repository's password): set one with`, `  ${set}`, "and keep a copy off this machine: without it no snapshot can be read"];
        return [`pulumi config get backupPassword --stack ${o.stack} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-2).join(" ")}`,
            "(a passphrase-protected stack needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE)"];
    }
    const password = r.stdout.replace(/\r?\n$/, "");
    if (password.length < BACKUP_MIN_PASSWORD_LENGTH) return [`backupPassword has ${password.length} characters; the repository needs at least ${BACKUP_MIN_PASSWORD_LENGTH}: ${set}`];
    if (/[\r\n]/.test(password)) return ["backupPassword spans several lines; the credentials file takes one line: set it again"];
    return password;
}

function localEnv(t: LocalBackupTarget, d: BackupDeps, credentials: string, extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
        ...d.env,
        NEO4J_CONTAINER: t.neo4jContainer,
        NEO4J_DATA: t.neo4jVolume,
        BACKUP_WORK_DIR: t.workDir,
        BACKUP_STATUS_DIR: t.statusDir,
        RESTIC_REPOSITORY: t.repository,
        BACKUP_CREDENTIALS_FILE: credentials,
        BACKUP_HOST: t.backupHost,
        BACKUP_TAG: t.tag,
        BACKUP_KEEP_WITHIN: t.retention.keepWithin,
        BACKUP_KEEP_DAILY: String(t.retention.keepDaily),
        BACKUP_KEEP_WEEKLY: String(t.retention.keepWeekly),
        BACKUP_KEEP_MONTHLY: String(t.retention.keepMonthly),
        ...extra,
    };
}

async function runLocal(o: BackupOptions, t: LocalBackupTarget, d: BackupDeps): Promise<number> {
    const password = await readPassword(o, d);
    if (Array.isArray(password)) {
        for (const line of password) d.say(`${o.action}: ${line}`);
        d.say(`${o.action}: nothing was done`);
        return 1;
    }
    const scripts = d.scriptsDir ?? BACKUP_SCRIPTS_DIR;
    // The password in a file of this user only, removed when the script is done (also on Ctrl-C: the
    // runner waits for the script's own trap first).
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-"));
    const credentials = path.join(secrets, "credentials");
    try {
        fs.chmodSync(secrets, 0o700);
        fs.writeFileSync(credentials, `RESTIC_PASSWORD=${password}\n`, { mode: 0o600 });
        fs.mkdirSync(t.workDir, { recursive: true, mode: 0o700 });
        fs.mkdirSync(t.statusDir, { recursive: true, mode: 0o755 });
        const script = (file: string, extra: Record<string, string> = {}) =>
            d.processes.run("sh", [path.join(scripts, file)], { env: localEnv(t, d, credentials, extra) });
        switch (o.action) {
            case "backup": {
                if (o.list) return (await script("neo4j-snapshots.sh")).code;
                d.say(`backup: ${t.neo4jContainer} (volume ${t.neo4jVolume}) to ${t.repository}; Neo4j is stopped for the dump only`);
                const r = await script("neo4j-backup.sh", { BACKUP_REASON: "manual" });
                d.say(r.code === 0 ? `backup: done; status in ${t.statusDir}; restore with npm run restore -- --stack ${o.stack}`
                    : `backup: failed (exit ${r.code}): the sentence above says why; nothing was recorded as a good backup`);
                return r.code === 0 ? 0 : 1;
            }
            case "restore-drill": {
                const r = await script("neo4j-restore-drill.sh", { RESTORE_SNAPSHOT: o.snapshot, DRILL_STATUS_DIR: t.statusDir });
                return r.code === 0 ? 0 : 1;
            }
            case "restore":
                return await restoreLocal(o, t, d, script);
        }
    } finally {
        fs.rmSync(secrets, { recursive: true, force: true });
    }
}

async function restoreLocal(o: BackupOptions, t: LocalBackupTarget, d: BackupDeps,
    script: (file: string, extra?: Record<string, string>) => Promise<{ code: number; stdout: string }>): Promise<number> {
    const volume = `${t.neo4jVolume.replace(/-restored-\d{8}-\d{6}$/, "")}-restored-${stamp(d.now())}`;
    d.say(`restore: snapshot ${o.snapshot} into the new volume ${volume}; the current volume ${t.neo4jVolume} is not touched`);
    const r = await script("neo4j-restore.sh", { RESTORE_TARGET: volume, RESTORE_SNAPSHOT: o.snapshot, RESTORE_LABELS: `rag-stack.stack=${t.backupHost}` });
    const done = lastMarker(r.stdout, "restore");
    if (r.code !== 0 || !done) {
        d.say(`restore: failed (exit ${r.code}): the sentence above says why; Neo4j still runs on ${t.neo4jVolume}`);
        return 1;
    }
    const back = `pulumi config set --stack ${o.stack} --path ${t.volumeKey} ${t.neo4jVolume} && npm run pulumi -- up --stack ${o.stack}`;
    if (o.noSwitch) {
        d.say(`restore: snapshot ${done.snapshot} is in ${volume} (${done.seconds} s); Neo4j still runs on ${t.neo4jVolume}. To switch:`);
        d.say(`  pulumi config set --stack ${o.stack} --path ${t.volumeKey} ${volume} && npm run pulumi -- up --stack ${o.stack}`);
        return 0;
    }
    d.say(`restore: restored in ${done.seconds} s; switching: ${t.volumeKey} = ${volume}, then pulumi up (Neo4j is replaced onto it)`);
    const set = await d.pulumi.run(["config", "set", "--path", t.volumeKey, volume, "--stack", o.stack]);
    if (set.code !== 0) {
        d.say(`restore: pulumi config set failed (exit ${set.code}): ${set.stderr.trim()}; Neo4j still runs on ${t.neo4jVolume}, the restored graph is in ${volume}`);
        return 1;
    }
    const up = await d.pulumi.run(["up", "--yes", "--stack", o.stack], { live: true, timeoutMs: 60 * 60_000 });
    if (up.code !== 0) {
        d.say(`restore: pulumi up failed (exit ${up.code}); the stack file names ${volume}. Read the error above and run npm run pulumi -- up --stack ${o.stack} again, or go back: ${back}`);
        return 1;
    }
    d.say(`restore: Neo4j runs on ${volume} (snapshot ${done.snapshot}). The previous volume ${t.neo4jVolume} is kept; to go back: ${back}`);
    d.say(`restore: when you are sure, free it: docker volume rm ${t.neo4jVolume} (after the graph has a new backup: npm run backup -- --stack ${o.stack})`);
    return 0;
}

// ---- prod: the installed scripts on the droplet, over SSH ---------------------------------------

/** `ssh <pinned options> <target> <scriptsDir>/neo4j-with-unit-env.sh <script> NAME=VALUE...`: the installed script, with the unit's settings. */
async function sshRun(t: DropletBackupTarget, ssh: NonNullable<DropletBackupTarget["ssh"]>, d: BackupDeps, script: string, assignments: Record<string, string>) {
    const runner = `${t.scriptsDir}/neo4j-with-unit-env.sh`;
    const args = [...ssh.options, ssh.target, runner, script, ...Object.entries(assignments).map(([k, v]) => `${k}=${v}`)];
    const r = await d.processes.run("ssh", args, { env: d.env });
    // The remote shell's "not found": a droplet whose backup scripts predate these commands.
    if (r.code === 127) d.say(`${runner} is not on ${ssh.target}: its backup scripts predate this command; run up (it installs them again), then this again`);
    return r;
}

async function runOnDroplet(o: BackupOptions, t: DropletBackupTarget, d: BackupDeps): Promise<number> {
    const ssh = t.ssh;
    if (!ssh) {
        d.say(`${o.action}: stack ${o.stack} is parked: nothing runs the scripts; the snapshots are safe in the bucket ${t.bucket} (${t.bucketRegion}). ` +
            `Unpark first (npm run unpark -- --stack ${o.stack}), then run this again`);
        return 1;
    }
    d.say(`${o.action}: on ${ssh.target} over SSH, with the settings of ${t.unit}`);
    switch (o.action) {
        case "backup": {
            if (o.list) return (await sshRun(t, ssh, d, "neo4j-snapshots.sh", {})).code;
            const r = await sshRun(t, ssh, d, "neo4j-backup.sh", { BACKUP_REASON: "manual" });
            d.say(r.code === 0 ? `backup: done; the droplet's status is in ${t.statusDir}`
                : `backup: failed (exit ${r.code}): the sentence above says why; nothing was recorded as a good backup`);
            return r.code === 0 ? 0 : 1;
        }
        case "restore-drill": {
            const r = await sshRun(t, ssh, d, "neo4j-restore-drill.sh", { RESTORE_SNAPSHOT: o.snapshot });
            return r.code === 0 ? 0 : 1;
        }
        case "restore": {
            const when = stamp(d.now());
            const parent = path.posix.dirname(t.neo4jStoreDir);
            const restored = `${parent}/${path.posix.basename(t.neo4jStoreDir)}-restored-${when}`;
            const aside = `${parent}/${path.posix.basename(t.neo4jStoreDir)}-before-restore-${when}`;
            d.say(`restore: snapshot ${o.snapshot} into the new directory ${restored} (the Neo4j block volume); the current store ${t.neo4jStoreDir} is not touched`);
            const r = await sshRun(t, ssh, d, "neo4j-restore.sh", { RESTORE_TARGET: restored, RESTORE_SNAPSHOT: o.snapshot });
            const done = lastMarker(r.stdout, "restore");
            if (r.code !== 0 || !done) {
                d.say(`restore: failed (exit ${r.code}): the sentence above says why; Neo4j still runs on ${t.neo4jStoreDir}`);
                return 1;
            }
            const sw = { NEO4J_CONTAINER: t.neo4jContainer, STORE_DIR: t.neo4jStoreDir, RESTORED_DIR: restored, ASIDE_DIR: aside };
            if (o.noSwitch) {
                d.say(`restore: snapshot ${done.snapshot} is in ${restored} (${done.seconds} s); Neo4j still runs on ${t.neo4jStoreDir}. To switch, on the droplet:`);
                d.say(`  ${Object.entries(sw).map(([k, v]) => `${k}=${v}`).join(" ")} ${t.scriptsDir}/neo4j-switch-store.sh`);
                return 0;
            }
            d.say(`restore: restored in ${done.seconds} s; switching Neo4j to it (the current store moves to ${aside})`);
            const s = await sshRun(t, ssh, d, "neo4j-switch-store.sh", sw);
            if (s.code !== 0) {
                d.say(`restore: the switch failed (exit ${s.code}): the sentence above says where each store is; the restored graph is in ${restored} unless it says otherwise`);
                return 1;
            }
            d.say(`restore: Neo4j runs on snapshot ${done.snapshot}; the previous store is kept in ${aside} on the droplet`);
            return 0;
        }
    }
}
