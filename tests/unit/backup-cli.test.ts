/**
 * `npm run backup`, `restore`, `restore-drill` without processes: the command line, the stack's
 * `backup` output as read and checked, and what each action runs, with what, in which order
 * (recording fakes of the Pulumi CLI and of the process runner). The scripts themselves run for
 * real in tests/e2e/backup-commands.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dropletBackupTarget, localBackupTarget } from "../../components/backup/target";
import { parseBackupArgs, UsageError } from "../../tools/backup/args";
import { lastMarker } from "../../tools/backup/processes";
import { BackupDeps, runBackupCommand, stamp } from "../../tools/backup/run";
import { readBackupTarget } from "../../tools/backup/stack-target";

const settings = {
    enabled: true, disabledOnPurpose: false, hourUtc: 3, bucketRegion: "ams3", allowSameRegion: false,
    keepWithin: "2d", keepDaily: 7, keepWeekly: 4, keepMonthly: 6, maxAgeHours: 26, repository: "~/rag-stack-backups/dev",
};

describe("command line", () => {
    test("defaults, flags, and mistakes named", () => {
        expect(parseBackupArgs("backup", ["--stack", "dev"])).toEqual({ action: "backup", stack: "dev", snapshot: "latest", noSwitch: false, list: false });
        expect(parseBackupArgs("restore", ["-s", "prod", "--snapshot", "0a1b2c3d", "--no-switch"])).toMatchObject({ snapshot: "0a1b2c3d", noSwitch: true });
        expect(parseBackupArgs("backup", ["--stack", "dev", "--list"])?.list).toBe(true);
        expect(parseBackupArgs("restore-drill", ["--help"])).toBeUndefined();
        const refused = (action: "backup" | "restore" | "restore-drill", argv: string[]) => {
            try { parseBackupArgs(action, argv); } catch (err) { expect(err).toBeInstanceOf(UsageError); return (err as Error).message; }
            return "accepted";
        };
        expect(refused("backup", [])).toBe("--stack is required");
        expect(refused("backup", ["--stack", "dev", "--snapshot", "0a1b2c3d"])).toBe("--snapshot is for restore and restore-drill");
        expect(refused("restore-drill", ["--stack", "dev", "--no-switch"])).toBe("--no-switch is for restore only");
        expect(refused("restore", ["--stack", "dev", "--list"])).toBe("--list is for backup only");
        expect(refused("restore", ["--stack", "dev", "--snapshot", "HEAD;rm"])).toContain('--snapshot "HEAD;rm": expected latest or a snapshot id');
        expect(refused("restore", ["--stack", "a b"])).toContain("expected a stack name");
        expect(refused("restore", ["--stack", "dev", "now"])).toContain('unexpected "now"');
    });
});

describe("the stack's backup output", () => {
    const local = localBackupTarget({ ...settings, repository: "/home/me/rag-stack-backups/dev" }, "rag-stack-dev", "rag-stack-dev-neo4j", "rag-stack-dev-neo4j-data");

    test("dev: the repository, with status and dumps beside it; ~ is this machine's home", () => {
        expect(local).toMatchObject({ where: "local", repository: "/home/me/rag-stack-backups/dev", statusDir: "/home/me/rag-stack-backups/dev-status",
            workDir: "/home/me/rag-stack-backups/dev-work", neo4jVolume: "rag-stack-dev-neo4j-data", backupHost: "rag-stack-dev", tag: "rag-stack-neo4j" });
        expect(localBackupTarget(settings, "h", "c", "v").repository).toBe(path.join(os.homedir(), "rag-stack-backups", "dev"));
        expect(readBackupTarget(JSON.parse(JSON.stringify({ backup: local })), "dev")).toEqual(local);
    });

    test("refused: no output (deployed before), an unknown kind, a value a shell would interpret", () => {
        expect(() => readBackupTarget({}, "prod")).toThrow("stack prod has no backup output: it was last deployed before the backup commands existed; run npm run up:prod");
        expect(() => readBackupTarget({ backup: { where: "s3" } }, "dev")).toThrow('backup.where is "s3": expected local, droplet or none');
        expect(() => readBackupTarget({ backup: { ...local, neo4jContainer: "x; rm -rf /" } }, "dev")).toThrow("backup.neo4jContainer (the Neo4j container)");
        expect(readBackupTarget({ backup: { where: "none", reason: "not built" } }, "scale")).toEqual({ where: "none", reason: "not built" });
    });
});

interface Recorded { pulumi: string[][]; processes: { command: string; args: string[]; env: NodeJS.ProcessEnv; stdin?: string; credentials?: string }[]; said: string[] }

function fakes(outputs: unknown, answers: { password?: string; stdout?: (args: string[]) => string; code?: (args: string[]) => number; pulumiCode?: (args: string[]) => number } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-cli-"));
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify(outputs));
    const rec: Recorded = { pulumi: [], processes: [], said: [] };
    const deps: BackupDeps = {
        pulumi: {
            run: async (args) => {
                rec.pulumi.push(args);
                if (args[0] === "config" && args[1] === "get") {
                    return answers.password === undefined
                        ? { code: 1, stdout: "", stderr: "error: configuration key 'rag-stack:backupPassword' not found for stack 'dev'" }
                        : { code: 0, stdout: `${answers.password}\n`, stderr: "" };
                }
                return { code: answers.pulumiCode?.(args) ?? 0, stdout: "", stderr: "" };
            },
        },
        processes: {
            run: async (command, args, opts) => {
                const credentials = opts.env.BACKUP_CREDENTIALS_FILE;
                const seen = credentials && command === "sh" ? fs.readFileSync(credentials, "utf8") : undefined;
                if (credentials && command === "sh") expect(fs.statSync(credentials).mode & 0o777).toBe(0o600);
                rec.processes.push({ command, args, env: opts.env, stdin: opts.stdin, credentials: seen });
                return { code: answers.code?.(args) ?? 0, stdout: answers.stdout?.(args) ?? "" };
            },
        },
        say: (line) => rec.said.push(line),
        env: { PATH: "/usr/bin:/bin" },
        now: () => new Date("2026-12-04T20:15:09.123Z"),
        scriptsDir: "/scripts",
    };
    return { file, dir, rec, deps };
}

const restoredLine = (args: string[]) => {
    return args.some((a) => a.endsWith("neo4j-restore.sh")) ? "rag-stack-neo4j-restore: restored\n@restore snapshot=abc123 target=x seconds=4.2\n" : "";
};

describe("dev", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-dev-"));
    const local = localBackupTarget({ ...settings, repository: path.join(tmp, "repo") }, "rag-stack-dev", "rag-stack-dev-neo4j", "rag-stack-dev-neo4j-data");
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    test("backup: neo4j-backup.sh here with the target's settings and the password in a 0600 file that is gone afterwards", async () => {
        const f = fakes({ backup: local }, { password: "a-long-password-1234" });
        expect(await runBackupCommand({ action: "backup", stack: "dev", snapshot: "latest", noSwitch: false, list: false, outputsFile: f.file }, f.deps)).toBe(0);
        expect(f.rec.processes).toHaveLength(1);
        const p = f.rec.processes[0];
        expect(p.args).toEqual(["/scripts/neo4j-backup.sh"]);
        expect(p.env).toMatchObject({ NEO4J_CONTAINER: "rag-stack-dev-neo4j", NEO4J_DATA: "rag-stack-dev-neo4j-data", RESTIC_REPOSITORY: local.repository,
            BACKUP_STATUS_DIR: local.statusDir, BACKUP_WORK_DIR: local.workDir, BACKUP_HOST: "rag-stack-dev", BACKUP_REASON: "manual",
            BACKUP_KEEP_WITHIN: "2d", BACKUP_KEEP_DAILY: "7", BACKUP_KEEP_WEEKLY: "4", BACKUP_KEEP_MONTHLY: "6", PATH: "/usr/bin:/bin" });
        expect(p.credentials).toBe("RESTIC_PASSWORD=a-long-password-1234\n");
        expect(fs.existsSync(p.env.BACKUP_CREDENTIALS_FILE as string)).toBe(false);
        expect(JSON.stringify(f.rec.said)).not.toContain("a-long-password-1234");
        expect(fs.statSync(local.statusDir).isDirectory()).toBe(true);
    });

    test("no password, a short one: refused before anything runs", async () => {
        const none = fakes({ backup: local });
        expect(await runBackupCommand({ action: "backup", stack: "dev", snapshot: "latest", noSwitch: false, list: false, outputsFile: none.file }, none.deps)).toBe(1);
        expect(none.rec.processes).toEqual([]);
        expect(none.rec.said.join("\n")).toContain('pulumi config set --stack dev --secret backupPassword "$(openssl rand -base64 24)"');
        const short = fakes({ backup: local }, { password: "short" });
        expect(await runBackupCommand({ action: "restore", stack: "dev", snapshot: "latest", noSwitch: false, list: false, outputsFile: short.file }, short.deps)).toBe(1);
        expect(short.rec.processes).toEqual([]);
        expect(short.rec.said[0]).toContain("backupPassword has 5 characters; the repository needs at least 16");
    });

    test("restore: a new dated volume, then config set services.neo4j.volumeName and up, in that order; a failed restore switches nothing", async () => {
        const f = fakes({ backup: local }, { password: "a-long-password-1234", stdout: restoredLine });
        expect(await runBackupCommand({ action: "restore", stack: "dev", snapshot: "0a1b2c3d", noSwitch: false, list: false, outputsFile: f.file }, f.deps)).toBe(0);
        expect(stamp(new Date("2026-12-04T20:15:09.123Z"))).toBe("20261204-201509");
        expect(f.rec.processes[0].env).toMatchObject({ RESTORE_TARGET: "rag-stack-dev-neo4j-data-restored-20261204-201509", RESTORE_SNAPSHOT: "0a1b2c3d" });
        expect(f.rec.pulumi.slice(1)).toEqual([
            ["config", "set", "--path", "services.neo4j.volumeName", "rag-stack-dev-neo4j-data-restored-20261204-201509", "--stack", "dev"],
            ["up", "--yes", "--stack", "dev"],
        ]);
        expect(f.rec.said.join("\n")).toContain("to go back: pulumi config set --stack dev --path services.neo4j.volumeName rag-stack-dev-neo4j-data &&");

        // A stack already on a restored volume restores into a new one named from the original, not -restored-…-restored-….
        const again = fakes({ backup: { ...local, neo4jVolume: "rag-stack-dev-neo4j-data-restored-20261201-101010" } }, { password: "a-long-password-1234", stdout: restoredLine });
        await runBackupCommand({ action: "restore", stack: "dev", snapshot: "latest", noSwitch: true, list: false, outputsFile: again.file }, again.deps);
        expect(again.rec.processes[0].env.RESTORE_TARGET).toBe("rag-stack-dev-neo4j-data-restored-20261204-201509");
        expect(again.rec.pulumi.map((a) => a[0])).toEqual(["config"]);

        const failed = fakes({ backup: local }, { password: "a-long-password-1234", code: () => 1 });
        expect(await runBackupCommand({ action: "restore", stack: "dev", snapshot: "latest", noSwitch: false, list: false, outputsFile: failed.file }, failed.deps)).toBe(1);
        expect(failed.rec.pulumi.map((a) => a.slice(0, 2).join(" "))).toEqual(["config get"]);
    });

    test("restore: up fails: said, with the way back", async () => {
        const f = fakes({ backup: local }, { password: "a-long-password-1234", stdout: restoredLine, pulumiCode: (a) => (a[0] === "up" ? 255 : 0) });
        expect(await runBackupCommand({ action: "restore", stack: "dev", snapshot: "latest", noSwitch: false, list: false, outputsFile: f.file }, f.deps)).toBe(1);
        expect(f.rec.said.at(-1)).toContain("pulumi up failed (exit 255); the stack file names rag-stack-dev-neo4j-data-restored-20261204-201509");
        expect(f.rec.said.at(-1)).toContain("or go back: pulumi config set --stack dev --path services.neo4j.volumeName rag-stack-dev-neo4j-data");
    });
});

describe("prod", () => {
    const ssh = { target: "root@203.0.113.7", options: ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"] };
    const droplet = dropletBackupTarget(settings, "rag-stack-prod", {
        repository: "s3:https://ams3.digitaloceanspaces.com/rag-stack-prod-backups-1a2b", bucket: "rag-stack-prod-backups-1a2b", ssh,
        neo4jContainer: "rag-stack-prod-neo4j", neo4jStoreDir: "/mnt/rag-stack-neo4j/data", statusDir: "/mnt/rag-stack-neo4j/backup-status",
        workDir: "/mnt/rag-stack-neo4j/backup-work", credentialsFile: "/etc/rag-stack/backup.env",
    });

    test("backup: ssh with the pinned options runs the installed script through the unit's settings; no password read here", async () => {
        const f = fakes({ backup: droplet });
        expect(await runBackupCommand({ action: "backup", stack: "prod", snapshot: "latest", noSwitch: false, list: false, outputsFile: f.file }, f.deps)).toBe(0);
        expect(f.rec.pulumi).toEqual([]);
        const p = f.rec.processes[0];
        expect(p.command).toBe("ssh");
        expect(p.args).toEqual([...ssh.options, "root@203.0.113.7", "/usr/local/lib/rag-stack/backup/neo4j-with-unit-env.sh", "neo4j-backup.sh", "BACKUP_REASON=manual"]);
        expect(p.stdin).toBeUndefined();
        // A droplet installed before the runner existed: the remote shell's 127, said as what to do.
        const old = fakes({ backup: droplet }, { code: () => 127 });
        expect(await runBackupCommand({ action: "backup", stack: "prod", snapshot: "latest", noSwitch: false, list: false, outputsFile: old.file }, old.deps)).toBe(1);
        expect(old.rec.said).toContain("/usr/local/lib/rag-stack/backup/neo4j-with-unit-env.sh is not on root@203.0.113.7: its backup scripts predate this command; run up (it installs them again), then this again");
    });

    test("restore: into a dated directory beside the store, then the switch by renames; --no-switch stops after the restore", async () => {
        const f = fakes({ backup: droplet }, { stdout: restoredLine });
        expect(await runBackupCommand({ action: "restore", stack: "prod", snapshot: "latest", noSwitch: false, list: false, outputsFile: f.file }, f.deps)).toBe(0);
        expect(f.rec.processes.map((p) => p.args.slice(ssh.options.length + 2))).toEqual([
            ["neo4j-restore.sh", "RESTORE_TARGET=/mnt/rag-stack-neo4j/data-restored-20261204-201509", "RESTORE_SNAPSHOT=latest"],
            ["neo4j-switch-store.sh", "NEO4J_CONTAINER=rag-stack-prod-neo4j", "STORE_DIR=/mnt/rag-stack-neo4j/data",
                "RESTORED_DIR=/mnt/rag-stack-neo4j/data-restored-20261204-201509", "ASIDE_DIR=/mnt/rag-stack-neo4j/data-before-restore-20261204-201509"],
        ]);
        const only = fakes({ backup: droplet }, { stdout: restoredLine });
        expect(await runBackupCommand({ action: "restore", stack: "prod", snapshot: "latest", noSwitch: true, list: false, outputsFile: only.file }, only.deps)).toBe(0);
        expect(only.rec.processes).toHaveLength(1);
        expect(only.rec.said.at(-1)).toContain("/usr/local/lib/rag-stack/backup/neo4j-switch-store.sh");
    });

    test("parked: nothing runs; a stack without backups: exit 2 with its reason", async () => {
        const { ssh: _ssh, ...parked } = droplet;
        const f = fakes({ backup: parked });
        expect(await runBackupCommand({ action: "restore-drill", stack: "prod", snapshot: "latest", noSwitch: false, list: false, outputsFile: f.file }, f.deps)).toBe(1);
        expect(f.rec.processes).toEqual([]);
        expect(f.rec.said[0]).toContain("is parked: nothing runs the scripts; the snapshots are safe in the bucket rag-stack-prod-backups-1a2b (ams3)");
        const none = fakes({ backup: { where: "none", reason: "backup.enabled is false" } });
        expect(await runBackupCommand({ action: "backup", stack: "prod", snapshot: "latest", noSwitch: false, list: false, outputsFile: none.file }, none.deps)).toBe(2);
        expect(none.rec.said[0]).toBe("backup: stack prod has no backups: backup.enabled is false; nothing was done");
    });
});

test("lastMarker reads the @ line a script ends with", () => {
    expect(lastMarker("x\n@restore snapshot=ab target=/d seconds=1.5\n", "restore")).toEqual({ snapshot: "ab", target: "/d", seconds: "1.5" });
    expect(lastMarker("@restored x=1\n", "restore")).toBeUndefined();
});
