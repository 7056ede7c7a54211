/**
 * `npm run verify` and Neo4j's backups, as real processes: the `backup` output the real program
 * exports (rendered from Pulumi.dev.yaml and Pulumi.prod.yaml), status files in the shapes the
 * backup scripts write, verify run as `npm run verify` runs it. dev reads the status directory on
 * this machine; prod reads the droplet's over one ssh call with the output's pinned options (a
 * stand-in `ssh` on PATH runs the command here, on a directory standing in for the droplet's).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderInChild } from "../e2e/support/render-child";
import { rowBlock, runVerify, writeOutputsFile } from "../e2e/support/verify-cli";

jest.setTimeout(180_000);

const OTHERS = "ollama,backend-exec,gpu,neo4j,http,front-door";
const BACKUP_ROW = 16;
const DRILL_ROW = 17;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-verify-backup-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const nowEpoch = () => Math.floor(Date.now() / 1000);
const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

function writeStatus(dir: string, ageSeconds: number, drill?: "success" | "failure"): void {
    fs.mkdirSync(dir, { recursive: true });
    const finished = nowEpoch() - ageSeconds;
    fs.writeFileSync(path.join(dir, "last-success.json"), JSON.stringify({
        result: "success", finishedAt: iso(finished), finishedEpoch: finished, startedAt: iso(finished - 30), durationSeconds: 30,
        snapshotId: "0badc0de".repeat(8), snapshotShortId: "0badc0de", host: "rag-stack-dev", tags: ["rag-stack-neo4j", "reason:manual"],
        repository: "/tmp/repo", databases: ["neo4j", "system"], bytesAdded: 2_000_000, snapshotBytes: 48_000_000, files: 3, outageSeconds: 12,
        counts: { nodes: 1000, relationships: 700, database: "neo4j", source: "the live graph just before Neo4j was stopped for this backup" },
        retention: { keepWithin: "2d", keepDaily: 7, keepWeekly: 4, keepMonthly: 6, applied: true, message: "kept per policy" },
        repositoryBytes: 90_000_000, snapshotCount: 3,
    }) + "\n");
    if (drill) {
        fs.writeFileSync(path.join(dir, "last-drill.json"), JSON.stringify({
            result: drill, finishedAt: iso(finished + 600), finishedEpoch: finished + 600, durationSeconds: 50, restoreSeconds: 9, startSeconds: 30,
            snapshotId: "0badc0de".repeat(8), snapshotTime: iso(finished), comparedWith: "backup",
            restored: { nodes: 1000, relationships: 700 }, expected: { nodes: drill === "success" ? 1000 : 1001, relationships: 700 },
            backup: { nodes: 1000, relationships: 700 }, live: { nodes: 1003, relationships: 702 },
            message: drill === "success" ? "equal to the counts recorded" : "the restored graph has 1000 nodes and 700 relationships, the counts recorded had 1001",
        }) + "\n");
    }
}

describe("dev: the status directory beside the repository", () => {
    let outputs: Record<string, unknown>;
    let statusDir: string;

    beforeAll(async () => {
        const render = await renderInChild({ stack: "dev", overrides: { "backup.repository": path.join(tmp, "dev-repo") }, secrets: { neo4jPassword: "dev-password-1" } });
        outputs = JSON.parse(JSON.stringify(render.outputs)) as Record<string, unknown>;
        statusDir = (outputs.backup as { statusDir: string }).statusDir;
        expect(statusDir).toBe(path.join(tmp, "dev-repo-status"));
    });

    test("nothing backed up yet: both rows skipped with the commands; exit 0", async () => {
        const run = await runVerify(["--outputs", writeOutputsFile(outputs), "--skip", OTHERS, "--quiet"]);
        expect(run.code).toBe(0);
        expect(rowBlock(run.stdout, BACKUP_ROW)).toMatch(/Last good backup of Neo4j \(age, size, retention\) +skip +no backup yet \(dev backs up on demand.*\): npm run backup -- --stack dev/);
        expect(rowBlock(run.stdout, DRILL_ROW)).toMatch(/Last restore drill +skip +never drilled: .*npm run restore-drill -- --stack dev/);
    });

    test("a backup of 2 h and a good drill pass with their numbers; a stale backup and a failed drill fail with cause and fix", async () => {
        writeStatus(statusDir, 2 * 3600, "success");
        const run = await runVerify(["--outputs", writeOutputsFile(outputs), "--skip", OTHERS, "--quiet"]);
        expect(run.code).toBe(0);
        const backup = rowBlock(run.stdout, BACKUP_ROW);
        expect(backup).toMatch(/PASS +last good backup 2 h 0 min ago \(.*\), snapshot 0badc0de, 1000 nodes and 700 relationships, Neo4j stopped 12 s for it; limit 26 h/);
        expect(backup).toContain("size: 48.0 MB of dumps, 2.0 MB added; repository 90.0 MB in 3 snapshot(s)");
        expect(backup).toContain("retention: every snapshot within 2d, 7 daily, 4 weekly, 6 monthly; applied: kept per policy");
        expect(rowBlock(run.stdout, DRILL_ROW)).toMatch(/PASS +last drill 1 h 50 min ago: restored snapshot 0badc0de .*: 1000 nodes, 700 relationships, equal to the counts the backup recorded/);

        writeStatus(statusDir, 27 * 3600, "failure");
        const stale = await runVerify(["--outputs", writeOutputsFile(outputs), "--skip", OTHERS, "--quiet", "--json"]);
        expect(stale.code).toBe(1);
        const report = JSON.parse(stale.stdout) as { checks: { id: string; number: number; status: string; cause?: string; fix?: string }[] };
        expect(report.checks.find((c) => c.id === "backup")).toMatchObject({
            number: BACKUP_ROW, status: "fail",
            cause: "the last good backup is 27 h 0 min old, older than backup.maxAgeHours (26 h): it is time for a backup",
            fix: "make one: npm run backup -- --stack dev (it prints each step)",
        });
        expect(report.checks.find((c) => c.id === "restore-drill")).toMatchObject({ number: DRILL_ROW, status: "fail" });
    });

    test("--skip backup leaves both rows out", async () => {
        const run = await runVerify(["--outputs", writeOutputsFile(outputs), "--skip", `${OTHERS},backup`, "--quiet"]);
        expect(run.code).toBe(0);
        expect(rowBlock(run.stdout, BACKUP_ROW)).toMatch(/skip +skipped \(--skip backup\)/);
    });

    test("outputs of a stack updated before the backup output: the row says so, nothing fails", async () => {
        const { backup: _b, ...older } = outputs;
        const run = await runVerify(["--outputs", writeOutputsFile(older), "--skip", OTHERS, "--quiet"]);
        expect(run.code).toBe(0);
        expect(rowBlock(run.stdout, BACKUP_ROW)).toMatch(/skip +the stack's outputs have no `backup`/);
    });
});

describe("prod: the droplet's status directory over one ssh call", () => {
    test("verify calls ssh with the output's pinned options and target, and shows the droplet's backup", async () => {
        const render = await renderInChild({
            stack: "prod", overrides: { "alerts.emails": ["ops@example.com"] },
            secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
        });
        const outputs = JSON.parse(JSON.stringify(render.outputs)) as Record<string, unknown>;
        const backup = outputs.backup as { statusDir: string; ssh: { target: string; options: string[] } };
        const root = path.join(tmp, "droplet");
        writeStatus(path.join(root, backup.statusDir), 5 * 3600);
        // The stand-in ssh: records its arguments, runs the command here with the droplet's paths under `root`.
        const bin = path.join(tmp, "bin");
        fs.mkdirSync(bin, { recursive: true });
        const log = path.join(tmp, "ssh-args");
        fs.writeFileSync(path.join(bin, "ssh"), [
            "#!/bin/sh",
            `printf '%s\\n' "$@" > '${log}'`,
            'for last; do :; done',
            `exec sh -c "$(printf '%s' "$last" | sed 's#/mnt/#${root}/mnt/#g')"`,
            "",
        ].join("\n"), { mode: 0o755 });
        const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
        const run = await runVerify(["--outputs", writeOutputsFile(outputs), "--skip", OTHERS, "--quiet", "--json"], undefined, 120_000, env);
        const report = JSON.parse(run.stdout) as { checks: { id: string; status: string; measured: string[] }[] };
        const row = report.checks.find((c) => c.id === "backup");
        expect(row?.status).toBe("pass");
        expect(row?.measured[0]).toMatch(/^last good backup 5 h 0 min ago .* snapshot 0badc0de/);
        expect(report.checks.find((c) => c.id === "restore-drill")).toMatchObject({ status: "skip", measured: ["never drilled: prove the latest backup restores with npm run restore-drill -- --stack prod"] });
        const args = fs.readFileSync(log, "utf8").trimEnd().split("\n");
        expect(args.slice(0, backup.ssh.options.length)).toEqual(backup.ssh.options);
        expect(args).toContain(backup.ssh.target);
        expect(args[args.indexOf(backup.ssh.target) + 1]).toBe("--");
    });
});
