/** prod parked (mocks): the droplet goes, the backups stay: bucket and key kept, no install command. */
import { Rendered, renderStack } from "../../tools/render";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "do-token" },
        overrides: { "digitalocean.parked": true },
    }));
});

test("parked: the bucket (protected, retained) and the key are kept; nothing runs on a droplet that is not there", () => {
    expect(r.maybeNamed("host-droplet")).toBeUndefined();
    const bucket = r.named("rag-stack-prod-backups", "digitalocean:index/spacesBucket:SpacesBucket");
    expect([bucket.protect, bucket.retainOnDelete, bucket.inputs.region]).toEqual([true, true, "nyc3"]);
    expect(r.named("backup-key", "digitalocean:index/spacesKey:SpacesKey").inputs.grants).toEqual([{ bucket: "rag-stack-prod-backups-a1b2c3d", permission: "readwrite" }]);
    expect(r.maybeNamed("backup-install")).toBeUndefined();
    // No Neo4j to upgrade: no backup before one.
    expect(r.maybeNamed("app-neo4j-pre-upgrade-backup")).toBeUndefined();
});

test("parked: the backup output names the bucket and has no SSH (the commands say unpark first)", () => {
    const b = r.result.outputs.backup as Record<string, unknown>;
    expect(b).toMatchObject({ where: "droplet", bucket: "rag-stack-prod-backups-a1b2c3d", bucketRegion: "nyc3" });
    expect(b.ssh).toBeUndefined();
});
