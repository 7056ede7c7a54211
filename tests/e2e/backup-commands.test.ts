/**
 * `npm run backup`, `restore` and `restore-drill` as a user runs them (tools/backup.ts, a real
 * process), against the real scripts, real restic and the real Docker engine with the stand-in
 * Neo4j (tests/fixtures/neo4j-standin). The Pulumi CLI cannot run here: a stand-in at
 * RAG_STACK_PULUMI (through tools/pulumi.sh, as users run it) answers `config get backupPassword`
 * and records `config set` and `up`; the stack outputs come from `--outputs`, built with the
 * program's own components/backup/target.ts.
 *
 *   dev   a local restic repository: backup, --list, restore into a new volume (the current one
 *         untouched; the restored store equals the store at backup time), the switch asked of
 *         Pulumi (services.neo4j.volumeName, then up), a drill; no password refused.
 *   prod  over real SSH (OpenSSH's sshd on loopback, the host key pinned as the stack pins it) to a
 *         "droplet" whose unit settings are the rendered unit's (a stand-in systemctl prints them),
 *         the repository a real S3-compatible server over TLS: backup, restore into a new directory
 *         beside the store, the switch by two renames (the Docker volume binds the directory, as on
 *         the droplet), Neo4j healthy on the restored graph, the old store kept.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { localBackupTarget, dropletBackupTarget } from "../../components/backup/target";
import { renderBackupService } from "../../components/backup/scripts";
import { dockerSshOptions } from "../../components/hosts/ssh-access";
import { BackupRig, BUCKET, PASSWORD, SCRIPTS } from "./support/backup-rig";
import { docker, E2E_LABEL, RUN_ID } from "./support/docker-cli";

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "..", "..");
const rig = new BackupRig();
const settings = {
    enabled: true, disabledOnPurpose: false, hourUtc: 3, bucketRegion: "ams3", allowSameRegion: false,
    keepWithin: "2d", keepDaily: 7, keepWeekly: 4, keepMonthly: 6, maxAgeHours: 26, repository: "",
};
/** dev's backupPassword (16 characters at least, as the command demands). */
const DEV_PASSWORD = "e2e-dev-backup-password";
let fakePulumi = "";
let pulumiLog = "";

interface CliResult { code: number | null; out: string }

function cli(action: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
        const child = spawn("node", ["-r", "./tools/ts-cached-register.js", "tools/backup.ts", action, ...args], {
            cwd: ROOT,
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: rig.tmp, TZ: "UTC", RAG_STACK_PULUMI: fakePulumi, FAKE_PULUMI_LOG: pulumiLog,
                FAKE_PASSWORD: DEV_PASSWORD, RESTIC_CACHE_DIR: path.join(rig.tmp, "restic-cache-cli"), ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
        child.stderr.on("data", (d: Buffer) => { out += d.toString(); });
        const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
        child.on("close", (code) => { clearTimeout(timer); resolve({ code, out }); });
    });
}

/** The exit code, or (when it is another) everything the command printed, so a failure says why. */
function expectExit(r: CliResult, code: number): void {
    expect(r.code === code ? code : `exit ${r.code}:\n${r.out}`).toBe(code);
}

/** The store as the backup will dump it: Neo4j stopped cleanly (its checkpoint written), nothing written after it starts again. */
async function cleanStore(neo4j: string, volume: string): Promise<string> {
    docker(["stop", "--time", "60", neo4j]);
    const sums = rig.storeChecksums(volume);
    docker(["start", neo4j]);
    await rig.waitAnswering(neo4j);
    return sums;
}

function writeOutputs(name: string, backup: unknown): string {
    const file = path.join(rig.tmp, `${name}-outputs.json`);
    fs.writeFileSync(file, JSON.stringify({ backup }));
    return file;
}

beforeAll(async () => {
    await rig.setup();
    pulumiLog = path.join(rig.tmp, "pulumi.log");
    fakePulumi = path.join(rig.tmp, "pulumi");
    fs.writeFileSync(fakePulumi, [
        "#!/bin/sh",
        "# Stand-in Pulumi CLI: records every call; config get backupPassword prints FAKE_PASSWORD (or is not found).",
        'echo "$*" >> "$FAKE_PULUMI_LOG"',
        'case "$1 $2" in',
        '  "version "*) echo v3.300.0 ;;',
        '  "config get") if [ -n "${FAKE_PASSWORD:-}" ]; then printf "%s\\n" "$FAKE_PASSWORD"; else echo "error: configuration key \'rag-stack:backupPassword\' not found for stack \'dev\'" >&2; exit 1; fi ;;',
        '  "config set" | "up --yes") ;;',
        '  *) echo "stand-in pulumi: unexpected $*" >&2; exit 9 ;;',
        "esac",
        "",
    ].join("\n"), { mode: 0o755 });
});

afterAll(async () => {
    const problems = await rig.teardown();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
});

describe("dev: a local repository", () => {
    let neo4j = "";
    let volume = "";
    let outputs = "";
    let atBackup = "";

    beforeAll(async () => {
        volume = rig.volume("cmd-dev-data");
        neo4j = await rig.startNeo4j("cmd-dev-neo4j", volume);
        rig.grow(neo4j, 300, 200, 2048);
        const target = localBackupTarget({ ...settings, repository: path.join(rig.tmp, "dev-repo") }, `e2e-dev-${RUN_ID}`, neo4j, volume);
        outputs = writeOutputs("dev", target);
    });

    test("no backupPassword: refused with the command that sets one, Neo4j untouched", async () => {
        const startedAt = rig.state(neo4j).startedAt;
        const r = await cli("backup", ["--stack", "dev", "--outputs", outputs], { FAKE_PASSWORD: "" });
        expectExit(r, 1);
        expect(r.out).toContain("stack dev has no backupPassword");
        expect(r.out).toContain('pulumi config set --stack dev --secret backupPassword "$(openssl rand -base64 24)"');
        expect(rig.state(neo4j)).toEqual({ running: true, startedAt });
    });

    test("backup: a snapshot in the local repository, Neo4j running again, the status recorded, no password file left", async () => {
        atBackup = await cleanStore(neo4j, volume);
        const r = await cli("backup", ["--stack", "dev", "--outputs", outputs]);
        expectExit(r, 0);
        expect(r.out).toContain("backup: done");
        expect(rig.state(neo4j).running).toBe(true);
        const success = JSON.parse(fs.readFileSync(path.join(rig.tmp, "dev-repo-status", "last-success.json"), "utf8"));
        expect(success.result).toBe("success");
        expect(success.tags).toContain("reason:manual");
        expect(fs.readdirSync(rig.tmp).filter((f) => f.startsWith("rag-stack-backup-"))).toEqual([]);
        const list = await cli("backup", ["--stack", "dev", "--outputs", outputs, "--list"]);
        expectExit(list, 0);
        expect(list.out).toContain(success.snapshotShortId);
    });

    test("restore: into a new volume equal to the store at backup time, the current volume untouched, the switch asked of Pulumi", async () => {
        rig.grow(neo4j, 5, 3, 16);
        const current = rig.storeChecksums(volume);
        expect(current).not.toBe(atBackup);
        fs.writeFileSync(pulumiLog, "");
        const r = await cli("restore", ["--stack", "dev", "--outputs", outputs]);
        expectExit(r, 0);
        const restored = /into the new volume (\S+);/.exec(r.out)?.[1] as string;
        expect(restored).toMatch(new RegExp(`^${volume}-restored-\\d{8}-\\d{6}$`));
        try {
            expect(rig.storeChecksums(restored)).toBe(atBackup);
            expect(rig.storeChecksums(volume)).toBe(current);
            expect(fs.readFileSync(pulumiLog, "utf8").trim().split("\n").filter((l) => !l.startsWith("version"))).toEqual([
                "config get backupPassword --stack dev",
                `config set --path services.neo4j.volumeName ${restored} --stack dev`,
                "up --yes --stack dev",
            ]);
            expect(r.out).toContain(`to go back: pulumi config set --stack dev --path services.neo4j.volumeName ${volume}`);
        } finally {
            docker(["volume", "rm", "-f", restored]);
        }
    });

    test("restore --no-switch: restores and stops there; restore-drill: the counts recorded at backup time come back", async () => {
        fs.writeFileSync(pulumiLog, "");
        const r = await cli("restore", ["--stack", "dev", "--outputs", outputs, "--no-switch"]);
        expectExit(r, 0);
        const restored = /into the new volume (\S+);/.exec(r.out)?.[1] as string;
        docker(["volume", "rm", "-f", restored]);
        expect(fs.readFileSync(pulumiLog, "utf8")).not.toContain("config set");
        expect(r.out).toContain(`To switch:`);

        const drill = await cli("restore-drill", ["--stack", "dev", "--outputs", outputs]);
        expectExit(drill, 0);
        const status = JSON.parse(fs.readFileSync(path.join(rig.tmp, "dev-repo-status", "last-drill.json"), "utf8"));
        expect(status.result).toBe("success");
        expect(status.restored).toEqual({ nodes: 300, relationships: 200 });
    });

    test("a stack without backups, and a stack deployed before the output: exit 2, said", async () => {
        const none = await cli("backup", ["--stack", "scale", "--outputs", writeOutputs("none", { where: "none", reason: "backups of a Kubernetes cluster are not built" })]);
        expectExit(none, 2);
        expect(none.out).toContain("stack scale has no backups: backups of a Kubernetes cluster are not built");
        const old = path.join(rig.tmp, "old-outputs.json");
        fs.writeFileSync(old, "{}");
        const before = await cli("backup", ["--stack", "dev", "--outputs", old]);
        expectExit(before, 2);
        expect(before.out).toContain("was last deployed before the backup commands existed");
    });
});

/** OpenSSH's sshd on a loopback port of its own, root by key, the session's environment (PATH) as given. */
async function startLoopbackSshd(dir: string, setEnv: string[]): Promise<{ port: number; key: string; hostKey: { type: string; key: string }; stop: () => Promise<void> }> {
    const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const key = path.join(dir, "client");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host")]);
    fs.copyFileSync(`${key}.pub`, path.join(dir, "authorized_keys"));
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const config = path.join(dir, "sshd.conf");
    fs.writeFileSync(config, [`ListenAddress 127.0.0.1`, `Port ${port}`, `HostKey ${path.join(dir, "host")}`, `PidFile ${path.join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`, "StrictModes no", "UsePAM no", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password", "LogLevel ERROR", `SetEnv ${setEnv.join(" ")}`, ""].join("\n"));
    const log = fs.openSync(path.join(dir, "sshd.log"), "a");
    const server: ChildProcess = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    const [type, hostKeyText] = fs.readFileSync(path.join(dir, "host.pub"), "utf8").trim().split(" ");
    for (let waited = 0; waited < 10_000; waited += 200) {
        const up = await new Promise<boolean>((resolve) => {
            const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); resolve(true); });
            s.once("error", () => resolve(false));
        });
        if (up) break;
        await new Promise((r) => setTimeout(r, 200));
    }
    return {
        port, key, hostKey: { type, key: hostKeyText },
        stop: async () => {
            if (server.exitCode !== null || server.signalCode !== null) return;
            server.kill("SIGTERM");
            for (let waited = 0; waited < 5000 && server.exitCode === null && server.signalCode === null; waited += 100) await new Promise((r) => setTimeout(r, 100));
        },
    };
}

describe("prod: the droplet's scripts over SSH", () => {
    let sshd: Awaited<ReturnType<typeof startLoopbackSshd>> | undefined;
    let neo4j = "";
    let storeParent = "";
    let storeDir = "";
    let volume = "";
    let outputs = "";

    beforeAll(async () => {
        // The droplet's shape: the Neo4j block volume's directory, a Docker volume binding it, the container on that volume.
        storeParent = path.join(rig.tmp, "mnt-neo4j");
        storeDir = path.join(storeParent, "data");
        fs.mkdirSync(storeDir, { recursive: true });
        volume = `rag-stack-e2e-cmd-prod-data-${RUN_ID}`;
        docker(["volume", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, "--driver", "local", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${storeDir}`, volume]);
        neo4j = await rig.startNeo4j("cmd-prod-neo4j", volume);
        rig.grow(neo4j, 120, 80, 1024);

        // The installed unit's settings, as rendered for the droplet, printed by a stand-in systemctl.
        const credentials = rig.writeCredentials(PASSWORD, path.join(rig.tmp, "droplet-backup.env"));
        const statusDir = path.join(storeParent, "backup-status");
        const workDir = path.join(storeParent, "backup-work");
        const repository = `s3:https://127.0.0.1:${rig.s3.port}/${BUCKET}/prod-${RUN_ID}`;
        const unit = renderBackupService({ neo4jContainer: neo4j, neo4jData: volume, workDir, statusDir, repository, credentialsFile: credentials, backupHost: `e2e-prod-${RUN_ID}` });
        const unitEnv = unit.split("\n").filter((l) => l.startsWith("Environment=")).map((l) => l.slice("Environment=".length));
        const stubs = path.join(rig.tmp, "droplet-bin");
        fs.mkdirSync(stubs);
        fs.writeFileSync(path.join(stubs, "systemctl"), [
            "#!/bin/sh",
            '[ "$*" = "show -p Environment --value rag-stack-neo4j-backup.service" ] || { echo "stand-in systemctl: unexpected $*" >&2; exit 1; }',
            `echo '${[...unitEnv, `RESTIC_CACERT=${rig.s3.caCert}`, `RESTIC_CACHE_DIR=${path.join(rig.tmp, "droplet-cache")}`].join(" ")}'`, "",
        ].join("\n"), { mode: 0o755 });
        sshd = await startLoopbackSshd(fs.mkdtempSync(path.join(rig.tmp, "sshd-")), [
            `PATH=${stubs}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        ]);
        // The stack's options; on a port other than 22, ssh looks the key up as [address]:port.
        const options = [...dockerSshOptions({ method: "key-file", keyFile: sshd.key, description: "the test key" }, "127.0.0.1", sshd.hostKey), "-p", String(sshd.port)]
            .map((o) => o.replace("KnownHostsCommand=/bin/echo 127.0.0.1 ", `KnownHostsCommand=/bin/echo [127.0.0.1]:${sshd?.port} `));
        const target = dropletBackupTarget(settings, `e2e-prod-${RUN_ID}`, {
            repository, bucket: BUCKET, ssh: { target: "root@127.0.0.1", options }, neo4jContainer: neo4j, neo4jStoreDir: storeDir,
            statusDir, workDir, credentialsFile: credentials,
        });
        // The scripts "installed" where this checkout has them.
        outputs = writeOutputs("prod", { ...target, scriptsDir: SCRIPTS });
    });

    afterAll(async () => {
        await sshd?.stop();
    });

    test("backup over SSH with the unit's settings; restore into a new directory and switch by renames; the old store kept", async () => {
        const atBackup = await cleanStore(neo4j, volume);
        const backup = await cli("backup", ["--stack", "prod", "--outputs", outputs]);
        expect(backup.out).toContain("with the settings of rag-stack-neo4j-backup.service");
        expectExit(backup, 0);
        const success = JSON.parse(fs.readFileSync(path.join(storeParent, "backup-status", "last-success.json"), "utf8"));
        expect(success.tags).toContain("reason:manual");

        rig.grow(neo4j, 7, 3, 16);
        const changed = await cleanStore(neo4j, volume);
        const restore = await cli("restore", ["--stack", "prod", "--outputs", outputs]);
        expectExit(restore, 0);
        expect(restore.out).toContain("@switch store=");
        const aside = fs.readdirSync(storeParent).filter((f) => f.startsWith("data-before-restore-"));
        expect(aside).toHaveLength(1);
        expect(fs.readdirSync(storeParent).filter((f) => f.startsWith("data-restored-"))).toEqual([]);
        // Neo4j answers on the restored graph, through the same volume; the graph of before is whole beside it.
        await rig.waitAnswering(neo4j);
        expect(await cleanStore(neo4j, volume)).toBe(atBackup);
        expect(rig.counts(neo4j)).toEqual({ nodes: 120, relationships: 80 });
        const asideVolume = `rag-stack-e2e-cmd-prod-aside-${RUN_ID}`;
        docker(["volume", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, "--driver", "local", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${path.join(storeParent, aside[0])}`, asideVolume]);
        expect(rig.storeChecksums(asideVolume)).toBe(changed);
    });

    test("parked (no SSH in the output): said, nothing run", async () => {
        const parked = JSON.parse(fs.readFileSync(outputs, "utf8"));
        delete parked.backup.ssh;
        const r = await cli("backup", ["--stack", "prod", "--outputs", writeOutputs("parked", parked.backup)]);
        expectExit(r, 1);
        expect(r.out).toContain("is parked: nothing runs the scripts; the snapshots are safe in the bucket");
    });
});
