/**
 * Failure injection for the Neo4j backup job (components/backup/scripts/neo4j-backup.sh) on the
 * real engine, restic and a real S3 server: the upload cut half-way (a proxy that drops the
 * connection after N bytes and refuses from then on), the bucket unreachable, restic missing, the
 * disk full (the work directory on a small tmpfs: refused before the stop, and full during the
 * dump), a Neo4j killed past its grace (its store needs recovery; the dump refuses it), SIGTERM in
 * the middle of the job, and a Neo4j that was not running. Each time: Neo4j running again (or, for
 * the last, left stopped as found), a non-zero exit with a sentence, last-success.json unchanged,
 * no new snapshot in the repository.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BACKUP, BackupRig } from "./support/backup-rig";
import { docker } from "./support/docker-cli";

jest.setTimeout(600_000);

const rig = new BackupRig();
let neo4j: string;
let data: string;
let goodSuccess: string;
const mounts: string[] = [];

beforeAll(async () => {
    await rig.setup();
    data = rig.volume("neo4j-data");
    neo4j = await rig.startNeo4j("neo4j", data);
    rig.grow(neo4j, 500, 200, 48 * 1024);
    const r = await rig.run(BACKUP, rig.env(neo4j));
    if (r.status !== 0) throw new Error(`the first backup failed:\n${r.stdout}\n${r.stderr}`);
    goodSuccess = rig.statusText("last-success.json")!;
}, 300_000);

afterAll(async () => {
    for (const m of mounts) {
        try {
            execFileSync("umount", [m], { stdio: "ignore" });
        } catch { /* already gone */ }
    }
    const problems = await rig.teardown();
    expect(problems).toEqual([]);
}, 120_000);

/** Neo4j answers, nothing new counts as a backup, the failure is recorded with its sentence. */
async function expectNothingRecorded(snapshotsBefore: number, message: RegExp): Promise<void> {
    expect(rig.state(neo4j).running).toBe(true);
    await rig.waitAnswering(neo4j);
    expect(rig.statusText("last-success.json")).toBe(goodSuccess);
    expect(rig.snapshots()).toHaveLength(snapshotsBefore);
    const run = rig.status("last-run.json")!;
    expect(run).toMatchObject({ result: "failure", snapshotId: null, neo4jRunning: true });
    expect(run.message).toMatch(message);
}

test("the upload fails half-way: Neo4j was already running again, exit 1, no snapshot, the next run completes", async () => {
    rig.grow(neo4j, 10, 10, 32 * 1024); // 32 MiB that are not in the repository yet
    const before = rig.snapshots().length;
    const began = rig.state(neo4j);
    let armed = false;
    // restic 0.14 retries a lost connection for minutes (it gave up after 357 s here): the
    // job's own deadline ends it, as the unit sets it 10 minutes before systemd's.
    const r = await rig.run(BACKUP, rig.env(neo4j, { BACKUP_UPLOAD_TIMEOUT: "40" }), {
        onStdout: (text) => {
            if (!armed && text.includes("uploading to")) {
                armed = true;
                rig.proxy.cutAfter(8 * 1024 * 1024);
            }
        },
    });
    const cut = rig.proxy.cut;
    rig.proxy.heal();
    expect(cut).toBe(true);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the upload to s3:https:\S+ did not finish within BACKUP_UPLOAD_TIMEOUT=40 s and was stopped \(restic's last words: .+\)\. No snapshot was written, so nothing counts as a backup/);
    // The outage was over before the upload began: Neo4j was restarted once, by the dump step.
    expect(r.stdout).toMatch(/Neo4j is answering again: the outage was [\d.]+ s\n(.*\n)*.*uploading to/);
    expect(r.stdout).not.toContain("starting Neo4j again after the failure");
    expect(rig.state(neo4j).startedAt).not.toBe(began.startedAt);
    await expectNothingRecorded(before, /did not finish within BACKUP_UPLOAD_TIMEOUT/);
    // restic could not remove its lock from an unreachable bucket: the next run removes it (stale:
    // this host, its PID gone), uploads, prunes and counts; the repository checks out.
    const again = await rig.run(BACKUP, rig.env(neo4j));
    expect(again.status).toBe(0);
    expect(rig.snapshots()).toHaveLength(before + 1);
    const check = rig.restic(["check"]);
    if (check.status !== 0) throw new Error(`restic check failed after the interrupted upload:\n${check.stdout}${check.stderr}`);
    goodSuccess = rig.statusText("last-success.json")!;
});

test("the bucket is unreachable: refused before Neo4j is stopped", async () => {
    const before = rig.snapshots().length;
    const state = rig.state(neo4j);
    rig.proxy.refusing = true;
    const r = await rig.run(BACKUP, rig.env(neo4j));
    rig.proxy.heal();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the repository s3:https:\S+ cannot be reached: .*check the endpoint, the bucket and the network; nothing was stopped/);
    expect(rig.state(neo4j)).toEqual(state);
    await expectNothingRecorded(before, /cannot be reached/);
});

test("restic is missing: exit 2 with the install command, Neo4j untouched, recorded", async () => {
    const before = rig.snapshots().length;
    const state = rig.state(neo4j);
    const r = await rig.run(BACKUP, { ...rig.env(neo4j), PATH: rig.pathWithout("restic") });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("restic is not installed or not on PATH");
    expect(r.stderr).toContain("apt-get install restic");
    expect(rig.state(neo4j)).toEqual(state);
    await expectNothingRecorded(before, /restic is not installed/);
    expect(rig.status("last-run.json")).toMatchObject({ exitCode: 2 });
});

describe("the disk is full", () => {
    let small: string;
    beforeAll(() => {
        small = path.join(rig.tmp, "small-disk");
        fs.mkdirSync(small);
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", small]);
        mounts.push(small);
    });

    test("not enough room for the dumps: refused before Neo4j is stopped", async () => {
        const before = rig.snapshots().length;
        const state = rig.state(neo4j);
        const r = await rig.run(BACKUP, rig.env(neo4j, { BACKUP_WORK_DIR: path.join(small, "work") }));
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/not enough room for the dumps: \S+ has \d+ MiB free, the store is \d+ MiB and 100% of it is needed; .*Neo4j was not stopped/);
        expect(rig.state(neo4j)).toEqual(state);
        await expectNothingRecorded(before, /not enough room/);
    });

    test("full during the dump: Neo4j is started again, exit 1, the sentence says the disk is full", async () => {
        const before = rig.snapshots().length;
        const state = rig.state(neo4j);
        const r = await rig.run(BACKUP, rig.env(neo4j, { BACKUP_WORK_DIR: path.join(small, "work"), BACKUP_FREE_PERCENT: "0" }));
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/the dump of neo4j failed: .*No space left on device.* is full: free space there or point BACKUP_WORK_DIR at a larger disk\. Nothing was uploaded/);
        expect(r.stdout).toContain("starting Neo4j again after the failure");
        expect(rig.state(neo4j).startedAt).not.toBe(state.startedAt);
        await expectNothingRecorded(before, /No space left on device/);
        // The partial dump does not stay.
        expect(fs.readdirSync(path.join(small, "work"))).not.toContain("dumps");
    });
});

test("Neo4j killed past its grace: the dump refuses the store, Neo4j is started again (it recovers), the advice names NEO4J_STOP_TIMEOUT", async () => {
    const stubborn = await rig.startNeo4j("stubborn", rig.volume("stubborn-data"), ["STANDIN_IGNORE_SIGTERM=1"]);
    const r = await rig.run(BACKUP, rig.env(stubborn, { NEO4J_STOP_TIMEOUT: "2", BACKUP_STATUS_DIR: path.join(rig.tmp, "stubborn-status") }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("did not stop within 2 s and was killed: its store needs recovery, the dump will refuse it");
    expect(r.stderr).toMatch(/the dump of neo4j failed: .*Active logical log detected.*run the backup again, with a longer NEO4J_STOP_TIMEOUT/);
    expect(rig.state(stubborn).running).toBe(true);
    await rig.waitAnswering(stubborn);
    expect(docker(["logs", stubborn])).toContain("Recovery completed for database 'neo4j'");
    expect(fs.existsSync(path.join(rig.tmp, "stubborn-status", "last-success.json"))).toBe(false);
});

test("SIGTERM while Neo4j is stopping: the job starts it again before it exits 143", async () => {
    const slow = await rig.startNeo4j("slow", rig.volume("slow-data"), ["STANDIN_STOP_MS=3000"]);
    const status = path.join(rig.tmp, "slow-status");
    let sent = false;
    const r = await rig.run(BACKUP, rig.env(slow, { BACKUP_STATUS_DIR: status }), {
        onStdout: (text, child) => {
            if (!sent && text.includes("stopping ")) {
                sent = true;
                setTimeout(() => child.kill("SIGTERM"), 1000);
            }
        },
    });
    expect(sent).toBe(true);
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(/interrupted by signal 15 while (stopping Neo4j|dumping \w+); nothing was recorded as a backup/);
    expect(r.stdout).toContain("starting Neo4j again after the failure");
    expect(rig.state(slow).running).toBe(true);
    await rig.waitAnswering(slow);
    expect(JSON.parse(fs.readFileSync(path.join(status, "last-run.json"), "utf8"))).toMatchObject({ result: "failure", exitCode: 143, neo4jRunning: true });
    expect(fs.existsSync(path.join(status, "last-success.json"))).toBe(false);
    expect(docker(["ps", "-aq", "--filter", "label=rag-stack.role=neo4j-backup-dump"])).toBe("");
});

test("a Neo4j that was not running is dumped as it is and left stopped (it says so)", async () => {
    const idleData = rig.volume("idle-data");
    const idle = await rig.startNeo4j("idle", idleData);
    rig.grow(idle, 5, 5, 16);
    docker(["stop", "--time", "60", idle]);
    const status = path.join(rig.tmp, "idle-status");
    const r = await rig.run(BACKUP, rig.env(idle, { BACKUP_STATUS_DIR: status, BACKUP_HOST: `${rig.host}-idle` }));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("was not running when the backup began: its store is dumped as it is, and it is left stopped");
    expect(rig.state(idle).running).toBe(false);
    const success = JSON.parse(fs.readFileSync(path.join(status, "last-success.json"), "utf8"));
    expect(success).toMatchObject({ result: "success", outageSeconds: null, counts: null });
    expect(JSON.parse(fs.readFileSync(path.join(status, "last-run.json"), "utf8"))).toMatchObject({ neo4jRunning: false });
});
