/**
 * `rag-stack:backup`: Neo4j's backups (components/backup/, docs/backups.md). prod (a droplet the
 * stack created): a daily systemd timer on the droplet uploads a restic snapshot to a Spaces
 * bucket of the stack, by default in another region than the droplet, and a backup runs before a
 * new Neo4j image starts. dev (local): `npm run backup -- --stack dev` on demand, to `repository`
 * (docs/backups.md).
 * scale (DOKS): not built; a scale stack opts out with `enabled: false, disabledOnPurpose: true`.
 *
 * The restic repository's password is the secret `backupPassword` (secrets.ts, read here).
 */
import { PROJECT } from "../project";
import { BACKUP_DEFAULTS } from "../backup/scripts";
import type { HostProvider } from "./host";
import { localPath, Reader } from "./reader";
import { boolean, integer, section, SettingsOf, string } from "./schema";
import { RawSecrets, readSecret } from "./secrets";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The Spaces regions the provider accepts (terraform-provider-digitalocean,
 * digitalocean/spaces/spaces_entities.go, `SpacesRegions`).
 */
export const SPACES_REGIONS = ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"] as const;

/** The default bucket region for each droplet region: a nearby Spaces region in another city. */
export const BACKUP_REGION_FOR: Readonly<Record<string, (typeof SPACES_REGIONS)[number]>> = {
    nyc1: "tor1", nyc2: "tor1", nyc3: "tor1",
    tor1: "nyc3", atl1: "nyc3",
    sfo1: "nyc3", sfo2: "nyc3", sfo3: "nyc3",
    lon1: "ams3", ams2: "fra1", ams3: "fra1", fra1: "ams3",
    blr1: "sgp1", sgp1: "blr1", syd1: "sgp1",
};

/** The restic password's minimum: it is the one key to every backup. */
export const BACKUP_MIN_PASSWORD_LENGTH = 16;

const RESTIC_DURATION = /^(\d+y)?(\d+m)?(\d+d)?(\d+h)?$/;

export const BACKUP = section({
    enabled: boolean({ derived: "true on a droplet the stack creates (digitalocean); false elsewhere",
        doc: "Back Neo4j up daily to a Spaces bucket of the stack (prod); a production stack with false also needs disabledOnPurpose." }),
    disabledOnPurpose: boolean({ default: false,
        doc: "With enabled: false on a production stack: the owner's word that no backups is wanted (policy neo4j-backed-up refuses it otherwise)." }),
    hourUtc: integer({ default: BACKUP_DEFAULTS.hour, min: 0, max: 23, appliesTo: { providers: ["digitalocean"] },
        doc: "The hour (UTC) of the daily backup (a randomized delay of up to 30 minutes follows)." }),
    bucketRegion: string({ derived: "a nearby Spaces region other than digitalocean.region (components/config/backup.ts)",
        pattern: /^[a-z]{3}\d$/, allowed: `use a Spaces region: ${SPACES_REGIONS.join(", ")}`, appliesTo: { providers: ["digitalocean"] },
        doc: "The Spaces region of the backup bucket." }),
    beforeNeo4jUpgrade: boolean({ default: true, appliesTo: { providers: ["digitalocean"] },
        doc: "Back the graph up before a new services.neo4j.image starts (it migrates the store); a failed backup stops the upgrade, the old image running. false upgrades without." }),
    allowSameRegion: boolean({ default: false, appliesTo: { providers: ["digitalocean"] },
        doc: "Allow bucketRegion to be the droplet's region (a region outage then takes the graph and its backups)." }),
    keepWithin: string({ default: BACKUP_DEFAULTS.keepWithin, pattern: RESTIC_DURATION, allowed: "use a restic duration like 2d, 36h or 1m15d",
        type: "restic duration", doc: "Keep every snapshot this recent (restic forget --keep-within)." }),
    keepDaily: integer({ default: BACKUP_DEFAULTS.keepDaily, min: 0, max: 3650, doc: "Daily snapshots kept (restic forget --keep-daily)." }),
    keepWeekly: integer({ default: BACKUP_DEFAULTS.keepWeekly, min: 0, max: 520, doc: "Weekly snapshots kept (--keep-weekly)." }),
    keepMonthly: integer({ default: BACKUP_DEFAULTS.keepMonthly, min: 0, max: 120, doc: "Monthly snapshots kept (--keep-monthly)." }),
    maxAgeHours: integer({ default: 26, min: 1, max: 8760,
        doc: "verify (dev and prod) and /healthz (prod) fail when the last good backup is older than this many hours; on prod also when none has succeeded this long after the job was installed (a dev stack with none yet gets a note, not a failure)." }),
    repository: localPath({ derived: "~/rag-stack-backups/<stack>", appliesTo: { providers: ["local"] },
        doc: "The restic repository of a dev stack (a directory on this machine)." }),
}, { doc: "Neo4j's backups: when, where, how long they are kept (docs/backups.md)." });

type Declared = SettingsOf<typeof BACKUP.keys>;

/** The validated section, with the restic password. */
export interface BackupSettings extends Declared {
    /** The restic repository password (`backupPassword`), when set. */
    password?: pulumi.Output<string>;
}

/** Reads `rag-stack:backup` and the secret `backupPassword`; every problem names its key. */
export function readBackup(problems: string[], raw: unknown, stack: string, provider: HostProvider, dropletRegion: string | undefined,
    secret: RawSecrets["backupPassword"]): BackupSettings {
    const r = Reader.of(problems, "backup", raw, BACKUP.keys);
    const derivedRegion = (dropletRegion && BACKUP_REGION_FOR[dropletRegion]) || "ams3";
    const settings = r.all({ enabled: provider === "digitalocean", bucketRegion: derivedRegion, repository: `~/rag-stack-backups/${stack}` });
    if (r.has("bucketRegion") && !(SPACES_REGIONS as readonly string[]).includes(settings.bucketRegion)) {
        r.problem("bucketRegion", settings.bucketRegion, `Spaces has no region ${JSON.stringify(settings.bucketRegion)}; use one of ${SPACES_REGIONS.join(", ")}`);
    }
    if (provider === "digitalocean" && dropletRegion && settings.bucketRegion === dropletRegion && !settings.allowSameRegion) {
        r.problem("bucketRegion", settings.bucketRegion, `it is the droplet's region (${PROJECT}:digitalocean.region): a region outage would take the graph ` +
            `and its backups; pick another region or set ${PROJECT}:backup.allowSameRegion: true`);
    }
    if (settings.enabled && settings.disabledOnPurpose) {
        r.problem("disabledOnPurpose", true, "it only goes with backup.enabled: false; remove it");
    }
    if (settings.enabled && provider === "doks") {
        r.problem("enabled", true, `backups of a Kubernetes cluster are not built (${PROJECT}:host.provider is "doks"); set backup.enabled: false and backup.disabledOnPurpose: true`);
    }
    if (settings.keepDaily + settings.keepWeekly + settings.keepMonthly < 1) {
        r.problem("keepDaily", settings.keepDaily, "keepDaily, keepWeekly and keepMonthly are all 0: that retention would forget every backup");
    }
    const needed = settings.enabled && provider === "digitalocean";
    const password = readSecret(problems, "backupPassword", secret,
        needed ? `backups need a restic password: pulumi config set --secret backupPassword "$(openssl rand -base64 24)" (keep a copy off this machine)` : undefined);
    const length = secret?.text?.length;
    if (length !== undefined && length < BACKUP_MIN_PASSWORD_LENGTH) {
        problems.push(`${PROJECT}:backupPassword: a password of ${length} characters is not allowed; the restic repository needs at least ` +
            `${BACKUP_MIN_PASSWORD_LENGTH}. run: pulumi config set --secret backupPassword "$(openssl rand -base64 24)"`);
    }
    return { ...settings, password };
}
