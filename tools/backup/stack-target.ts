/**
 * The stack's `backup` output (components/backup/target.ts), read from `pulumi stack output` or an
 * outputs file and checked field by field. The backup commands and verify both read it here: the
 * commands run scripts with these values, so a value a shell would interpret is refused, with the
 * field and the value.
 */
import type { BackupTarget, DropletBackupTarget, LocalBackupTarget } from "../../components/backup/target";

export type { BackupTarget, DropletBackupTarget, LocalBackupTarget };

/** Plain words and paths only: what the scripts and ssh get is never interpreted. */
const PLAIN = /^[A-Za-z0-9._/:@=,+-]+$/;
const ABSOLUTE = /^\/[A-Za-z0-9._/-]+$/;

type Obj = Record<string, unknown>;

function field(o: Obj, key: string, what: string, pattern = PLAIN): string {
    const v = o[key];
    if (typeof v !== "string" || !pattern.test(v)) {
        throw new Error(`the stack output backup.${key} (${what}) is ${JSON.stringify(v)}: expected ${pattern === ABSOLUTE ? "a plain absolute path" : "a plain word or path"}`);
    }
    return v;
}

function count(o: Obj, key: string, min = 0): number {
    const v = o[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new Error(`the stack output backup.${key} is ${JSON.stringify(v)}: expected a whole number of at least ${min}`);
    return v;
}

function retention(o: Obj): LocalBackupTarget["retention"] {
    const r = o.retention;
    if (!r || typeof r !== "object" || Array.isArray(r)) throw new Error(`the stack output backup.retention is ${JSON.stringify(r)}: expected {keepWithin, keepDaily, keepWeekly, keepMonthly}`);
    const x = r as Obj;
    return { keepWithin: field(x, "keepWithin", "retention"), keepDaily: count(x, "keepDaily"), keepWeekly: count(x, "keepWeekly"), keepMonthly: count(x, "keepMonthly") };
}

/** The checked `backup` output; a malformed one throws, naming the field. */
export function parseBackupTarget(raw: unknown): BackupTarget {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`the stack output backup is ${JSON.stringify(raw)}: expected {where: local|droplet|none, ...} (components/backup/target.ts)`);
    const o = raw as Obj;
    if (o.where === "none") {
        if (typeof o.reason !== "string" || o.reason === "") throw new Error(`the stack output backup is ${JSON.stringify(raw)}: where "none" needs a reason`);
        return { where: "none", reason: o.reason };
    }
    if (o.where !== "local" && o.where !== "droplet") throw new Error(`the stack output backup.where is ${JSON.stringify(o.where)}: expected local, droplet or none`);
    const common = {
        repository: field(o, "repository", "the restic repository"),
        backupHost: field(o, "backupHost", "restic --host"),
        tag: field(o, "tag", "restic tag"),
        neo4jContainer: field(o, "neo4jContainer", "the Neo4j container"),
        statusDir: field(o, "statusDir", "status files", ABSOLUTE),
        workDir: field(o, "workDir", "dumps", ABSOLUTE),
        retention: retention(o),
        maxAgeHours: count(o, "maxAgeHours", 1),
    };
    if (o.where === "local") return { ...common, where: "local", neo4jVolume: field(o, "neo4jVolume", "the Neo4j volume"), volumeKey: "services.neo4j.volumeName" };
    let ssh: DropletBackupTarget["ssh"];
    if (o.ssh !== undefined && o.ssh !== null) {
        const s = o.ssh as Obj;
        const options = s.options;
        if (!Array.isArray(options) || options.some((x) => typeof x !== "string")) throw new Error("the stack output backup.ssh.options is not a list of strings");
        ssh = { target: field(s, "target", "ssh user@address"), options: options as string[] };
    }
    return {
        ...common, where: "droplet", ssh, unit: field(o, "unit", "systemd unit"), scriptsDir: field(o, "scriptsDir", "installed scripts", ABSOLUTE),
        credentialsFile: field(o, "credentialsFile", "credentials", ABSOLUTE), neo4jStoreDir: field(o, "neo4jStoreDir", "Neo4j's store", ABSOLUTE),
        bucket: field(o, "bucket", "Spaces bucket"), bucketRegion: field(o, "bucketRegion", "Spaces region"),
    };
}

/**
 * The commands' reading: the checked target, or an error saying why there is none (no output: a
 * stack last deployed before the backup commands existed).
 */
export function readBackupTarget(outputs: Obj, stack: string): BackupTarget {
    if (outputs.backup === undefined) {
        throw new Error(`stack ${stack} has no backup output: it was last deployed before the backup commands existed; run npm run up:${stack === "dev" || stack === "prod" ? stack : "dev"} (or pulumi up --stack ${stack}) once, then this again`);
    }
    return parseBackupTarget(outputs.backup);
}
