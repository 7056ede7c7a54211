/**
 * The backup before a new Neo4j image (components/backup/scripts/neo4j-pre-upgrade-backup.sh) as a
 * real process, fed on stdin to `sh -s` with the command line the program renders, as the droplet
 * runs it, against stand-ins on PATH: `docker` (a container that is there or not, the image it runs,
 * the image ids), `systemctl` (the unit's environment as `systemctl show -p Environment --value`
 * prints it) and the installed backup script (records its environment, exits as told), run through
 * the real neo4j-with-unit-env.sh installed beside it, as on the droplet.
 * Its shellcheck and header: tests/scripts/backup-units.test.ts (every script in the directory).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PRE_UPGRADE_SCRIPT } from "../../components/backup/pre-upgrade";
import { BACKUP_SCRIPTS_DIR } from "../../components/backup/scripts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-pre-upgrade-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bin = path.join(tmp, "bin");
const ranFile = path.join(tmp, "backup-env");
const installed = path.join(tmp, "installed");
const backupScript = path.join(installed, "neo4j-backup.sh");
const runner = path.join(installed, "neo4j-with-unit-env.sh");
fs.mkdirSync(bin);
fs.mkdirSync(installed);
fs.copyFileSync(path.join(BACKUP_SCRIPTS_DIR, "neo4j-with-unit-env.sh"), runner);
fs.chmodSync(runner, 0o755);
const stub = (file: string, text: string) => fs.writeFileSync(file, `#!/bin/sh\n${text}`, { mode: 0o755 });

// docker inspect --type container --format '{{.Image}}' | '{{.State.Running}}' <name>; docker image inspect --format '{{.Id}}' <ref>
stub(path.join(bin, "docker"), `
case "$1 $2" in
    "inspect --type")
        if [ -z "\${STUB_RUNNING_IMAGE:-}" ]; then echo "Error: No such object: $6" >&2; exit 1; fi
        case $5 in *State.Running*) echo "\${STUB_RUNNING:-true}" ;; *) echo "$STUB_RUNNING_IMAGE" ;; esac ;;
    "image inspect")
        case $5 in neo4j:*) echo "sha256:id-of-$5" ;; sha256:*) echo "$5" ;; *) echo "Error: No such image: $5" >&2; exit 1 ;; esac ;;
    *) echo "unexpected docker $*" >&2; exit 99 ;;
esac
`);
// What systemd prints for the installed unit: the space-separated assignments, BACKUP_REASON=timer among them.
const UNIT_ENV = "NEO4J_CONTAINER=rag-stack-prod-neo4j NEO4J_DATA=rag-stack-prod-neo4j-data BACKUP_WORK_DIR=/mnt/rag-stack-neo4j/backup-work " +
    "RESTIC_REPOSITORY=s3:https://nyc3.digitaloceanspaces.com/rag-stack-prod-backups-a1b2c3d BACKUP_REASON=timer BACKUP_UPLOAD_TIMEOUT=21000";
stub(path.join(bin, "systemctl"), `
[ "$*" = "show -p Environment --value rag-stack-neo4j-backup.service" ] || { echo "unexpected systemctl $*" >&2; exit 99; }
printf '%s\\n' "\${STUB_UNIT_ENV-${UNIT_ENV}}"
`);
stub(backupScript, `env > "${ranFile}"\necho "rag-stack-neo4j-backup: (stand-in) backing up"\nexit "\${STUB_BACKUP_RC:-0}"\n`);

/** Runs the script as `up` does: the rendered assignments in front of `sh -s`, the script on stdin. */
function run(env: Record<string, string>, newImage = "sha256:new") {
    const res = spawnSync("sh", ["-c", `NEO4J_NEW_IMAGE='${newImage}' NEO4J_CONTAINER='rag-stack-prod-neo4j' BACKUP_RUNNER='${runner}' ` +
        "BACKUP_OPT_OUT='rag-stack:backup.beforeNeo4jUpgrade' sh -s"], {
        input: fs.readFileSync(PRE_UPGRADE_SCRIPT, "utf8"),
        env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
        encoding: "utf8",
    });
    return { code: res.status, out: res.stdout, err: res.stderr };
}
const backupEnv = () => Object.fromEntries(fs.readFileSync(ranFile, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
beforeEach(() => fs.rmSync(ranFile, { force: true }));

test("no Neo4j container yet (the first start, a new droplet): nothing to back up, exit 0, the backup not run", () => {
    const r = run({});
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toContain("no Neo4j container yet: nothing to back up before the first start");
    expect(fs.existsSync(ranFile)).toBe(false);
});

test("the container already runs the new image (by id, or by a reference that resolves to it): exit 0, the backup not run", () => {
    expect(run({ STUB_RUNNING_IMAGE: "sha256:new" })).toMatchObject({ code: 0, out: expect.stringContaining("already runs sha256:new") });
    expect(run({ STUB_RUNNING_IMAGE: "sha256:id-of-neo4j:5.26.2-community" }, "neo4j:5.26.2-community").code).toBe(0);
    expect(fs.existsSync(ranFile)).toBe(false);
});

test("another image: the installed backup runs with the unit's environment and BACKUP_REASON=pre-upgrade, exit 0", () => {
    const r = run({ STUB_RUNNING_IMAGE: "sha256:old" });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("rag-stack-prod-neo4j runs sha256:old; the new image is sha256:new: backing the graph up before it starts");
    expect(r.out).toContain("(stand-in) backing up");
    expect(r.out).toContain("backed up: the new image may start");
    expect(backupEnv()).toMatchObject({
        BACKUP_REASON: "pre-upgrade",
        NEO4J_CONTAINER: "rag-stack-prod-neo4j",
        NEO4J_DATA: "rag-stack-prod-neo4j-data",
        BACKUP_WORK_DIR: "/mnt/rag-stack-neo4j/backup-work",
        RESTIC_REPOSITORY: "s3:https://nyc3.digitaloceanspaces.com/rag-stack-prod-backups-a1b2c3d",
        BACKUP_UPLOAD_TIMEOUT: "21000",
    });
});

test("a good backup whose housekeeping failed (exit 4 retention, 5 Neo4j slow after the restart) lets the upgrade go on", () => {
    for (const rc of ["4", "5"]) {
        const r = run({ STUB_RUNNING_IMAGE: "sha256:old", STUB_BACKUP_RC: rc });
        expect([rc, r.code]).toEqual([rc, 0]);
        expect(r.out).toContain("the backup is good");
    }
});

test("the backup fails: non-zero, the upgrade stopped before the new image, the old image still running, what to do", () => {
    const r = run({ STUB_RUNNING_IMAGE: "sha256:old", STUB_BACKUP_RC: "1" });
    expect(r.code).toBe(1);
    expect(r.err).toContain("the backup before the upgrade failed (exit 1, see the lines above), so the upgrade was stopped before the new image started; " +
        "rag-stack-prod-neo4j still runs the old image sha256:old. Fix what the backup says and run up again; or, to upgrade without a backup, " +
        "set rag-stack:backup.beforeNeo4jUpgrade false (pulumi config set --path backup.beforeNeo4jUpgrade false) and run up again.");
    // Neo4j not started again (the backup's exit 6): the sentence says so, and how to start it.
    const stopped = run({ STUB_RUNNING_IMAGE: "sha256:old", STUB_BACKUP_RC: "6", STUB_RUNNING: "false" });
    expect(stopped.code).toBe(1);
    expect(stopped.err).toContain("rag-stack-prod-neo4j (the old image sha256:old) is not running: docker start rag-stack-prod-neo4j");
});

test("the job not installed (no unit environment, no script) or a unit environment it cannot split: exit 2, nothing run", () => {
    const noUnit = run({ STUB_RUNNING_IMAGE: "sha256:old", STUB_UNIT_ENV: "" });
    expect(noUnit.code).toBe(2);
    expect(noUnit.err).toContain("the unit rag-stack-neo4j-backup.service is not installed on");
    expect(noUnit.err).toContain("the backup could not start (see the line above");
    const odd = run({ STUB_RUNNING_IMAGE: "sha256:old", STUB_UNIT_ENV: 'NEO4J_CONTAINER=x "A=b c"' });
    expect(odd.code).toBe(2);
    expect(odd.err).toContain("not NAME=value");
    expect(fs.existsSync(ranFile)).toBe(false);
    fs.chmodSync(backupScript, 0o644);
    try {
        const noScript = run({ STUB_RUNNING_IMAGE: "sha256:old" });
        expect(noScript.code).toBe(2);
        expect(noScript.err).toContain(`${backupScript} is not installed on`);
        expect(noScript.err).toContain("nothing was stopped, and the upgrade was stopped before the new image started");
    } finally {
        fs.chmodSync(backupScript, 0o755);
    }
});
