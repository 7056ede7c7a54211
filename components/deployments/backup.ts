/** The droplet's backup job (components/backup/droplet.ts) as the Docker shape builds it: prod only. */
import * as pulumi from "@pulumi/pulumi";
import { DropletBackup } from "../backup/droplet";
import type { Profile } from "../config/profile";
import { DROPLET_MOUNTS } from "../hosts/digitalocean";
import type { StackHost } from "../hosts";
import { containerName, dropletNames, neo4jDataVolumeName, stackName } from "../names";

/** On the Neo4j block volume: the status follows a replaced droplet; the dumps have the volume's room. */
export const DROPLET_BACKUP_DIRS = {
    status: `${DROPLET_MOUNTS.neo4j}/backup-status`,
    work: `${DROPLET_MOUNTS.neo4j}/backup-work`,
    credentials: "/etc/rag-stack/backup.env",
} as const;

/** The bucket, the key and (running) the installed job; undefined unless backups are on for a droplet. */
export function dropletBackup(profile: Profile, host: StackHost): DropletBackup | undefined {
    const d = host.digitalocean;
    if (!d || !profile.backup.enabled) return undefined;
    return new DropletBackup("backup", {
        settings: profile.backup,
        doProvider: d.provider,
        keyName: `${dropletNames().prefix}-backup`,
        connection: d.connection,
        after: d.readiness ? [d.readiness] : [],
        rerunOn: d.droplet ? [d.droplet.id] : [],
        neo4jContainer: containerName("neo4j"),
        neo4jData: neo4jDataVolumeName(pulumi.getProject(), pulumi.getStack()),
        backupHost: stackName(),
        statusDir: DROPLET_BACKUP_DIRS.status,
        workDir: DROPLET_BACKUP_DIRS.work,
        credentialsFile: DROPLET_BACKUP_DIRS.credentials,
    });
}
