/**
 * The shell the backup commands run on the droplet, as real processes: neo4j-with-unit-env.sh (what
 * `npm run backup/restore/restore-drill` call over SSH, and the pre-upgrade step) with a stand-in
 * systemctl, installed beside stand-in scripts as the installer puts it beside the real ones; and
 * the refusals of neo4j-switch-store.sh that come before anything is stopped. The full switch runs
 * against the real engine in tests/e2e/backup-commands.test.ts; shellcheck and the headers of both:
 * tests/scripts/backup-units.test.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_SCRIPTS_DIR } from "../../components/backup/scripts";
let tmp: string;
let stubs: string;
let scripts: string;

beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-backup-cli-sh-"));
    stubs = path.join(tmp, "bin");
    scripts = path.join(tmp, "scripts");
    fs.mkdirSync(stubs);
    fs.mkdirSync(scripts);
    // The unit's Environment= values as `systemctl show -p Environment --value` prints them: one line, space-separated.
    fs.writeFileSync(path.join(stubs, "systemctl"), [
        "#!/bin/sh",
        'echo "$*" >> "$SYSTEMCTL_LOG"',
        '[ "$1 $2 $3 $4" = "show -p Environment --value" ] || exit 1',
        '[ "$5" != odd.service ] || { echo \'NEO4J_CONTAINER=x "A=b c"\'; exit 0; }',
        '[ "$5" = rag-stack-neo4j-backup.service ] || { echo ""; exit 0; }',
        "echo 'NEO4J_CONTAINER=rag-stack-prod-neo4j RESTIC_REPOSITORY=s3:https://ams3.digitaloceanspaces.com/b BACKUP_REASON=timer BACKUP_CREDENTIALS_FILE=/etc/rag-stack/backup.env'",
        "",
    ].join("\n"), { mode: 0o755 });
    fs.writeFileSync(path.join(scripts, "neo4j-backup.sh"), "#!/bin/sh\nenv | grep -E '^(NEO4J_|RESTIC_|BACKUP_)' | sort\nexit 7\n", { mode: 0o755 });
    fs.copyFileSync(path.join(BACKUP_SCRIPTS_DIR, "neo4j-with-unit-env.sh"), path.join(scripts, "neo4j-with-unit-env.sh"));
    fs.chmodSync(path.join(scripts, "neo4j-with-unit-env.sh"), 0o755);
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** As ssh runs it: the installed runner by its path, with the script and assignments as arguments. */
function remote(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(path.join(scripts, "neo4j-with-unit-env.sh"), args, {
        encoding: "utf8", timeout: 10_000,
        env: { PATH: `${stubs}:/usr/bin:/bin`, SYSTEMCTL_LOG: path.join(tmp, "systemctl.log"), ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("neo4j-with-unit-env.sh (installed beside the scripts it runs)", () => {
    test("runs the installed script with the unit's settings, the given assignments winning, and its exit code", () => {
        const r = remote(["neo4j-backup.sh", "BACKUP_REASON=manual"]);
        expect(r.status).toBe(7);
        expect(r.stdout.trim().split("\n")).toEqual([
            "BACKUP_CREDENTIALS_FILE=/etc/rag-stack/backup.env", "BACKUP_REASON=manual",
            "NEO4J_CONTAINER=rag-stack-prod-neo4j", "RESTIC_REPOSITORY=s3:https://ams3.digitaloceanspaces.com/b",
        ]);
    });

    test("refused before anything runs: a script not installed, a unit not installed, an assignment a shell would interpret", () => {
        const missing = remote(["neo4j-snapshots.sh"]);
        expect(missing.status).toBe(2);
        expect(missing.stderr).toContain(`${scripts}/neo4j-snapshots.sh is not installed on`);
        expect(missing.stderr).toContain("the backup-install step of up installs it (run up again)");
        const noUnit = remote(["neo4j-backup.sh"], { BACKUP_UNIT: "other.service" });
        expect(noUnit.status).toBe(2);
        expect(noUnit.stderr).toContain("the unit other.service is not installed");
        // A unit environment that is not one NAME=value per word (systemd quotes a value with a space): refused, not guessed.
        const odd = remote(["neo4j-backup.sh"], { BACKUP_UNIT: "odd.service" });
        expect(odd.status).toBe(2);
        expect(odd.stderr).toContain("odd.service's environment holds '\"A=b', not NAME=value: refusing to guess");
        for (const bad of ["RESTORE_TARGET=$(reboot)", "RESTORE_TARGET=a b", "lower=x", "../x.sh"]) {
            const args = bad.endsWith(".sh") ? [bad] : ["neo4j-backup.sh", bad];
            const r = remote(args);
            expect(r.status).toBe(2);
            expect(r.stdout).toBe("");
        }
    });

});

describe("neo4j-switch-store.sh refuses before stopping anything", () => {
    const run = (env: Record<string, string>) => {
        const r = spawnSync("sh", [path.join(BACKUP_SCRIPTS_DIR, "neo4j-switch-store.sh")], {
            encoding: "utf8", timeout: 10_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NEO4J_CONTAINER: "rag-stack-prod-neo4j", ...env },
        });
        return { status: r.status, stderr: r.stderr, stdout: r.stdout };
    };

    test("each check names what is wrong", () => {
        const root = fs.mkdtempSync(path.join(tmp, "switch-"));
        const store = path.join(root, "data");
        const restored = path.join(root, "data-restored");
        fs.mkdirSync(store);
        const base = { STORE_DIR: store, RESTORED_DIR: restored, ASIDE_DIR: path.join(root, "data-before") };
        expect(run({ ...base, STORE_DIR: "data" }).stderr).toContain("STORE_DIR must be an absolute directory (got 'data')");
        expect(run({ ...base, ASIDE_DIR: `${root}/../x` }).stderr).toContain("is not a plain absolute directory");
        expect(run(base).stderr).toContain(`the restored store ${restored} is not a directory`);
        fs.mkdirSync(restored);
        expect(run(base).stderr).toContain(`the restored store ${restored} is empty`);
        fs.writeFileSync(path.join(restored, "x"), "");
        expect(run(base).stderr).toContain(`${restored} has no databases/ directory: it is not a Neo4j store`);
        fs.mkdirSync(path.join(restored, "databases"));
        fs.mkdirSync(base.ASIDE_DIR);
        const exists = run(base);
        expect(exists.status).toBe(2);
        expect(exists.stderr).toContain(`${base.ASIDE_DIR} already exists`);
        for (const r of [run({ ...base, NEO4J_CONTAINER: "-x" }), run({ ...base, NEO4J_STOP_TIMEOUT: "1m" })]) expect(r.status).toBe(2);
        // Nothing moved.
        expect(fs.readdirSync(root).sort()).toEqual(["data", "data-before", "data-restored"]);
    });
});
