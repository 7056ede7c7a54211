/**
 * The Neo4j backup, restore and drill scripts (components/backup/scripts) for real: restic 0.14
 * from Debian against a real S3 server (s3rver over TLS on loopback, behind a proxy that counts the
 * bytes on the wire), a stand-in Neo4j container on the real Docker engine whose neo4j-admin keeps
 * the real dump/load contract (refuses a store in use). In order: a backup with the store's
 * checksums taken at that moment; a change; a second backup that uploads far less; a restore of the
 * first snapshot into a new volume whose checksums equal the store at backup time; refusals of
 * targets in use or not empty; the drill; retention; a wrong password.
 * Not real here: Neo4j itself (the stand-in; its dumps are uncompressed tars), DigitalOcean Spaces
 * (s3rver speaks the same S3 API), systemd (the scripts run with the unit's environment).
 */
import * as fs from "fs";
import * as path from "path";
import { BACKUP, BackupRig, DRILL, PASSWORD, RESTORE } from "./support/backup-rig";
import { docker, E2E_LABEL, RUN_ID } from "./support/docker-cli";

jest.setTimeout(600_000);

const rig = new BackupRig();
let neo4j: string;
let data: string;
let first: Record<string, unknown>;
let firstChecksums: string;
let firstUploaded: number;
const labels = { RESTORE_LABELS: `${E2E_LABEL}=${RUN_ID}`, DRILL_LABELS: `${E2E_LABEL}=${RUN_ID}` };

beforeAll(async () => {
    await rig.setup();
    data = rig.volume("neo4j-data");
    neo4j = await rig.startNeo4j("neo4j", data);
    rig.grow(neo4j, 1000, 700, 65536);
}, 300_000);

afterAll(async () => {
    const problems = await rig.teardown();
    expect(problems).toEqual([]);
}, 120_000);

const expectRunningAndAnswering = async (name: string) => {
    expect(rig.state(name).running).toBe(true);
    await rig.waitAnswering(name, 30_000);
};

test("first backup: Neo4j is stopped only for the dumps and answers again; a snapshot is in the bucket; the status says what it holds", async () => {
    // The store as it will be dumped: Neo4j stopped cleanly, nothing written after it starts again.
    docker(["stop", "--time", "60", neo4j]);
    firstChecksums = rig.storeChecksums(data);
    docker(["start", neo4j]);
    await rig.waitAnswering(neo4j);
    const before = rig.state(neo4j);
    const counts = rig.counts(neo4j);
    const up = rig.proxy.bytesUp;

    const r = await rig.run(BACKUP, rig.env(neo4j));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no repository at s3:https:\/\/127\.0\.0\.1:\d+\/rag-stack-backups\/neo4j-\S+ yet: creating it/);
    expect(r.stdout).toContain(`the graph has ${counts.nodes} nodes and ${counts.relationships} relationships`);
    expect(r.stdout).toMatch(/Neo4j is answering again: the outage was \d+\.\d s/);
    await expectRunningAndAnswering(neo4j);
    expect(rig.state(neo4j).startedAt).not.toBe(before.startedAt);
    firstUploaded = rig.proxy.bytesUp - up;

    first = rig.status("last-success.json")!;
    const snapshots = rig.snapshots();
    expect(snapshots).toHaveLength(1);
    expect(first).toMatchObject({
        result: "success",
        snapshotId: snapshots[0].id,
        host: rig.host,
        tags: ["rag-stack-neo4j", "reason:manual"],
        repository: rig.repository,
        databases: ["neo4j", "system"],
        files: 3,
        counts: { nodes: counts.nodes, relationships: counts.relationships },
        retention: { keepWithin: "2d", keepDaily: 7, keepWeekly: 4, keepMonthly: 6, applied: true },
        snapshotCount: 1,
    });
    expect(first.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs((first.finishedEpoch as number) - Date.now() / 1000)).toBeLessThan(120);
    expect(first.bytesAdded as number).toBeGreaterThan(64 * 1024 * 1024);
    expect(first.outageSeconds as number).toBeGreaterThan(0);
    expect(first.outageSeconds as number).toBeLessThan(30);
    expect(rig.status("last-run.json")).toMatchObject({ result: "success", exitCode: 0, snapshotId: snapshots[0].id, neo4jRunning: true });
    // The bytes went over the wire to the bucket, encrypted (no dump's bytes in the clear there).
    expect(firstUploaded).toBeGreaterThan(64 * 1024 * 1024);
    expect(snapshots[0].paths).toEqual([path.join(rig.workDir, "dumps")]);
    // The dumps do not stay on the machine.
    expect(fs.existsSync(path.join(rig.workDir, "dumps"))).toBe(false);
});

test("after a change, the second backup uploads far less than the first (deduplication)", async () => {
    rig.grow(neo4j, 10, 5, 64);
    const up = rig.proxy.bytesUp;
    const r = await rig.run(BACKUP, rig.env(neo4j, { BACKUP_REASON: "timer" }));
    expect(r.status).toBe(0);
    const second = rig.status("last-success.json")!;
    const uploaded = rig.proxy.bytesUp - up;
    expect(second.snapshotId).not.toBe(first.snapshotId);
    expect(second.tags).toEqual(["rag-stack-neo4j", "reason:timer"]);
    expect(second.bytesAdded as number).toBeLessThan((first.bytesAdded as number) / 10);
    expect(uploaded).toBeLessThan(firstUploaded / 5);
    // Both kept: one a day would forget the first, but everything of the last 2 days is kept.
    expect(rig.snapshots()).toHaveLength(2);
    console.log(`stand-in store of ${((first.snapshotBytes as number) / 1048576).toFixed(1)} MiB: first backup added ${first.bytesAdded} bytes ` +
        `(${firstUploaded} on the wire), the second after a change of 64 KiB added ${second.bytesAdded} (${uploaded} on the wire)`);
});

test("restore of the first snapshot into a new volume: its store equals the store at backup time, not the live one", async () => {
    const target = `rag-stack-e2e-restored-${RUN_ID}`;
    const r = await rig.run(RESTORE, rig.env(neo4j, { RESTORE_TARGET: target, RESTORE_SNAPSHOT: (first.snapshotId as string).slice(0, 12), ...labels }));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`restored snapshot ${first.snapshotId} into ${target}`);
    expect(r.stdout).toContain("checksums match the backup");
    expect(r.stdout).toMatch(/next: try it on a throwaway Neo4j .* then switch the stack's Neo4j to rag-stack-e2e-restored-/);
    expect(r.stdout.trim().split("\n").pop()).toMatch(new RegExp(`^@restore snapshot=${first.snapshotId} target=${target} seconds=\\d+\\.\\d$`));
    expect(docker(["volume", "inspect", "--format", `{{index .Labels "rag-stack.restored-from"}}`, target])).toBe(first.snapshotId);
    expect(rig.storeChecksums(target)).toBe(firstChecksums);
    expect(rig.storeChecksums(data)).not.toBe(firstChecksums);
    // The live Neo4j was not touched.
    await expectRunningAndAnswering(neo4j);
});

test("a restore refuses the live volume even with RESTORE_FORCE, and an existing non-empty volume without it", async () => {
    const live = await rig.run(RESTORE, rig.env(neo4j, { RESTORE_TARGET: data, RESTORE_FORCE: "1" }));
    expect(live.status).toBe(2);
    expect(live.stderr).toContain(`RESTORE_TARGET ${data} is in use by the running container ${neo4j}: a restore never writes over a live store`);
    const target = `rag-stack-e2e-restored-${RUN_ID}`;
    const before = rig.storeChecksums(target);
    const exists = await rig.run(RESTORE, rig.env(neo4j, { RESTORE_TARGET: target }));
    expect(exists.status).toBe(2);
    expect(exists.stderr).toContain(`RESTORE_TARGET ${target} exists and is not empty: restore into a new volume or directory, or set RESTORE_FORCE=1`);
    expect(rig.storeChecksums(target)).toBe(before);
    // With the flag, the latest snapshot replaces its databases.
    const forced = await rig.run(RESTORE, rig.env(neo4j, { RESTORE_TARGET: target, RESTORE_FORCE: "1" }));
    expect(forced.status).toBe(0);
    expect(rig.storeChecksums(target)).not.toBe(before);
});

test("restore into a new host directory", async () => {
    const dir = path.join(rig.tmp, "restored-dir");
    const r = await rig.run(RESTORE, rig.env(neo4j, { RESTORE_TARGET: dir, RESTORE_SNAPSHOT: first.snapshotId as string }));
    expect(r.status).toBe(0);
    expect(fs.statSync(path.join(dir, "databases", "neo4j", "neostore")).uid).toBe(7474);
    expect((fs.statSync(dir).mode & 0o077)).toBe(0);
});

test("the drill restores the latest backup, starts a throwaway Neo4j, finds the counts recorded at backup time, and leaves nothing behind", async () => {
    const atBackup = rig.status("last-success.json")!.counts as { nodes: number; relationships: number };
    rig.grow(neo4j, 3, 2, 1); // the live graph moves on after the backup
    const live = rig.counts(neo4j);
    const r = await rig.run(DRILL, rig.env(neo4j, labels));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const drill = rig.status("last-drill.json")!;
    expect(drill).toMatchObject({
        result: "success",
        snapshotId: rig.status("last-success.json")!.snapshotId,
        comparedWith: "backup",
        restored: { nodes: atBackup.nodes, relationships: atBackup.relationships },
        expected: { nodes: atBackup.nodes, relationships: atBackup.relationships },
        live: { nodes: live.nodes, relationships: live.relationships },
    });
    expect(drill.message).toContain("equal to the counts recorded from the live graph when this backup was made");
    expect(drill.message).toContain(`the live graph has ${live.nodes} nodes and ${live.relationships} relationships now`);
    expect(drill.durationSeconds as number).toBeGreaterThan(0);
    // Its container had no network and no published port; all of it is gone.
    expect(docker(["ps", "-a", "--filter", "label=rag-stack.drill", "--filter", `label=${E2E_LABEL}=${RUN_ID}`, "-q"])).toBe("");
    expect(docker(["volume", "ls", "--filter", "label=rag-stack.drill", "--filter", `label=${E2E_LABEL}=${RUN_ID}`, "-q"])).toBe("");
    await expectRunningAndAnswering(neo4j);
});

test("the drill fails, says so and records it, when the restored graph is not what the backup recorded; the restore refuses a damaged dump", async () => {
    // A snapshot whose description claims other counts than its dumps hold (as a backup of the wrong store would).
    const tree = path.join(rig.tmp, "forged");
    expect(rig.restic(["restore", "latest", "--host", rig.host, "--target", tree]).status).toBe(0);
    const dumps = path.join(tree, rig.workDir, "dumps");
    const info = JSON.parse(fs.readFileSync(path.join(dumps, "backup-info.json"), "utf8"));
    info.counts = { ...info.counts, nodes: 999_999 };
    fs.writeFileSync(path.join(dumps, "backup-info.json"), JSON.stringify(info));
    expect(rig.restic(["backup", "--host", rig.host, "--tag", "rag-stack-neo4j", dumps]).status).toBe(0);
    const r = await rig.run(DRILL, rig.env(neo4j, labels));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the restored graph has \d+ nodes and \d+ relationships, the counts recorded from the live graph when this backup was made had 999999/);
    expect(rig.status("last-drill.json")).toMatchObject({ result: "failure", comparedWith: "backup", expected: { nodes: 999_999 } });
    expect(docker(["volume", "ls", "--filter", "label=rag-stack.drill", "--filter", `label=${E2E_LABEL}=${RUN_ID}`, "-q"])).toBe("");
    // A dump that is not what the backup recorded (sha256) is refused by the restore before anything is loaded.
    fs.appendFileSync(path.join(dumps, "neo4j.dump"), "damage");
    expect(rig.restic(["backup", "--host", rig.host, "--tag", "rag-stack-neo4j", dumps]).status).toBe(0);
    const target = `rag-stack-e2e-damaged-${RUN_ID}`;
    const restore = await rig.run(RESTORE, rig.env(neo4j, { RESTORE_TARGET: target, ...labels }));
    expect(restore.status).toBe(1);
    expect(restore.stderr).toMatch(/neo4j\.dump from snapshot [0-9a-f]{64} has sha256 [0-9a-f]{64}, the backup recorded [0-9a-f]{64}: the copy is damaged; try an older snapshot/);
    expect(docker(["volume", "ls", "-q", "--filter", `name=${target}`])).toBe("");
    // Forget the forged snapshots so "latest" is a real backup again.
    const forged = rig.snapshots().filter((s) => s.paths[0] === dumps).map((s) => s.id);
    expect(forged).toHaveLength(2);
    expect(rig.restic(["forget", ...forged]).status).toBe(0);
});

/** restic's documented policy (doc/060_forget.rst): newest first, one per day/week/month bucket while that rule has count left. */
function expectedKept(times: Date[], daily: number, weekly: number, monthly: number): string[] {
    const day = (t: Date) => t.toISOString().slice(0, 10);
    const isoWeek = (t: Date) => {
        const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
        d.setUTCDate(d.getUTCDate() + 4 - (d.getUTCDay() || 7));
        const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
        return `${d.getUTCFullYear()}-${Math.ceil(((d.getTime() - yearStart.getTime()) / 86400000 + 1) / 7)}`;
    };
    const month = (t: Date) => t.toISOString().slice(0, 7);
    const rules = [{ n: daily, key: day, last: "" }, { n: weekly, key: isoWeek, last: "" }, { n: monthly, key: month, last: "" }];
    const kept: string[] = [];
    for (const t of [...times].sort((a, b) => b.getTime() - a.getTime())) {
        let keep = false;
        for (const r of rules) {
            if (r.n > 0 && r.key(t) !== r.last) {
                r.last = r.key(t);
                r.n -= 1;
                keep = true;
            }
        }
        if (keep) kept.push(t.toISOString());
    }
    return kept.sort();
}

test("retention: forget --prune keeps exactly what the policy says, only among this host's snapshots", async () => {
    // Thirty days of history before now, one snapshot a day, made by restic itself with the job's host and tag.
    const dumps = path.join(rig.tmp, "history");
    fs.mkdirSync(dumps, { recursive: true });
    fs.writeFileSync(path.join(dumps, "neo4j.dump"), "history\n");
    const now = Date.now();
    for (let d = 1; d <= 30; d++) {
        const t = new Date(now - d * 86400_000).toISOString().replace("T", " ").slice(0, 19);
        expect(rig.restic(["backup", "--host", rig.host, "--tag", "rag-stack-neo4j", "--time", t, dumps]).status).toBe(0);
    }
    expect(rig.restic(["backup", "--host", "another-stack", "--tag", "rag-stack-neo4j", "--time", "2020-01-01 00:00:00", dumps]).status).toBe(0);
    const mineNow = () => rig.snapshots().filter((s) => s.hostname === rig.host);
    const before = mineNow();
    const r = await rig.run(BACKUP, rig.env(neo4j, { BACKUP_KEEP_DAILY: "3", BACKUP_KEEP_WEEKLY: "2", BACKUP_KEEP_MONTHLY: "2", BACKUP_KEEP_WITHIN: "none" }));
    expect(r.status).toBe(0);
    const all = rig.snapshots();
    const mine = all.filter((s) => s.hostname === rig.host);
    const added = mine.filter((s) => !before.some((b) => b.id === s.id));
    expect(added).toHaveLength(1);
    // What is left is what the policy keeps of what was there plus the new backup.
    const iso = (s: { time: string }) => new Date(s.time).toISOString();
    expect(mine.map(iso).sort()).toEqual(expectedKept([...before, ...added].map((s) => new Date(s.time)), 3, 2, 2));
    expect(mine.length).toBeLessThan(30);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(all.filter((s) => s.hostname === "another-stack")).toHaveLength(1);
    const status = rig.status("last-success.json")!;
    expect(status.retention).toMatchObject({ keepWithin: null, keepDaily: 3, keepWeekly: 2, keepMonthly: 2, applied: true });
    expect((status.retention as { message: string }).message).toMatch(/^forgot \d+ snapshot\(s\) outside daily 3, weekly 2, monthly 2$/);
    expect(Number(/^forgot (\d+)/.exec((status.retention as { message: string }).message)![1])).toBeGreaterThan(20);
    // The repository is consistent after the prune.
    expect(rig.restic(["check"]).status).toBe(0);
});

test("a wrong repository password is refused before Neo4j is stopped; nothing is recorded as a backup", async () => {
    const wrong = rig.writeCredentials("not-the-password", path.join(rig.tmp, "wrong-credentials"));
    const success = rig.statusText("last-success.json");
    const before = rig.state(neo4j);
    const r = await rig.run(BACKUP, rig.env(neo4j, { BACKUP_CREDENTIALS_FILE: wrong }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("refuses the password in");
    expect(r.stderr).toContain("nothing was stopped");
    expect(rig.state(neo4j)).toEqual(before);
    expect(rig.statusText("last-success.json")).toBe(success);
    expect(rig.status("last-run.json")).toMatchObject({ result: "failure", exitCode: 1, snapshotId: null, neo4jRunning: true });
    // The restore refuses it too.
    const restore = await rig.run(RESTORE, rig.env(neo4j, { BACKUP_CREDENTIALS_FILE: wrong, RESTORE_TARGET: `rag-stack-e2e-never-${RUN_ID}` }));
    expect(restore.status).toBe(1);
    expect(restore.stderr).toContain("refuses the password");
    expect(docker(["volume", "ls", "-q", "--filter", `name=rag-stack-e2e-never-${RUN_ID}`])).toBe("");
    expect(PASSWORD).not.toBe("not-the-password");
});
