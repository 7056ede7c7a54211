/**
 * The Neo4j backup machinery that needs no Docker: the scripts pass shellcheck (POSIX sh, following
 * backup-lib.sh) and carry the house header; the systemd units rendered by components/backup/
 * scripts.ts pass the real `systemd-analyze verify` and refuse values a unit or a shell would
 * interpret; the timer's calendar is what it says; the backup script refuses a bad environment, an
 * open credentials file and a second run (flock, and the mkdir lock where flock is missing) before
 * it touches Docker, and records what it refused in last-run.json.
 * The scripts against a real engine, restic and S3: tests/e2e/backup-*.test.ts.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    BACKUP_INSTALL_DIR, BACKUP_SCRIPT_FILES, BACKUP_SCRIPTS_DIR, BACKUP_SERVICE, BACKUP_STEP_SCRIPT_FILES, BACKUP_TIMER, BackupServiceSettings,
    backupScript, backupScriptsHash, renderBackupService, renderBackupTimer,
} from "../../components/backup/scripts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-units-"));
const children: ChildProcess[] = [];
afterAll(() => {
    for (const c of children) {
        try {
            if (c.exitCode === null && c.pid) process.kill(c.pid, "SIGKILL");
        } catch { /* already gone */ }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
});

const available = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const hasShellcheck = available("shellcheck");
const hasSystemdAnalyze = available("systemd-analyze");
if (!hasShellcheck) console.warn("shellcheck not installed: lint skipped. Install it: apt-get install shellcheck (CI does)");
if (!hasSystemdAnalyze) console.warn("systemd-analyze is not installed (apt-get install systemd): unit verification skipped");

const settings: BackupServiceSettings = {
    neo4jContainer: "rag-stack-prod-neo4j",
    neo4jData: "rag-stack-prod-neo4j-data",
    workDir: "/var/lib/rag-stack/neo4j-backup",
    statusDir: "/var/lib/rag-stack/backup-status",
    repository: "s3:https://ams3.digitaloceanspaces.com/rag-stack-prod-backups/neo4j",
    credentialsFile: "/etc/rag-stack/backup-credentials",
    backupHost: "rag-stack-prod",
};

describe("the scripts", () => {
    const shellScripts = fs.readdirSync(BACKUP_SCRIPTS_DIR).filter((f) => f.endsWith(".sh")).sort();

    test("are the four the module installs and the steps `up` sends on stdin, and the installed ones' hash follows their content", () => {
        expect(shellScripts).toEqual([...BACKUP_SCRIPT_FILES, ...BACKUP_STEP_SCRIPT_FILES].sort());
        expect(backupScriptsHash()).toMatch(/^[0-9a-f]{16}$/);
        expect(backupScript("neo4j-backup.sh")).toContain('. "$(dirname "$0")/backup-lib.sh"');
    });

    (hasShellcheck ? test : test.skip)("pass shellcheck (POSIX sh, following backup-lib.sh)", () => {
        const res = spawnSync("shellcheck", ["--shell=sh", "--external-sources", "--format=gcc", ...shellScripts], { cwd: BACKUP_SCRIPTS_DIR, encoding: "utf8" });
        expect(res.stdout + res.stderr).toBe("");
        expect(res.status).toBe(0);
    });

    test.each([...BACKUP_SCRIPT_FILES.filter((f) => f !== "backup-lib.sh"), ...BACKUP_STEP_SCRIPT_FILES])("%s: header (environment, exit codes), set -eu, no process stopped by name", (file) => {
        const text = fs.readFileSync(path.join(BACKUP_SCRIPTS_DIR, file), "utf8");
        expect(text.startsWith("#!/bin/sh\n# ")).toBe(true);
        const header = text.split("\nset -eu\n")[0];
        expect(header).toMatch(/Environment:/);
        expect(header).toMatch(/Exit codes:/);
        const code = text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
        expect(code).not.toMatch(/\b(pkill|killall|pgrep)\b/);
        expect(code).not.toMatch(/\b(readlink -f|sed -i|stat -c|timeout )/); // GNU-only: the scripts also run on a Mac
    });

    test("the backup script documents the status files the health endpoint reads", () => {
        const header = backupScript("neo4j-backup.sh").split("\nset -eu\n")[0];
        for (const field of ["last-success.json", "last-run.json", "finishedAt", "finishedEpoch", "snapshotId", "bytesAdded", "snapshotBytes",
            "files", "outageSeconds", "retention", "message"]) {
            expect(header).toContain(field);
        }
        expect(backupScript("neo4j-restore-drill.sh").split("\nset -eu\n")[0]).toContain("last-drill.json");
    });
});

describe("the units", () => {
    test("the service names the container, store, repository, credentials file and status directory; no placeholder is left", () => {
        const unit = renderBackupService(settings);
        expect(unit).toContain("Environment=NEO4J_CONTAINER=rag-stack-prod-neo4j\n");
        expect(unit).toContain("Environment=NEO4J_DATA=rag-stack-prod-neo4j-data\n");
        expect(unit).toContain("Environment=RESTIC_REPOSITORY=s3:https://ams3.digitaloceanspaces.com/rag-stack-prod-backups/neo4j\n");
        expect(unit).toContain("Environment=BACKUP_CREDENTIALS_FILE=/etc/rag-stack/backup-credentials\n");
        expect(unit).toContain("Environment=BACKUP_STATUS_DIR=/var/lib/rag-stack/backup-status\n");
        expect(unit).toContain("Environment=BACKUP_KEEP_DAILY=7\nEnvironment=BACKUP_KEEP_WEEKLY=4\nEnvironment=BACKUP_KEEP_MONTHLY=6\nEnvironment=BACKUP_KEEP_WITHIN=2d\n");
        expect(unit).toContain("Environment=NEO4J_STOP_TIMEOUT=60\n");
        expect(unit).toContain(`ExecStart=${BACKUP_INSTALL_DIR}/neo4j-backup.sh\n`);
        expect(unit).toMatch(/\nType=oneshot\n/);
        expect(unit).toMatch(/\nTimeoutStartSec=360min\n/);
        expect(unit).toContain("Environment=BACKUP_UPLOAD_TIMEOUT=21000\n");
        expect(unit).toMatch(/\nNice=19\n/);
        expect(unit).toMatch(/\nIOSchedulingClass=idle\n/);
        expect(unit).toMatch(/\nKillMode=mixed\n/);
        expect(unit).not.toMatch(/\{\{\w+\}\}/);
        // The secrets never reach systemd: only the file's name is in the unit.
        expect(unit).not.toMatch(/RESTIC_PASSWORD|AWS_SECRET/);
    });

    test("the timer runs daily at the configured hour UTC, persistent, with a random delay", () => {
        expect(renderBackupTimer()).toContain("OnCalendar=*-*-* 03:00:00 UTC\n");
        const timer = renderBackupTimer({ hour: 22, randomizedDelayMinutes: 45 });
        expect(timer).toContain("OnCalendar=*-*-* 22:00:00 UTC\n");
        expect(timer).toContain("RandomizedDelaySec=45min\n");
        expect(timer).toContain("Persistent=true\n");
        expect(timer).toContain(`Unit=${BACKUP_SERVICE}\n`);
        expect(timer).not.toMatch(/\{\{\w+\}\}/);
    });

    test("values a unit file or a shell would interpret are refused, naming the field, the value and what is allowed", () => {
        expect(() => renderBackupService({ ...settings, neo4jContainer: "x\nExecStartPre=/bin/rm -rf /" })).toThrow(/neo4jContainer: "x\\nExecStartPre=\/bin\/rm -rf \/" is not allowed; expected a Docker name/);
        expect(() => renderBackupService({ ...settings, workDir: "/var/lib/%h" })).toThrow(/workDir: "\/var\/lib\/%h" is not allowed; expected an absolute path/);
        expect(() => renderBackupService({ ...settings, statusDir: "/var/lib/../etc" })).toThrow(/statusDir/);
        expect(() => renderBackupService({ ...settings, repository: "s3:http://ams3.digitaloceanspaces.com/b/p" })).toThrow(/repository: .* expected s3:https:\/\/<endpoint>\/<bucket>/);
        expect(() => renderBackupService({ ...settings, neo4jData: "relative/dir" })).toThrow(/neo4jData/);
        expect(() => renderBackupService({ ...settings, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 })).toThrow(/that retention would forget every backup/);
        expect(() => renderBackupService({ ...settings, keepDaily: 1.5 })).toThrow(/keepDaily: 1.5 is not allowed; expected a whole number from 0 to 3650/);
        expect(() => renderBackupService({ ...settings, keepWithin: "2 days" })).toThrow(/keepWithin: "2 days" is not allowed; expected a restic duration/);
        expect(renderBackupService({ ...settings, keepWithin: "none" })).toContain("Environment=BACKUP_KEEP_WITHIN=none\n");
        expect(() => renderBackupTimer({ hour: 24 })).toThrow(/hour: 24 is not allowed; expected a whole number from 0 to 23/);
        // Every problem at once.
        expect(() => renderBackupService({ ...settings, workDir: "w", statusDir: "s" })).toThrow(/workDir[\s\S]*statusDir/);
        // A host directory as the store is fine (the droplet's block volume).
        expect(renderBackupService({ ...settings, neo4jData: "/mnt/neo4j_data", repository: "/var/backups/restic" })).toContain("Environment=NEO4J_DATA=/mnt/neo4j_data\n");
    });

    (hasSystemdAnalyze ? describe : describe.skip)("systemd-analyze verify", () => {
        function unitRoot(name: string, service: string, installScript = true): string {
            const root = path.join(tmp, name);
            fs.mkdirSync(path.join(root, "etc/systemd/system"), { recursive: true });
            fs.mkdirSync(path.join(root, BACKUP_INSTALL_DIR), { recursive: true });
            fs.cpSync("/usr/lib/systemd/system", path.join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
            fs.writeFileSync(path.join(root, "etc/systemd/system", BACKUP_SERVICE), service);
            fs.writeFileSync(path.join(root, "etc/systemd/system", BACKUP_TIMER), renderBackupTimer({ hour: 2 }));
            if (installScript) {
                for (const f of BACKUP_SCRIPT_FILES) fs.writeFileSync(path.join(root, BACKUP_INSTALL_DIR, f), backupScript(f), { mode: 0o755 });
            }
            return root;
        }
        const verify = (root: string) => spawnSync("systemd-analyze", ["verify", `--root=${root}`, `/etc/systemd/system/${BACKUP_SERVICE}`, `/etc/systemd/system/${BACKUP_TIMER}`],
            { encoding: "utf8", timeout: 60_000 });

        test("accepts the rendered service and timer without a word", () => {
            const result = verify(unitRoot("good", renderBackupService(settings)));
            expect(`${result.stdout}${result.stderr}`).toBe("");
            expect(result.status).toBe(0);
        });

        test("does reject a unit whose script is not installed (the check is real)", () => {
            const result = verify(unitRoot("no-script", renderBackupService(settings), false));
            expect(result.status).not.toBe(0);
            expect(`${result.stdout}${result.stderr}`).toMatch(/neo4j-backup\.sh.*(not executable|No such file)/);
        });

        test("the rendered timer's calendar is daily at that hour UTC", () => {
            const calendar = /^OnCalendar=(.*)$/m.exec(renderBackupTimer({ hour: 2 }))![1];
            const r = spawnSync("systemd-analyze", ["calendar", calendar], { encoding: "utf8" });
            expect(r.status).toBe(0);
            expect(r.stdout).toMatch(/Normalized form: \*-\*-\* 02:00:00 UTC/);
        });
    });
});

describe("the backup script before Docker", () => {
    const script = path.join(BACKUP_SCRIPTS_DIR, "neo4j-backup.sh");
    let n = 0;
    function dirs() {
        const d = path.join(tmp, `run-${n++}`);
        fs.mkdirSync(d);
        const credentials = path.join(d, "credentials");
        fs.writeFileSync(credentials, "RESTIC_PASSWORD=secret-1\n", { mode: 0o600 });
        fs.chmodSync(credentials, 0o600);
        return { d, credentials, env: {
            PATH: process.env.PATH ?? "", NEO4J_CONTAINER: "rag-stack-test-neo4j", BACKUP_WORK_DIR: path.join(d, "work"), BACKUP_STATUS_DIR: path.join(d, "status"),
            RESTIC_REPOSITORY: path.join(d, "repo"), BACKUP_CREDENTIALS_FILE: credentials,
        } };
    }
    const run = (env: Record<string, string>) => spawnSync("sh", [script], { encoding: "utf8", env, timeout: 30_000 });

    test("a bad environment is refused with exit 2 and the variable's name", () => {
        const { env } = dirs();
        expect(run({ ...env, NEO4J_CONTAINER: "" })).toMatchObject({ status: 2, stderr: expect.stringContaining("NEO4J_CONTAINER must name the Neo4j container") });
        expect(run({ ...env, BACKUP_WORK_DIR: "relative" })).toMatchObject({ status: 2, stderr: expect.stringContaining("BACKUP_WORK_DIR must be an absolute directory (got 'relative')") });
        expect(run({ ...env, BACKUP_KEEP_DAILY: "0", BACKUP_KEEP_WEEKLY: "0", BACKUP_KEEP_MONTHLY: "0" })).toMatchObject({ status: 2, stderr: expect.stringContaining("would forget every backup") });
        expect(run({ ...env, NEO4J_STOP_TIMEOUT: "60s" })).toMatchObject({ status: 2, stderr: expect.stringContaining("whole numbers (got '60s')") });
        expect(run({ ...env, NEO4J_DATABASES: "neo4j ../x" })).toMatchObject({ status: 2, stderr: expect.stringContaining("'../x' is not a database name") });
        expect(run({ ...env, BACKUP_KEEP_WITHIN: "48" })).toMatchObject({ status: 2, stderr: expect.stringContaining("BACKUP_KEEP_WITHIN must be a restic duration") });
        expect(run({ ...env, RESTIC_REPOSITORY: "" })).toMatchObject({ status: 2, stderr: expect.stringContaining("RESTIC_REPOSITORY must name") });
    });

    test("a credentials file others can read is refused (exit 2), recorded in last-run.json, last-success.json untouched", () => {
        const { d, credentials, env } = dirs();
        fs.chmodSync(credentials, 0o644);
        const r = run(env);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain(`the credentials file ${credentials} has mode -rw-r--r--: it must be readable by its owner only (chmod 600 ${credentials})`);
        const status = JSON.parse(fs.readFileSync(path.join(d, "status", "last-run.json"), "utf8"));
        expect(status).toMatchObject({ result: "failure", exitCode: 2, snapshotId: null });
        expect(status.message).toContain("chmod 600");
        expect(status.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(fs.existsSync(path.join(d, "status", "last-success.json"))).toBe(false);
    });

    test("a credentials file with an unknown key, or without the S3 keys for an S3 repository, is refused", () => {
        const { credentials, env } = dirs();
        fs.writeFileSync(credentials, "RESTIC_PASSWORD=x\nAWS_SESSION_TOKEN=y\n");
        expect(run(env)).toMatchObject({ status: 2, stderr: expect.stringContaining("line 2: unknown key AWS_SESSION_TOKEN") });
        fs.writeFileSync(credentials, "RESTIC_PASSWORD=x\n");
        expect(run({ ...env, RESTIC_REPOSITORY: "s3:https://127.0.0.1:1/bucket/p" })).toMatchObject({ status: 2, stderr: expect.stringContaining("needs AWS_ACCESS_KEY_ID= and AWS_SECRET_ACCESS_KEY=") });
    });

    test("docker missing from PATH: exit 2, the sentence recorded", () => {
        const { d, env } = dirs();
        const bin = path.join(d, "bin");
        fs.mkdirSync(bin);
        for (const tool of ["sh", "date", "mkdir", "chmod", "cat", "awk", "tr", "sed", "head", "tail", "hostname", "cut", "dirname", "mv", "printf", "flock", "id", "ls", "grep", "rm", "restic"]) {
            const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
            if (found.startsWith("/")) fs.symlinkSync(found, path.join(bin, tool));
        }
        const r = spawnSync(path.join(bin, "sh"), [script], { encoding: "utf8", env: { ...env, PATH: bin }, timeout: 30_000 });
        expect(r.status).toBe(2);
        expect(r.stderr).toContain("docker is not installed or not on PATH");
        expect(JSON.parse(fs.readFileSync(path.join(d, "status", "last-run.json"), "utf8")).message).toContain("docker is not installed");
    });

    /** Waits (bounded) until a file exists. */
    async function until(file: string): Promise<void> {
        for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
        if (!fs.existsSync(file)) throw new Error(`${file} did not appear`);
    }

    test("a second run while one holds the lock does nothing and exits 3 (flock)", async () => {
        const { d, env } = dirs();
        fs.mkdirSync(path.join(d, "work"));
        const lock = path.join(d, "work", "backup.lock");
        const ready = path.join(d, "holding");
        const holder = spawn("flock", ["-n", lock, "sh", "-c", `: >'${ready}'; sleep 30`], { stdio: "ignore" });
        children.push(holder);
        await until(ready);
        const r = run(env);
        expect(r.status).toBe(3);
        expect(r.stderr).toContain(`another backup is running (it holds ${lock}`);
        expect(fs.existsSync(path.join(d, "status", "last-run.json"))).toBe(false);
        process.kill(holder.pid!, "SIGKILL");
    });

    test("without flock (macOS): a live holder's mkdir lock refuses the run; a dead holder's lock is taken over", async () => {
        const { d, env } = dirs();
        const noFlock = path.join(d, "bin");
        fs.mkdirSync(noFlock);
        for (const dir of ["/usr/local/bin", "/usr/bin", "/bin"]) {
            if (!fs.existsSync(dir)) continue;
            for (const f of fs.readdirSync(dir)) if (f !== "flock" && !fs.existsSync(path.join(noFlock, f))) fs.symlinkSync(path.join(dir, f), path.join(noFlock, f));
        }
        const lockDir = path.join(d, "work", "backup.lock.d");
        fs.mkdirSync(lockDir, { recursive: true });
        const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
        children.push(sleeper);
        fs.writeFileSync(path.join(lockDir, "pid"), `${sleeper.pid}\n`);
        const held = run({ ...env, PATH: noFlock });
        expect(held.status).toBe(3);
        expect(held.stderr).toContain(`another backup is running (PID ${sleeper.pid} holds ${lockDir})`);
        process.kill(sleeper.pid!, "SIGKILL");
        await new Promise((r) => sleeper.once("exit", r));
        // The holder is gone: the run takes the lock and goes on (to the credentials check, which fails here on purpose).
        fs.chmodSync(env.BACKUP_CREDENTIALS_FILE, 0o640);
        const taken = run({ ...env, PATH: noFlock });
        expect(taken.status).toBe(2);
        expect(taken.stderr).toContain("must be readable by its owner only");
        expect(fs.existsSync(lockDir)).toBe(false); // released on exit
    });
});
