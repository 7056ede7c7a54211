/**
 * prod (real Pulumi.prod.yaml, mocks): before a new Neo4j image starts, the droplet's backup job
 * backs the graph up (components/backup/pre-upgrade.ts). One remote command over the droplet's SSH,
 * replaced by a new image (the image id in its triggers), after the job's install and the password
 * sync; the Neo4j container depends on it. Not there with backup.beforeNeo4jUpgrade: false.
 * Parked (no droplet) and dev: tests/unit/prod-backup-parked.test.ts, tests/unit/dev-stack.test.ts.
 */
import { Rendered, renderStack } from "../../tools/render";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "do-token" } }));
});

const step = () => r.named("app-neo4j-pre-upgrade-backup", "command:remote:Command");
const neo4j = () => r.named("app-neo4j", "docker:index/container:Container");

test("the step: the Neo4j image the container gets is its trigger and in its command line, the script on stdin", () => {
    const image = neo4j().inputs.image;
    expect(image).toBe(r.named("app-neo4j-image", "docker:index/remoteImage:RemoteImage").inputs.name); // the mocks' imageId is the name
    expect(step().inputs.triggers).toEqual([image]);
    expect(String(step().inputs.create)).toBe(`NEO4J_NEW_IMAGE='${String(image)}' NEO4J_CONTAINER='rag-stack-prod-neo4j' ` +
        "BACKUP_RUNNER='/usr/local/lib/rag-stack/backup/neo4j-with-unit-env.sh' " +
        "BACKUP_OPT_OUT='rag-stack:backup.beforeNeo4jUpgrade' sh -s");
    expect(String(step().inputs.stdin)).toContain("BACKUP_REASON=pre-upgrade");
    // The droplet's SSH, as the install's; nothing to undo: no delete command.
    expect(step().inputs.connection).toEqual(r.named("backup-install", "command:remote:Command").inputs.connection);
    expect(step().inputs.delete).toBeUndefined();
});

test("the order: the install and the password sync first, then the step, then the Neo4j container", () => {
    expect(r.dependsOn(step(), r.named("backup-install", "command:remote:Command"))).toBe(true);
    expect(r.dependsOn(step(), r.named("app-neo4j-password", "command:remote:Command"))).toBe(true);
    expect(neo4j().dependencies).toContain(step().urn);
    // Tied to the droplet like the other commands on it.
    expect(step().replaceWith).toContain(r.named("host-droplet").urn);
    expect(step().parent).toBe(r.named("app", "rag-stack:app:Services").urn);
});
