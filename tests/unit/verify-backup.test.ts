/**
 * verify's backup rows (tools/verify/checks/backup.ts): the `backup` output parsed, the status
 * files as the scripts write them (the field names of neo4j-backup.sh's and neo4j-restore-drill.sh's
 * headers) judged at a given time, a real status directory read, the droplet's listing parsed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ageText, BackupOutput, backupRows, parseBackupOutput, parseStatusOutput, readLocalStatus, statusCommand, StatusTexts } from "../../tools/verify/checks/backup";
import { parseStackOutputs } from "../../tools/verify/outputs";
import { dropletBackupTarget, localBackupTarget } from "../../components/backup/target";

const NOW = new Date("2026-12-04T12:00:00Z");
const EPOCH = NOW.getTime() / 1000;
const HOUR = 3600;
const RETENTION = { keepWithin: "2d", keepDaily: 7, keepWeekly: 4, keepMonthly: 6 };

const SETTINGS = { ...RETENTION, maxAgeHours: 26, repository: "/home/me/rag-stack-backups/dev", bucketRegion: "fra1" };
const LOCAL = localBackupTarget(SETTINGS, "rag-stack-dev", "rag-stack-dev-neo4j", "rag-stack-dev-neo4j-data");
const DROPLET = dropletBackupTarget(SETTINGS, "rag-stack-prod", {
    repository: "s3:https://fra1.digitaloceanspaces.com/rag-stack-prod-backups", bucket: "rag-stack-prod-backups",
    ssh: { target: "root@203.0.113.50", options: ["-o", "BatchMode=yes"] }, neo4jContainer: "rag-stack-prod-neo4j", neo4jStoreDir: "/mnt/rag-stack-neo4j/data",
    statusDir: "/mnt/rag-stack-neo4j/backup-status", workDir: "/mnt/rag-stack-neo4j/backup-work", credentialsFile: "/etc/rag-stack/backup.env",
});

const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace(/\.000Z$/, "Z");

/** last-success.json as neo4j-backup.sh writes it, finished `ageSeconds` before NOW. */
function lastSuccess(ageSeconds: number, over: Record<string, unknown> = {}): string {
    const finished = EPOCH - ageSeconds;
    return JSON.stringify({
        result: "success", finishedAt: iso(finished), finishedEpoch: finished, startedAt: iso(finished - 95), durationSeconds: 95,
        snapshotId: "4f3a9c1be27d40aa8f09a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2", snapshotShortId: "4f3a9c1b",
        host: "rag-stack-prod", tags: ["rag-stack-neo4j", "reason:timer"], repository: "s3:https://fra1.digitaloceanspaces.com/rag-stack-prod-backups/neo4j",
        databases: ["neo4j", "system"], bytesAdded: 3_400_000, snapshotBytes: 1_250_000_000, files: 3, outageSeconds: 41,
        counts: { nodes: 120_000, relationships: 340_000, database: "neo4j", source: "the live graph just before Neo4j was stopped for this backup" },
        retention: { keepWithin: "2d", keepDaily: 7, keepWeekly: 4, keepMonthly: 6, applied: true, message: "forgot 1 snapshot(s) outside all within 2d, daily 7, weekly 4, monthly 6" },
        repositoryBytes: 5_600_000_000, snapshotCount: 12, ...over,
    }) + "\n";
}

/** last-run.json as neo4j-backup.sh writes it. */
function lastRun(ageSeconds: number, result: "success" | "failure", over: Record<string, unknown> = {}): string {
    const finished = EPOCH - ageSeconds;
    return JSON.stringify({
        result, exitCode: result === "success" ? 0 : 1, startedAt: iso(finished - 60), finishedAt: iso(finished), finishedEpoch: finished,
        message: result === "success" ? "backup 4f3a9c1b done" : "restic backup failed: Fatal: unable to open repository: 403 Forbidden",
        snapshotId: result === "success" ? "4f3a9c1be27d40aa8f09a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2" : null, outageSeconds: 40, neo4jRunning: true, ...over,
    }) + "\n";
}

/** last-drill.json as neo4j-restore-drill.sh writes it. */
function lastDrill(ageSeconds: number, result: "success" | "failure", over: Record<string, unknown> = {}): string {
    const finished = EPOCH - ageSeconds;
    return JSON.stringify({
        result, finishedAt: iso(finished), finishedEpoch: finished, durationSeconds: 74, restoreSeconds: 21, startSeconds: 38,
        snapshotId: "4f3a9c1be27d40aa8f09a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2", snapshotTime: "2026-12-04T03:12:44.123456789Z", comparedWith: "backup",
        restored: { nodes: 120_000, relationships: 340_000 }, expected: { nodes: result === "success" ? 120_000 : 999_999, relationships: 340_000 },
        backup: { nodes: 120_000, relationships: 340_000 }, live: { nodes: 120_010, relationships: 340_020 },
        message: result === "success"
            ? "the restored graph has 120000 nodes and 340000 relationships, equal to the counts recorded from the live graph when this backup was made"
            : "the restored graph has 120000 nodes and 340000 relationships, the counts recorded from the live graph when this backup was made had 999999 nodes",
        ...over,
    }) + "\n";
}

const rows = (target: BackupOutput | undefined, status?: StatusTexts | string, stack = "prod") => backupRows({ target, status, now: NOW, stack });

describe("the backup output", () => {
    test("local, droplet (with and without ssh) and none parse as index.ts exports them", () => {
        const problems: string[] = [];
        expect(parseBackupOutput(JSON.parse(JSON.stringify(LOCAL)), problems)).toEqual(LOCAL);
        expect(parseBackupOutput(JSON.parse(JSON.stringify(DROPLET)), problems)).toEqual(DROPLET);
        const parked = { ...DROPLET, ssh: undefined };
        expect(parseBackupOutput(JSON.parse(JSON.stringify(parked)), problems)).toEqual(parked);
        expect(parseBackupOutput({ where: "none", reason: "backup.enabled is false" }, problems)).toEqual({ where: "none", reason: "backup.enabled is false" });
        expect(parseBackupOutput(undefined, problems)).toBeUndefined();
        expect(problems).toEqual([]);
    });

    test("a malformed one is a problem naming what is wrong; the outputs reader lists it", () => {
        const problems: string[] = [];
        parseBackupOutput({ where: "cloud" }, problems);
        parseBackupOutput({ ...LOCAL, statusDir: "relative/dir" }, problems);
        parseBackupOutput({ ...LOCAL, maxAgeHours: "26" }, problems);
        parseBackupOutput({ where: "none" }, problems);
        expect(problems).toEqual([
            expect.stringContaining('backup.where is "cloud"'),
            'the stack output backup.statusDir (status files) is "relative/dir": expected a plain absolute path',
            expect.stringContaining('backup.maxAgeHours is "26": expected a whole number'),
            expect.stringContaining('where "none" needs a reason'),
        ]);
        const base = {
            ollamaPlacement: "native", ollamaModel: "m:1", ollamaAccelerator: "metal", ollamaUrlForBackend: "http://host.docker.internal:11434",
            dockerHost: "unix:///var/run/docker.sock", containers: { backend: "b", frontend: "f", neo4j: "n" }, backendUrl: "http://localhost:8000",
            backendHealthUrl: "http://localhost:8000/health", frontendUrl: "http://localhost:3000/", neo4jBoltUrl: "bolt://127.0.0.1:7687", neo4jUser: "neo4j", neo4jPassword: "p",
        };
        expect(parseStackOutputs({ ...base, backup: LOCAL }, "t").backup).toEqual(LOCAL);
        expect(parseStackOutputs(base, "t").backup).toBeUndefined();
        expect(() => parseStackOutputs({ ...base, backup: { where: "cloud" } }, "t")).toThrow(/backup\.where is "cloud"/);
    });
});

describe("the backup row", () => {
    test("a backup within the limit passes with its age, snapshot, sizes, repository and retention", () => {
        const r = rows(DROPLET, { lastSuccess: lastSuccess(9 * HOUR + 12 * 60), lastRun: lastRun(9 * HOUR + 12 * 60, "success") }).backup;
        expect(r.status).toBe("pass");
        expect(r.measured).toEqual([
            "last good backup 9 h 12 min ago (2026-12-04T02:48:00Z), snapshot 4f3a9c1b, 120000 nodes and 340000 relationships, Neo4j stopped 41 s for it; limit 26 h",
            "size: 1.3 GB of dumps, 3.4 MB added; repository 5.6 GB in 12 snapshot(s)",
            "retention: every snapshot within 2d, 7 daily, 4 weekly, 6 monthly; applied: forgot 1 snapshot(s) outside all within 2d, daily 7, weekly 4, monthly 6",
        ]);
        expect(r.data).toMatchObject({ ageSeconds: 9 * HOUR + 720, maxAgeSeconds: 26 * HOUR, snapshotBytes: 1_250_000_000, bytesAdded: 3_400_000, snapshotCount: 12 });
    });

    test("the limit is maxAgeHours: exactly at it passes, a second past it fails saying the age, the limit and what to do", () => {
        expect(rows(DROPLET, { lastSuccess: lastSuccess(26 * HOUR) }).backup.status).toBe("pass");
        const prod = rows(DROPLET, { lastSuccess: lastSuccess(26 * HOUR + 1) }).backup;
        expect(prod.status).toBe("fail");
        expect(prod.cause).toBe("the last good backup is 26 h 0 min old, older than backup.maxAgeHours (26 h): the daily backup has stopped working");
        expect(prod.fix).toBe("on the droplet (ssh root@203.0.113.50): journalctl -u rag-stack-neo4j-backup.service -n 50 says why; then run one now: npm run backup -- --stack prod");
        // Another limit is the output's, not 26.
        expect(rows({ ...DROPLET, maxAgeHours: 50 }, { lastSuccess: lastSuccess(49 * HOUR) }).backup.status).toBe("pass");
        const dev = rows(LOCAL, { lastSuccess: lastSuccess(3 * 86_400 + 2 * HOUR) }, "dev").backup;
        expect(dev.status).toBe("fail");
        expect(dev.cause).toBe("the last good backup is 3 d 2 h old, older than backup.maxAgeHours (26 h): it is time for a backup");
        expect(dev.fix).toBe("make one: npm run backup -- --stack dev (it prints each step)");
    });

    test("a failed run after the last good backup fails with its message, also while the good one is still recent", () => {
        const r = rows(DROPLET, { lastSuccess: lastSuccess(30 * HOUR), lastRun: lastRun(5 * HOUR, "failure", { neo4jRunning: false }) }).backup;
        expect(r.status).toBe("fail");
        expect(r.measured).toContain("the last run 5 h 0 min ago (2026-12-04T07:00:00Z) FAILED (exit 1): restic backup failed: Fatal: unable to open repository: 403 Forbidden");
        expect(r.measured).toContain("Neo4j was not running when that run ended");
        expect(r.cause).toMatch(/older than backup\.maxAgeHours \(26 h\); the last run failed/);
        const recent = rows(DROPLET, { lastSuccess: lastSuccess(25 * HOUR), lastRun: lastRun(HOUR, "failure") }).backup;
        expect(recent.status).toBe("fail");
        expect(recent.cause).toBe("the last backup run failed (the last good one is still within the limit)");
        // A failure older than the last good backup is history, not news.
        expect(rows(DROPLET, { lastSuccess: lastSuccess(HOUR), lastRun: lastRun(2 * HOUR, "failure") }).backup.status).toBe("pass");
    });

    test("retention that failed (exit 4) is said, and the backup still counts", () => {
        const r = rows(DROPLET, {
            lastSuccess: lastSuccess(HOUR, { retention: { ...RETENTION, applied: false, message: "restic forget --prune failed: Fatal: repository is already locked" } }),
            lastRun: lastRun(HOUR, "success", { exitCode: 4, message: "backup 4f3a9c1b done, but retention failed: restic forget --prune failed" }),
        }).backup;
        expect(r.status).toBe("pass");
        expect(r.measured[2]).toBe("retention: every snapshot within 2d, 7 daily, 4 weekly, 6 monthly; NOT applied: restic forget --prune failed: Fatal: repository is already locked (the repository keeps every snapshot until a run applies it)");
        expect(r.measured[3]).toBe("the last run ended with exit 4: backup 4f3a9c1b done, but retention failed: restic forget --prune failed");
    });

    test("restic stats failed: the repository's size is unknown, not zero", () => {
        const r = rows(DROPLET, { lastSuccess: lastSuccess(HOUR, { repositoryBytes: null, snapshotCount: null, bytesAdded: null }) }).backup;
        expect(r.measured[1]).toBe("size: 1.3 GB of dumps, unknown added; repository unknown in unknown snapshot(s) (restic stats failed)");
    });

    test("no backup yet, prod: within maxAgeHours of installed.json passes (the /healthz grace), after it fails", () => {
        const installed = (age: number) => JSON.stringify({ installedEpoch: EPOCH - age, installedAt: iso(EPOCH - age) });
        const fresh = rows(DROPLET, { installed: installed(3 * HOUR) }).backup;
        expect(fresh.status).toBe("pass");
        expect(fresh.measured[0]).toBe("no backup yet: the job was installed 3 h 0 min ago; its first run is due within 26 h of that");
        expect(rows(DROPLET, { installed: installed(26 * HOUR) }).backup.status).toBe("pass");
        const late = rows(DROPLET, { installed: installed(26 * HOUR + 1) }).backup;
        expect(late.status).toBe("fail");
        expect(late.measured[0]).toBe("no backup yet: backups are on (installed 26 h 0 min ago), and none has succeeded (limit 26 h)");
        expect(late.fix).toMatch(/journalctl -u rag-stack-neo4j-backup\.service/);
        expect(rows(DROPLET, {}).backup.status).toBe("fail");
        // The first run failed: its message, within the grace too.
        const first = rows(DROPLET, { installed: installed(HOUR), lastRun: lastRun(600, "failure") }).backup;
        expect(first.status).toBe("fail");
        expect(first.measured).toEqual(["no good backup yet", expect.stringMatching(/^the last run 10 min ago .* FAILED \(exit 1\): restic backup failed/)]);
    });

    test("no backup yet, dev: a skipped row with the command (dev backs up on demand)", () => {
        const r = rows(LOCAL, {}, "dev").backup;
        expect(r.status).toBe("skip");
        expect(r.measured).toEqual(["no backup yet (dev backs up on demand, nothing in /home/me/rag-stack-backups/dev-status): npm run backup -- --stack dev"]);
    });

    test("a damaged last-success.json fails: its age is unknown", () => {
        const r = rows(LOCAL, { lastSuccess: "{\"result\":\"succ" }, "dev").backup;
        expect(r.status).toBe("fail");
        expect(r.measured[0]).toMatch(/^last-success\.json in \/home\/me\/rag-stack-backups\/dev-status is not JSON/);
    });

    test("the status could not be read from the droplet: fails saying so; the drill row is not judged", () => {
        const r = rows(DROPLET, "ssh did not answer within 10s (ssh root@203.0.113.50)");
        expect(r.backup.status).toBe("fail");
        expect(r.backup.measured[0]).toBe("the backup status in the droplet's /mnt/rag-stack-neo4j/backup-status could not be read: ssh did not answer within 10s (ssh root@203.0.113.50)");
        expect(r.drill.status).toBe("skip");
    });

    test("none, parked and a stack older than the output: one non-failing row each, with the reason", () => {
        const none = rows({ where: "none", reason: "host.provider is existing: the engine is another machine's; run the backup scripts there (docs/backups.md)" });
        expect(none.backup).toEqual({ status: "skip", measured: ["no backups for this stack: host.provider is existing: the engine is another machine's; run the backup scripts there (docs/backups.md)"] });
        expect(none.drill.status).toBe("skip");
        const { ssh: _ssh, ...parked } = DROPLET;
        const p = rows(parked as BackupOutput, undefined);
        expect(p.backup.status).toBe("skip");
        expect(p.backup.measured[0]).toBe("backups: parked, the status files are on the droplet's Neo4j volume (/mnt/rag-stack-neo4j/backup-status) and cannot be read while parked; the bucket keeps every snapshot");
        const old = rows(undefined);
        expect(old.backup.status).toBe("skip");
        expect(old.backup.measured[0]).toMatch(/outputs have no `backup`.*pulumi up adds it/);
    });
});

describe("the restore drill row", () => {
    test("never drilled: a skipped row with the command", () => {
        expect(rows(LOCAL, { lastSuccess: lastSuccess(HOUR) }, "dev").drill).toEqual({
            status: "skip", measured: ["never drilled: prove the latest backup restores with npm run restore-drill -- --stack dev"],
        });
    });

    test("a drill that succeeded passes with its age, snapshot and the counts it compared", () => {
        const r = rows(DROPLET, { lastDrill: lastDrill(2 * 86_400 + 5 * HOUR, "success") }).drill;
        expect(r.status).toBe("pass");
        expect(r.measured).toEqual([
            "last drill 2 d 5 h ago: restored snapshot 4f3a9c1b (of 2026-12-04T03:12:44.123456789Z): 120000 nodes, 340000 relationships, equal to the counts the backup recorded",
            "restore 21 s, throwaway Neo4j answering after 38 s",
            "live graph at the drill: 120010 nodes, 340020 relationships",
        ]);
        // A newer backup than the drilled one is said, without failing.
        const newer = rows(DROPLET, { lastDrill: lastDrill(86_400, "success"), lastSuccess: lastSuccess(HOUR, { snapshotId: "9e8d7c6b".padEnd(64, "0") }) }).drill;
        expect(newer.status).toBe("pass");
        expect(newer.measured[3]).toBe("the latest backup (snapshot 9e8d7c6b) is not the drilled one: npm run restore-drill -- --stack prod");
        const live = rows(DROPLET, { lastDrill: lastDrill(60, "success", { comparedWith: "live", backup: null }) }).drill;
        expect(live.measured[0]).toMatch(/equal to the live graph \(the backup recorded no counts\)$/);
    });

    test("a failed drill fails with its message", () => {
        const r = rows(DROPLET, { lastDrill: lastDrill(HOUR, "failure") }).drill;
        expect(r.status).toBe("fail");
        expect(r.measured[0]).toBe("the last drill 1 h 0 min ago FAILED on snapshot 4f3a9c1b (of 2026-12-04T03:12:44.123456789Z): the restored graph has 120000 nodes and 340000 relationships, the counts recorded from the live graph when this backup was made had 999999 nodes");
        expect(r.measured[1]).toBe("restored 120000 nodes, 340000 relationships, expected 999999 nodes, 340000 relationships");
        expect(r.fix).toBe("the message says which step failed; after fixing it: npm run restore-drill -- --stack prod");
        // A drill that failed before it found a snapshot.
        const early = rows(DROPLET, { lastDrill: lastDrill(HOUR, "failure", { snapshotId: null, snapshotTime: null, restored: null, expected: null, message: "restic is not installed" }) }).drill;
        expect(early.measured).toEqual(["the last drill 1 h 0 min ago FAILED: restic is not installed"]);
    });
});

describe("reading the status", () => {
    test("a real directory on this machine: missing files are absent, a missing directory is nothing yet", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-status-"));
        try {
            expect(readLocalStatus(path.join(dir, "missing"))).toEqual({});
            fs.writeFileSync(path.join(dir, "last-success.json"), lastSuccess(2 * HOUR));
            fs.writeFileSync(path.join(dir, "last-run.json"), lastRun(2 * HOUR, "success"));
            const texts = readLocalStatus(dir) as StatusTexts;
            expect(Object.keys(texts).sort()).toEqual(["lastRun", "lastSuccess"]);
            const r = rows({ ...LOCAL, statusDir: dir }, texts, "dev");
            expect(r.backup.status).toBe("pass");
            expect(r.backup.measured[0]).toMatch(/^last good backup 2 h 0 min ago .* snapshot 4f3a9c1b/);
            expect(r.drill.status).toBe("skip");
            fs.writeFileSync(path.join(dir, "last-drill.json"), lastDrill(HOUR, "success"));
            expect(rows({ ...LOCAL, statusDir: dir }, readLocalStatus(dir), "dev").drill.status).toBe("pass");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("the droplet's listing: the command run by a real sh over a real directory, parsed back", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-status-"));
        try {
            fs.writeFileSync(path.join(dir, "last-success.json"), lastSuccess(HOUR));
            fs.writeFileSync(path.join(dir, "installed.json"), "{\"installedEpoch\":1764806400,\"installedAt\":\"2025-12-04T00:00:00Z\"}\n");
            const { execFileSync } = await import("child_process");
            const out = execFileSync("sh", ["-c", statusCommand(dir)], { encoding: "utf8" });
            const texts = parseStatusOutput(out) as StatusTexts;
            expect(JSON.parse(texts.lastSuccess as string)).toEqual(JSON.parse(lastSuccess(HOUR)));
            expect(JSON.parse(texts.installed as string)).toEqual({ installedEpoch: 1764806400, installedAt: "2025-12-04T00:00:00Z" });
            expect(texts.lastRun).toBeUndefined();
            expect(texts.lastDrill).toBeUndefined();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(parseStatusOutput("@@rag-stack-status-file@@ last-success.json\n{")).toMatch(/ended early/);
        expect(() => statusCommand("/var/lib/x'; rm -rf /")).toThrow(/not a plain absolute path/);
    });

    test("ages read as people say them", () => {
        expect([59, 600, 3600, 26 * HOUR + 59 * 60, 48 * HOUR, 3 * 86_400 + 7 * HOUR].map(ageText)).toEqual(["0 min", "10 min", "1 h 0 min", "26 h 59 min", "2 d 0 h", "3 d 7 h"]);
    });
});
