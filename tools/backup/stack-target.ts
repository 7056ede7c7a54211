/**
 * The stack's `backup` output (components/backup/target.ts), read from `pulumi stack output` or an
 * outputs file and checked field by field: the commands run scripts with these values, so a value
 * a shell would interpret is refused here, with the field and the value.
 */
import type { BackupTarget, DropletBackupTarget, LocalBackupTarget } from "../../components/backup/target";

export type { BackupTarget, DropletBackupTarget, LocalBackupTarget };

/** Plain words and paths only: what the scripts and ssh get is never interpreted. */
const PLAIN = /^[A-Za-z0-9._/:@=,+-]+$/;

function field(o: Record<string, unknown>, key: string, where: string): string {
    const v = o[key];
    if (typeof v !== "string" || !PLAIN.test(v)) throw new Error(`the stack output backup.${key} (${where}) is ${JSON.stringify(v)}: expected a plain word or path`);
    return v;
}

function count(o: Record<string, unknown>, key: string): number {
    const v = o[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new Error(`the stack output backup.${key} is ${JSON.stringify(v)}: expected a whole number`);
    return v;
}

function retention(o: Record<string, unknown>): LocalBackupTarget["retention"] {
    const r = o.retention;
    if (!r || typeof r !== "object") throw new Error("the stack output backup.retention is missing");
    const x = r as Record<string, unknown>;
    return { keepWithin: field(x, "keepWithin", "retention"), keepDaily: count(x, "keepDaily"), keepWeekly: count(x, "keepWeekly"), keepMonthly: count(x, "keepMonthly") };
}

/**
 * The checked target, or a sentence saying why there is none: no output (a stack last deployed
 * before the backup commands existed), or `where: none` with the stack's reason.
 */
export function readBackupTarget(outputs: Record<string, unknown>, stack: string): BackupTarget {
    const raw = outputs.backup;
    if (raw === undefined) {
        throw new Error(`stack ${stack} has no backup output: it was last deployed before the backup commands existed; run npm run up:${stack === "dev" || stack === "prod" ? stack : "dev"} (or pulumi up --stack ${stack}) once, then this again`);
    }
    if (!raw || typeof raw !== "object") throw new Error(`the stack output backup is ${JSON.stringify(raw)}: expected an object`);
    const o = raw as Record<string, unknown>;
    if (o.where === "none") return { where: "none", reason: typeof o.reason === "string" ? o.reason : "the stack has no backups" };
    if (o.where !== "local" && o.where !== "droplet") throw new Error(`the stack output backup.where is ${JSON.stringify(o.where)}: expected local, droplet or none`);
    const common = {
        repository: field(o, "repository", "the restic repository"),
        backupHost: field(o, "backupHost", "restic --host"),
        tag: field(o, "tag", "restic tag"),
        neo4jContainer: field(o, "neo4jContainer", "the Neo4j container"),
        statusDir: field(o, "statusDir", "status files"),
        workDir: field(o, "workDir", "dumps"),
        retention: retention(o),
        maxAgeHours: count(o, "maxAgeHours"),
    };
    switch (o.where) {
        case "local":
            return {
                ...common, where: "local", neo4jVolume: field(o, "neo4jVolume", "the Neo4j volume"), volumeKey: "services.neo4j.volumeName",
            };
        case "droplet": {
            let ssh: DropletBackupTarget["ssh"];
            if (o.ssh !== undefined && o.ssh !== null) {
                const s = o.ssh as Record<string, unknown>;
                const options = s.options;
                if (!Array.isArray(options) || options.some((x) => typeof x !== "string")) throw new Error("the stack output backup.ssh.options is not a list of strings");
                ssh = { target: field(s, "target", "ssh user@address"), options: options as string[] };
            }
            return {
                ...common, where: "droplet", ssh, unit: field(o, "unit", "systemd unit"), scriptsDir: field(o, "scriptsDir", "installed scripts"),
                credentialsFile: field(o, "credentialsFile", "credentials"), neo4jStoreDir: field(o, "neo4jStoreDir", "Neo4j's store"),
                bucket: field(o, "bucket", "Spaces bucket"), bucketRegion: field(o, "bucketRegion", "Spaces region"),
            };
        }
    }
}
