/**
 * The droplet's sshd drop-in (components/hosts/sshd/10-rag-stack.conf) and the prepare script's
 * `apply_sshd_settings`, taken from the rendered user-data. The drop-in is judged by the real
 * OpenSSH sshd (`sshd -t`, `sshd -T`) through an Include, as Ubuntu's sshd_config includes
 * sshd_config.d; the function runs as a real process with `sshd` pointed at a scratch
 * configuration and `systemctl` a recorder. Needs root and openssh-server (CI has both); /run/sshd,
 * which sshd requires even to test a configuration, is created for the test and removed after when
 * it was not there.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { renderCloudInit } from "../../components/hosts/cloud-init";
import { dropletCloudInitArgs } from "../../components/hosts/digitalocean";

const SSHD = "/usr/sbin/sshd";
const DROPIN_PATH = "/etc/ssh/sshd_config.d/10-rag-stack.conf";
const PREPARE = "/usr/local/sbin/rag-stack-prepare";
const canRun = process.getuid?.() === 0 && fs.existsSync(SSHD) && spawnSync("ssh-keygen", ["-?"]).error === undefined;
if (!canRun) console.warn("sshd settings tests skipped: they need root and openssh-server (/usr/sbin/sshd)");

const userData = parseYaml(renderCloudInit(dropletCloudInitArgs("rag-stack-prod", "rag-stack-prod-ollama"))) as
    { write_files: { path: string; content: string; permissions: string }[] };
const file = (p: string) => userData.write_files.find((f) => f.path === p);

/** `log` and `apply_sshd_settings` as the prepare script defines them. */
function applyFunction(): string {
    const lines = (file(PREPARE)?.content ?? "").split("\n");
    const log = lines.filter((l) => /^log\(\) \{/.test(l));
    const start = lines.findIndex((l) => l.startsWith("apply_sshd_settings() {"));
    const end = lines.findIndex((l, i) => i > start && l === "}");
    if (log.length !== 1 || start < 0 || end < 0) throw new Error("log or apply_sshd_settings not found in the prepare script");
    return [...log, ...lines.slice(start, end + 1)].join("\n");
}

let dir = "";
let createdRunDir = false;

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-sshd-"));
    if (!canRun) return;
    createdRunDir = !fs.existsSync("/run/sshd");
    fs.mkdirSync("/run/sshd", { recursive: true });
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host_key")]);
});

afterAll(() => {
    if (createdRunDir) fs.rmSync("/run/sshd", { recursive: true, force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A main sshd_config shaped like Ubuntu's: the drop-in directory first, its own MaxStartups commented out. */
function scratchConfig(dropin: string): string {
    const dropins = path.join(dir, "sshd_config.d");
    fs.rmSync(dropins, { recursive: true, force: true });
    fs.mkdirSync(dropins);
    fs.writeFileSync(path.join(dropins, "10-rag-stack.conf"), dropin);
    const config = path.join(dir, "sshd_config");
    fs.writeFileSync(config, `Include ${dropins}/*.conf\nHostKey ${path.join(dir, "host_key")}\n#MaxStartups 10:30:100\n`);
    return config;
}

test("cloud-init writes the drop-in, root-owned and world-readable, before runcmd applies it", () => {
    const written = file(DROPIN_PATH);
    expect(written?.content).toBe(fs.readFileSync(path.join(__dirname, "../../components/hosts/sshd/10-rag-stack.conf"), "utf8"));
    expect(written?.permissions).toBe("0644");
    expect(file(PREPARE)?.content).toContain(`apply_sshd_settings ${DROPIN_PATH}`);
});

(canRun ? test : test.skip)("the real sshd accepts the drop-in and takes its MaxStartups", () => {
    const config = scratchConfig(file(DROPIN_PATH)!.content);
    const checked = spawnSync(SSHD, ["-t", "-f", config], { encoding: "utf8" });
    expect(checked.stderr).toBe("");
    expect(checked.status).toBe(0);
    const effective = execFileSync(SSHD, ["-T", "-f", config], { encoding: "utf8" });
    expect(effective).toMatch(/^maxstartups 100:30:200$/m);
    // Without the drop-in, the same main file gives OpenSSH's default: the test can tell them apart.
    expect(execFileSync(SSHD, ["-T", "-f", scratchConfig("")], { encoding: "utf8" })).toMatch(/^maxstartups 10:30:100$/m);
});

interface Applied { status: number | null; stdout: string; stderr: string; systemctl: string[]; dropinKept: boolean }

/** Runs apply_sshd_settings on a scratch drop-in, `sshd` being the real one reading the scratch config. */
function apply(dropin: string, systemctlFails: string[] = []): Applied {
    const config = scratchConfig(dropin);
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, "sshd"), `#!/bin/sh\nexec ${SSHD} -f '${config}' "$@"\n`, { mode: 0o755 });
    const log = path.join(dir, "systemctl.log");
    fs.writeFileSync(log, "");
    fs.writeFileSync(path.join(bin, "systemctl"), [
        "#!/bin/sh",
        `echo "$*" >>'${log}'`,
        `case " ${systemctlFails.join(" ")} " in *" $2 "*) echo "Failed to reload $2: Unit $2 not found." >&2; exit 5 ;; esac`,
        "exit 0",
    ].join("\n") + "\n", { mode: 0o755 });
    const target = path.join(dir, "sshd_config.d", "10-rag-stack.conf");
    const r = spawnSync("sh", ["-c", `set -eu\n${applyFunction()}\napply_sshd_settings '${target}'\necho "exit $?"`], {
        encoding: "utf8", env: { PATH: `${bin}:${process.env.PATH}` }, timeout: 20_000,
    });
    return {
        status: r.status, stdout: r.stdout, stderr: r.stderr,
        systemctl: fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean),
        dropinKept: fs.existsSync(target),
    };
}

(canRun ? test : test.skip)("a configuration sshd accepts is kept and sshd is reloaded if it runs (ssh.service, Ubuntu's name)", () => {
    const r = apply(file(DROPIN_PATH)!.content);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rag-stack-prepare: sshd uses .*10-rag-stack\.conf \(effective MaxStartups: 100:30:200\)\nexit 0\n$/);
    expect(r.systemctl).toEqual(["try-reload-or-restart ssh.service"]);
    expect(r.dropinKept).toBe(true);
});

(canRun ? test : test.skip)("where the unit is sshd.service, that one is reloaded", () => {
    const r = apply(file(DROPIN_PATH)!.content, ["ssh.service"]);
    expect(r.stdout).toContain("sshd uses");
    expect(r.systemctl).toEqual(["try-reload-or-restart ssh.service", "try-reload-or-restart sshd.service"]);
});

(canRun ? test : test.skip)("a drop-in sshd rejects is removed before any reload: SSH, the only way in, keeps working", () => {
    const r = apply("MaxStartups banana\n");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sshd -t rejected the configuration with .*10-rag-stack\.conf \([^]*Invalid MaxStartups spec[^]*\); removed it, sshd keeps its settings/);
    expect(r.systemctl).toEqual([]);
    expect(r.dropinKept).toBe(false);
});
