/**
 * Neo4j's backups on a droplet the stack created: a private Spaces bucket (in `backup.bucketRegion`,
 * protected and retained: the backups outlive the droplet, a park and a `destroy`), a Spaces key
 * with one grant (readwrite on that bucket only), and, while the droplet runs, a remote.Command
 * that installs the scripts, the units and the credentials file over SSH (install.ts).
 *
 * Provider facts (terraform-provider-digitalocean, digitalocean/spaces/resource_spaces_key.go): a
 * key's name and grants change in place (Update); its secret key is returned by the create only
 * (the read never sets it again, so it lives in the state, a secret); a key already gone reads as
 * removed (404 clears the id) and is created again. The bucket goes through the S3 API and needs
 * SPACES_ACCESS_KEY_ID / SPACES_SECRET_ACCESS_KEY (checked by the pre-flight).
 */
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { BackupSettings } from "../config/backup";
import { BackupInstall, installHash, installStdin } from "./install";

export interface DropletBackupArgs {
    settings: BackupSettings;
    /** The stack's DigitalOcean provider (it waits for the pre-flight). */
    doProvider: digitalocean.Provider;
    /** The Spaces key's name (the stack's DigitalOcean prefix). */
    keyName: string;
    /** SSH to the droplet and what the install waits for; undefined while parked (bucket and key stay). */
    connection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    after?: pulumi.Input<pulumi.Resource>[];
    /** Values whose change reinstalls (the droplet's id: a new droplet gets the job again). */
    rerunOn?: pulumi.Input<string>[];
    neo4jContainer: string;
    /** The Docker volume holding Neo4j's store (components/names.ts). */
    neo4jData: string;
    /** restic --host: the stack's name, which outlives the droplet. */
    backupHost: string;
    /** On the Neo4j block volume: it follows a replaced droplet. */
    statusDir: string;
    workDir: string;
    credentialsFile: string;
}

/** The restic repository of a bucket: s3:https://<region>.digitaloceanspaces.com/<bucket>. */
export function spacesRepository(region: string, bucket: string): string {
    return `s3:https://${region}.digitaloceanspaces.com/${bucket}`;
}

export class DropletBackup extends pulumi.ComponentResource {
    public readonly bucket: digitalocean.SpacesBucket;
    public readonly key: digitalocean.SpacesKey;
    public readonly repository: pulumi.Output<string>;
    public readonly install?: command.remote.Command;
    /** SSH to the droplet the job runs on; undefined while parked. */
    public readonly connection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    public readonly statusDir: string;

    constructor(name: string, args: DropletBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:backup:DropletBackup", name, {}, opts);
        const s = args.settings;
        const doOpts = { parent: this, provider: args.doProvider };
        this.statusDir = args.statusDir;
        this.connection = args.connection;
        // Autonamed from `<prefix>-backups` (bucket names are global), private, never emptied by a delete.
        this.bucket = new digitalocean.SpacesBucket(`${args.keyName}s`, {
            region: s.bucketRegion,
            acl: "private",
            forceDestroy: false,
        }, { ...doOpts, protect: true, retainOnDelete: true });
        this.key = new digitalocean.SpacesKey(`${name}-key`, {
            name: args.keyName,
            grants: [{ bucket: this.bucket.name, permission: "readwrite" }],
        }, { ...doOpts, additionalSecretOutputs: ["secretKey"] });
        this.repository = this.bucket.name.apply((b) => spacesRepository(s.bucketRegion, b));

        if (args.connection !== undefined) {
            const install = this.bucket.name.apply((bucket): BackupInstall => ({
                service: {
                    neo4jContainer: args.neo4jContainer, neo4jData: args.neo4jData, workDir: args.workDir, statusDir: args.statusDir,
                    repository: spacesRepository(s.bucketRegion, bucket), credentialsFile: args.credentialsFile, backupHost: args.backupHost,
                    keepDaily: s.keepDaily, keepWeekly: s.keepWeekly, keepMonthly: s.keepMonthly, keepWithin: s.keepWithin,
                },
                timer: { hour: s.hourUtc },
                dirs: [args.workDir],
                statusDir: args.statusDir,
            }));
            if (!s.password) throw new Error("backup: backupPassword is required (the config validation refuses a droplet with backups and no password)");
            const stdin = pulumi.secret(pulumi.all([install, s.password, this.key.accessKey, this.key.secretKey])
                .apply(([i, resticPassword, accessKeyId, secretAccessKey]) => installStdin(i, { resticPassword, accessKeyId, secretAccessKey })));
            this.install = new command.remote.Command(`${name}-install`, {
                connection: args.connection,
                create: "sh -s",
                stdin,
                // Reinstalled on a change of the files, the settings or the key, and on a new droplet. No delete
                // step: parked or replaced, the droplet goes with its job; the bucket and key stay.
                triggers: [install.apply(installHash), this.key.accessKey, ...(args.rerunOn ?? [])],
                logging: "stdoutAndStderr",
            }, { parent: this, dependsOn: args.after, additionalSecretOutputs: ["stdin"] });
        }
        this.registerOutputs({ bucket: this.bucket.name, repository: this.repository });
    }
}
