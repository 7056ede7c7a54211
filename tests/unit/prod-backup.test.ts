/**
 * prod (real Pulumi.prod.yaml, mocks): Neo4j's backups. A private, protected, retained Spaces
 * bucket in another region than the droplet, a key with one readwrite grant on it, and the job
 * installed over SSH with the credentials only in the secret stdin, never in the user data.
 */
import { BACKUP_INSTALL_DIR, BACKUP_TIMER } from "../../components/backup/scripts";
import { Rendered, renderStack } from "../../tools/render";

const BACKUP_PASSWORD = "backup-password-0123456789";
let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: BACKUP_PASSWORD, digitaloceanToken: "do-token" } }));
});

const bucket = () => r.named("rag-stack-prod-backups", "digitalocean:index/spacesBucket:SpacesBucket");
const key = () => r.named("backup-key", "digitalocean:index/spacesKey:SpacesKey");
const install = () => r.named("backup-install", "command:remote:Command");

/** The preamble's variable `name`, decoded. */
function preamble(stdin: string, name: string): string {
    const m = new RegExp(`^${name}='([^']*)'$`, "m").exec(stdin);
    if (!m) throw new Error(`${name} not in the install's stdin`);
    return m[1];
}

test("the bucket: private, in nyc3 (the droplet is in tor1), autonamed, protected, retained, never force-destroyed", () => {
    const b = bucket();
    expect(b.inputs).toMatchObject({ region: "nyc3", acl: "private", forceDestroy: false });
    expect(b.inputs.region).not.toBe(r.named("host-droplet").inputs.region);
    expect([b.protect, b.retainOnDelete]).toEqual([true, true]);
    // No name: the engine autonames it from the logical name (bucket names are global).
    expect(b.inputs.name).toBeUndefined();
});

test("the key: one grant, readwrite on that bucket only; its secret key a secret", () => {
    // The bucket's name as the mocks autoname it.
    expect(key().inputs).toMatchObject({ name: "rag-stack-prod-backup", grants: [{ bucket: "rag-stack-prod-backups-a1b2c3d", permission: "readwrite" }] });
    expect(r.dependsOn(key(), bucket())).toBe(true);
});

test("the install: over SSH after the droplet is ready, credentials only in the secret stdin, 0600 for root, the timer enabled", () => {
    const c = install();
    expect(c.inputs.create).toBe("sh -s");
    expect(c.secretPaths).toContain("stdin");
    expect(r.dependsOn(c, r.named("host-gpu-ready", "command:remote:Command"))).toBe(true);
    const stdin = String(c.inputs.stdin);
    const credentials = Buffer.from(preamble(stdin, "BACKUP_CREDENTIALS_B64"), "base64").toString();
    expect(credentials).toBe(`RESTIC_PASSWORD=${BACKUP_PASSWORD}\nAWS_ACCESS_KEY_ID=DO00MOCKACCESSKEY0000\nAWS_SECRET_ACCESS_KEY=mock-spaces-secret-key-not-real\n`);
    expect(preamble(stdin, "BACKUP_CREDENTIALS_FILE")).toBe("/etc/rag-stack/backup.env");
    expect(preamble(stdin, "BACKUP_TIMER")).toBe(BACKUP_TIMER);
    expect(stdin).toContain('write "$BACKUP_CREDENTIALS_FILE" 0600');
    // The service: the Neo4j container, its Docker volume, the bucket's restic repository.
    const files = preamble(stdin, "BACKUP_FILES").split(" ");
    const byName = Object.fromEntries(files.map((n) => [preamble(stdin, `BACKUP_FILE_${n}_NAME`), Buffer.from(preamble(stdin, `BACKUP_FILE_${n}_B64`), "base64").toString()]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining([`${BACKUP_INSTALL_DIR}/neo4j-backup.sh`, `/etc/systemd/system/${BACKUP_TIMER}`]));
    const service = byName["/etc/systemd/system/rag-stack-neo4j-backup.service"];
    expect(service).toContain("NEO4J_CONTAINER=rag-stack-prod-neo4j");
    expect(service).toContain("NEO4J_DATA=rag-stack-prod-neo4j-data");
    expect(service).toMatch(/RESTIC_REPOSITORY=s3:https:\/\/nyc3\.digitaloceanspaces\.com\/rag-stack-prod-backups-a1b2c3d$/m);
    expect(service).not.toContain(BACKUP_PASSWORD);
    expect(byName[`/etc/systemd/system/${BACKUP_TIMER}`]).toContain("OnCalendar=*-*-* 03:00:00");
    // A new droplet, changed files or a new key reinstall it.
    expect(c.inputs.triggers).toHaveLength(3);
});

test("nothing secret in the droplet's user data, the command line or any plain input", () => {
    const userData = String(r.named("host-droplet").inputs.userData);
    for (const secret of [BACKUP_PASSWORD, "mock-spaces-secret-key-not-real"]) {
        expect(userData).not.toContain(secret);
        for (const res of r.result.resources) {
            const plain = JSON.stringify(Object.fromEntries(Object.entries(res.inputs).filter(([k]) => !res.secretPaths.includes(k))));
            expect([res.name, plain.includes(secret)]).toEqual([res.name, false]);
        }
    }
});

test("the health responder reads the job's status from the Neo4j volume, read-only", () => {
    const health = r.named("health-container", "docker:index/container:Container");
    expect(health.inputs.volumes).toEqual(expect.arrayContaining([{ hostPath: "/mnt/rag-stack-neo4j/backup-status", containerPath: "/status/backup", readOnly: true }]));
});

test("the backup output: the droplet's job, repository and store, reached with the Docker provider's pinned SSH options", () => {
    const b = r.result.outputs.backup as Record<string, unknown>;
    expect(b).toMatchObject({
        where: "droplet", repository: "s3:https://nyc3.digitaloceanspaces.com/rag-stack-prod-backups-a1b2c3d", bucket: "rag-stack-prod-backups-a1b2c3d",
        unit: "rag-stack-neo4j-backup.service", scriptsDir: BACKUP_INSTALL_DIR, neo4jStoreDir: "/mnt/rag-stack-neo4j/data",
        statusDir: "/mnt/rag-stack-neo4j/backup-status", credentialsFile: "/etc/rag-stack/backup.env", backupHost: "rag-stack-prod",
    });
    const ssh = b.ssh as { target: string; options: string[] };
    expect(ssh.target).toMatch(/^root@/);
    const [provider] = r.ofType("pulumi:providers:docker");
    // Provider inputs are JSON-encoded lists in the state.
    expect(ssh.options).toEqual(JSON.parse(provider.inputs.sshOpts as string));
    expect(ssh.target).toBe("root@203.0.113.50");
    expect(JSON.stringify(b)).not.toContain(BACKUP_PASSWORD);
});
