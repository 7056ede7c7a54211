/**
 * The droplet's backup installer (components/backup/install/install-backup.sh) as a real process,
 * fed exactly the stdin the stack's remote.Command sends (installStdin), under a scratch root with a
 * recording systemctl: the files land with their modes, the credentials 0600 and nowhere else, the
 * work directory 0700, the status directory 0755 (the health responder runs as nobody), the first
 * install's marker written once, the timer enabled; bad input refused before anything is written.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BackupInstall, INSTALL_SCRIPT, installStdin, installedFiles } from "../../components/backup/install";
import { BACKUP_TIMER } from "../../components/backup/scripts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-install-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const install: BackupInstall = {
    service: {
        neo4jContainer: "neo4j", neo4jData: "rag-stack-prod-neo4j-data", workDir: "/mnt/rag-stack-neo4j/backup-work",
        statusDir: "/mnt/rag-stack-neo4j/backup-status", repository: "s3:https://ams3.digitaloceanspaces.com/rag-stack-prod-backups-a1b2c3d",
        credentialsFile: "/etc/rag-stack/backup.env", backupHost: "rag-stack-prod",
    },
    timer: { hour: 3 },
    dirs: ["/mnt/rag-stack-neo4j/backup-work"],
    statusDir: "/mnt/rag-stack-neo4j/backup-status",
};
const credentials = { resticPassword: "correct-horse-battery-staple", accessKeyId: "DO00EXAMPLEKEY", secretAccessKey: "s3cr3t/Example+Key" };

function runInstaller(root: string, stdin: string) {
    const systemctl = path.join(root, "systemctl-calls");
    const stub = path.join(tmp, `systemctl-${path.basename(root)}`);
    fs.writeFileSync(stub, `#!/bin/sh\necho "$*" >> '${systemctl}'\n`, { mode: 0o755 });
    const r = spawnSync("sh", ["-s"], {
        input: stdin, encoding: "utf8", timeout: 30_000,
        env: { PATH: process.env.PATH, INSTALL_ROOT: root, BACKUP_SYSTEMCTL: stub, BACKUP_APT_GET: "/bin/false" },
    });
    const calls = fs.existsSync(systemctl) ? fs.readFileSync(systemctl, "utf8").trim().split("\n") : [];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}
const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

const hasRestic = spawnSync("sh", ["-c", "command -v restic"]).status === 0;
(hasRestic ? test : test.skip)("installs every file with its mode, the credentials 0600, the directories, the marker once, and enables the timer", () => {
    const root = fs.mkdtempSync(path.join(tmp, "root-"));
    const first = runInstaller(root, installStdin(install, credentials));
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    for (const f of installedFiles(install)) {
        expect(fs.readFileSync(path.join(root, f.name), "utf8")).toBe(f.text);
        expect(mode(path.join(root, f.name))).toBe(f.mode.replace(/^0/, ""));
    }
    const env = path.join(root, install.service.credentialsFile);
    expect(fs.readFileSync(env, "utf8")).toBe(`RESTIC_PASSWORD=${credentials.resticPassword}\nAWS_ACCESS_KEY_ID=${credentials.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}\n`);
    expect(mode(env)).toBe("600");
    expect(mode(path.join(root, install.dirs[0]))).toBe("700");
    const status = path.join(root, install.statusDir);
    expect(mode(status)).toBe("755");
    const marker = JSON.parse(fs.readFileSync(path.join(status, "installed.json"), "utf8")) as { installedEpoch: number };
    expect(Math.abs(marker.installedEpoch - Date.now() / 1000)).toBeLessThan(60);
    expect(mode(path.join(status, "installed.json"))).toBe("644");
    expect(first.calls).toEqual(["daemon-reload", `enable --now ${BACKUP_TIMER}`]);
    // No secret on stdout, and none in any file but the credentials file.
    expect(first.stdout).not.toContain(credentials.secretAccessKey);
    for (const f of installedFiles(install)) expect(f.text).not.toContain(credentials.secretAccessKey);

    // A reinstall (a new droplet on the same volume, a changed script) keeps the first marker.
    fs.writeFileSync(path.join(status, "installed.json"), "{\"installedEpoch\":1000,\"installedAt\":\"x\"}\n");
    const second = runInstaller(root, installStdin(install, credentials));
    expect(second.status).toBe(0);
    expect(fs.readFileSync(path.join(status, "installed.json"), "utf8")).toBe("{\"installedEpoch\":1000,\"installedAt\":\"x\"}\n");
});

test("refuses a relative status directory and missing credentials before writing anything", () => {
    const root = fs.mkdtempSync(path.join(tmp, "bad-"));
    const relative = runInstaller(root, installStdin({ ...install, statusDir: "backup-status" }, credentials));
    expect(relative.status).toBe(2);
    expect(relative.stderr).toContain("BACKUP_STATUS_DIR must be an absolute directory (got 'backup-status')");
    const noCreds = runInstaller(root, installStdin(install, credentials).replace(/^BACKUP_CREDENTIALS_B64=.*$/m, "BACKUP_CREDENTIALS_B64=''"));
    expect(noCreds.status).toBe(2);
    expect(noCreds.stderr).toContain("the credentials are missing");
    expect(fs.readdirSync(root).filter((f) => f !== "systemctl-calls")).toEqual([]);
});

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
(hasShellcheck ? test : test.skip)("the installer passes shellcheck (POSIX sh) and never stops a process by name", () => {
    const res = spawnSync("shellcheck", ["--shell=sh", "--format=gcc", INSTALL_SCRIPT], { encoding: "utf8" });
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(fs.readFileSync(INSTALL_SCRIPT, "utf8")).not.toMatch(/\b(pkill|killall)\b/);
});
