/** The droplet's backup job (components/backup/droplet.ts) as the Docker shape builds it: prod only. */
import * as pulumi from "@pulumi/pulumi";
import { DropletBackup } from "../backup/droplet";
import { BackupTarget, dropletBackupTarget, localBackupTarget } from "../backup/target";
import type { Profile } from "../config/profile";
import { DROPLET_DATA_DIRS, DROPLET_MOUNTS } from "../hosts/digitalocean";
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

/**
 * The stack's `backup` output (components/backup/target.ts): where `npm run backup`, `restore`,
 * `restore-drill` and verify find the job, the repository and Neo4j's store.
 */
export function backupTarget(profile: Profile, host: StackHost, backup: DropletBackup | undefined): pulumi.Input<BackupTarget> {
    const s = profile.backup;
    const neo4jContainer = containerName("neo4j");
    if (backup) {
        const ssh = host.docker?.ssh;
        return pulumi.all([backup.repository, backup.bucket.name, ssh ?? pulumi.output(undefined)]).apply(([repository, bucket, sshArgs]) =>
            dropletBackupTarget(s, stackName(), {
                repository, bucket, ssh: sshArgs, neo4jContainer, neo4jStoreDir: DROPLET_DATA_DIRS.neo4j,
                statusDir: DROPLET_BACKUP_DIRS.status, workDir: DROPLET_BACKUP_DIRS.work, credentialsFile: DROPLET_BACKUP_DIRS.credentials,
            }));
    }
    switch (profile.host.provider) {
        case "local":
            if (host.docker?.localEngine) {
                const volume = profile.services.neo4j.volumeName ?? neo4jDataVolumeName(pulumi.getProject(), pulumi.getStack());
                return localBackupTarget(s, stackName(), neo4jContainer, volume);
            }
            return { where: "none", reason: "the Docker engine is not this machine's (docker.host or DOCKER_HOST names another): run the backup scripts on that machine (docs/backups.md)" };
        case "existing":
            return { where: "none", reason: "host.provider is existing: the engine is another machine's; run the backup scripts there (docs/backups.md)" };
        case "doks":
            return { where: "none", reason: "backups of a Kubernetes cluster are not built (backup.disabledOnPurpose)" };
        case "digitalocean":
            return { where: "none", reason: "backup.enabled is false (backup.disabledOnPurpose: true): nothing backs this stack's graph up" };
    }
}
