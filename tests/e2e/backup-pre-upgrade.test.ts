/**
 * The step before a new Neo4j image (components/backup/scripts/neo4j-pre-upgrade-backup.sh) on the
 * real engine, driving the real neo4j-backup.sh against a stand-in Neo4j container, restic and a
 * real S3 server (tests/e2e/support/backup-rig.ts): the container's image compared by id as
 * `docker inspect` gives it; the same image does nothing; another one runs the backup with the
 * unit's environment (a stand-in systemctl prints it as systemd does) and BACKUP_REASON=pre-upgrade:
 * a snapshot tagged reason:pre-upgrade, Neo4j running again on the old image; an unreachable bucket
 * fails the step with its sentence, nothing uploaded, Neo4j still running.
 * Not real here: systemd (the stand-in prints the unit's environment), SSH (the script runs as `sh`).
 */
import * as fs from "fs";
import * as path from "path";
import { PRE_UPGRADE_SCRIPT } from "../../components/backup/pre-upgrade";
import { BackupRig, SCRIPTS } from "./support/backup-rig";
import { docker } from "./support/docker-cli";

jest.setTimeout(600_000);

const rig = new BackupRig();
let neo4j: string;
let imageId: string;
/** A directory of its own for the stand-in systemctl, first on the step's PATH. */
const stubs = () => path.join(rig.tmp, "systemctl-bin");

beforeAll(async () => {
    await rig.setup();
    neo4j = await rig.startNeo4j("neo4j", rig.volume("neo4j-data"));
    rig.grow(neo4j, 200, 100, 1024);
    imageId = docker(["image", "inspect", "--format", "{{.Id}}", rig.image]).trim();
}, 300_000);

afterAll(async () => {
    const problems = await rig.teardown();
    expect(problems).toEqual([]);
}, 120_000);

/** The installed unit's environment as `systemctl show -p Environment --value` prints it (the daily job's reason among it). */
function unitEnvironment(repository = rig.repository): string {
    const { PATH: _path, HOME: _home, TZ: _tz, ...unit } = rig.env(neo4j, { RESTIC_REPOSITORY: repository, BACKUP_REASON: "timer" });
    return Object.entries(unit).map(([k, v]) => `${k}=${v}`).join(" ");
}

function stepEnv(newImage: string, unitEnv: string): Record<string, string> {
    fs.mkdirSync(stubs(), { recursive: true });
    fs.writeFileSync(path.join(stubs(), "systemctl"), `#!/bin/sh\nprintf '%s\\n' '${unitEnv}'\n`, { mode: 0o755 });
    return {
        PATH: `${stubs()}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: rig.tmp, TZ: "UTC",
        NEO4J_CONTAINER: neo4j, NEO4J_NEW_IMAGE: newImage, BACKUP_RUNNER: path.join(SCRIPTS, "neo4j-with-unit-env.sh"),
    };
}

test("the container already runs the image (by the id docker inspect gives, or its reference): nothing backed up", async () => {
    for (const same of [imageId, rig.image]) {
        const r = await rig.run(PRE_UPGRADE_SCRIPT, stepEnv(same, unitEnvironment()));
        expect([r.status, r.stdout]).toEqual([0, expect.stringContaining(`already runs ${imageId}: no new image, nothing to back up`)]);
    }
    expect(rig.status("last-run.json")).toBeUndefined();
});

test("a new image: the real backup runs with the unit's environment and BACKUP_REASON=pre-upgrade; Neo4j runs the old image again", async () => {
    const before = rig.state(neo4j).startedAt;
    const r = await rig.run(PRE_UPGRADE_SCRIPT, stepEnv("neo4j:5.26.9-community", unitEnvironment()));
    expect([r.status, r.stderr]).toEqual([0, expect.any(String)]);
    expect(r.stdout).toContain(`runs ${imageId}; the new image is neo4j:5.26.9-community: backing the graph up before it starts`);
    expect(r.stdout).toContain("backed up: the new image may start");
    const snapshots = rig.snapshots();
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0].tags).toEqual(expect.arrayContaining(["reason:pre-upgrade"]));
    expect(snapshots[0].tags).not.toContain("reason:timer");
    expect(rig.status("last-success.json")).toMatchObject({ result: "success", snapshotId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Stopped for the dump and started again: still the old container, on the old image.
    const after = rig.state(neo4j);
    expect([after.running, after.startedAt === before]).toEqual([true, false]);
    expect(docker(["inspect", "--type", "container", "--format", "{{.Image}}", neo4j]).trim()).toBe(imageId);
});

test("the bucket unreachable: the step fails with the sentence, nothing uploaded, Neo4j still running the old image", async () => {
    const unreachable = rig.repository.replace(`127.0.0.1:${rig.proxyPort}`, "127.0.0.1:9");
    const r = await rig.run(PRE_UPGRADE_SCRIPT, stepEnv("neo4j:5.26.9-community", unitEnvironment(unreachable)));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot be reached");
    expect(r.stderr).toContain(`so the upgrade was stopped before the new image started; ${neo4j} still runs the old image ${imageId}. ` +
        "Fix what the backup says and run up again; or, to upgrade without a backup, set rag-stack:backup.beforeNeo4jUpgrade false");
    expect(rig.snapshots()).toHaveLength(1);
    expect(rig.state(neo4j).running).toBe(true);
});
