/**
 * The droplet's metrics-agent step (components/hosts/scripts/metrics-agent.sh) run as a real
 * process the way remote.Command runs it: the rendered `create` line with the script on stdin, from
 * the prod render. No droplet here: `systemctl`, `dpkg-query`, `fuser`, `curl`, `gpg` and `apt-get`
 * are shims on PATH keeping the agent's state in files (installed, active), each outcome chosen by
 * the test; `sleep` is a shim too, so the bounded waits cost nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rendered, renderStack } from "../../tools/render";

let create = "";
let script = "";
let triggers: unknown[] = [];
let dependsOnReadiness = false;
let work = "";
let bin = "";

beforeAll(async () => {
    const rendered = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "x-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" } }));
    const agent = rendered.named("host-metrics-agent", "command:remote:Command");
    create = String(agent.inputs.create);
    script = String(agent.inputs.stdin);
    triggers = agent.inputs.triggers as unknown[];
    dependsOnReadiness = rendered.dependsOn(agent, rendered.named("host-gpu-ready", "command:remote:Command"));
    work = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-metrics-agent-"));
    bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    const shim = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >>"$FAKE/calls"\n${body}\n`, { mode: 0o755 });
    shim("systemctl", [
        'case "$*" in',
        '  "is-active --quiet do-agent") [ -f "$FAKE/active" ] ;;',
        '  "enable --now do-agent") [ -f "$FAKE/installed" ] && [ ! -f "$FAKE/no-start" ] && touch "$FAKE/active" ;;',
        '  *) exit 64 ;;',
        "esac",
    ].join("\n"));
    shim("dpkg-query", [
        '[ -f "$FAKE/installed" ] || { echo "dpkg-query: no packages found matching do-agent" >&2; exit 1; }',
        'case "$*" in *Version*) printf "3.18.14" ;; *Status*) printf "install ok installed" ;; esac',
    ].join("\n"));
    shim("fuser", '[ -f "$FAKE/apt-busy" ]');
    shim("sleep", ":");
    shim("curl", '[ -f "$FAKE/curl-fails" ] && { echo "curl: (6) Could not resolve host" >&2; exit 6; }; echo "-----BEGIN PGP PUBLIC KEY BLOCK-----"');
    shim("gpg", 'out=""; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done; cat >"$out"');
    shim("apt-get", [
        'case "$*" in',
        '  *update*) [ ! -f "$FAKE/update-fails" ] ;;',
        '  *"install -y do-agent"*) [ -f "$FAKE/install-fails" ] && exit 100; touch "$FAKE/installed"; [ -f "$FAKE/no-start" ] || touch "$FAKE/active" ;;',
        '  *) exit 64 ;;',
        "esac",
    ].join("\n"));
}, 60_000);

afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Runs the rendered step with the agent in `state` (files: installed, active, apt-busy, curl-fails...). */
function run(state: string[], env: Record<string, string> = {}) {
    const fake = fs.mkdtempSync(path.join(work, "state-"));
    for (const f of state) fs.writeFileSync(path.join(fake, f), "");
    const r = spawnSync("sh", ["-c", create], {
        input: script,
        encoding: "utf8",
        timeout: 20_000,
        env: {
            PATH: `${bin}:/usr/bin:/bin`, FAKE: fake,
            AGENT_SOURCES: path.join(fake, "digitalocean-agent.list"), AGENT_KEYRING: path.join(fake, "keyring.gpg"), ...env,
        },
    });
    const lines = r.stdout.trimEnd().split("\n");
    const calls = fs.existsSync(path.join(fake, "calls")) ? fs.readFileSync(path.join(fake, "calls"), "utf8").trimEnd().split("\n") : [];
    return { code: r.status, last: lines[lines.length - 1], stdout: r.stdout, stderr: r.stderr, calls, fake };
}

test("rendered: the script on stdin to sh -s, once per droplet (and per script change), after the readiness check", () => {
    expect(create).toBe("sh -s");
    expect(script).toBe(fs.readFileSync(path.join(__dirname, "../../components/hosts/scripts/metrics-agent.sh"), "utf8"));
    expect(triggers).toHaveLength(2);
    expect(dependsOnReadiness).toBe(true);
});

test("the agent DigitalOcean installed at creation runs: said so, with its version, and nothing installed", () => {
    const r = run(["installed", "active"]);
    expect(r.code).toBe(0);
    expect(r.last).toBe("metrics agent: running (do-agent 3.18.14)");
    expect(r.calls.some((c) => c.startsWith("apt-get"))).toBe(false);
});

test("installed but stopped: started", () => {
    const r = run(["installed"]);
    expect(r.code).toBe(0);
    expect(r.calls).toContain("systemctl enable --now do-agent");
    expect(r.last).toBe("metrics agent: running (do-agent 3.18.14)");
});

test("missing: installed from DigitalOcean's repository, signed by its key, only that list refreshed", () => {
    const r = run([]);
    expect(r.code).toBe(0);
    expect(r.last).toBe("metrics agent: running (do-agent 3.18.14)");
    expect(fs.readFileSync(path.join(r.fake, "digitalocean-agent.list"), "utf8")).toBe(
        `deb [signed-by=${path.join(r.fake, "keyring.gpg")}] https://repos.insights.digitalocean.com/apt/do-agent main main\n`);
    expect(fs.readFileSync(path.join(r.fake, "keyring.gpg"), "utf8")).toContain("BEGIN PGP PUBLIC KEY BLOCK");
    expect(r.calls).toContain("curl -fsSL --max-time 60 https://repos.insights.digitalocean.com/sonar-agent.asc");
    const update = r.calls.find((c) => c.startsWith("apt-get -qq update"));
    expect(update).toContain(`Dir::Etc::SourceList=${path.join(r.fake, "digitalocean-agent.list")}`);
    expect(update).toContain("Dir::Etc::SourceParts=/dev/null");
    expect(r.calls).toContain("apt-get -qq install -y do-agent");
});

test.each([
    [["curl-fails"], "its signing key could not be downloaded from https://repos.insights.digitalocean.com"],
    [["update-fails"], "apt-get update of"],
    [["install-fails"], "apt-get install do-agent failed"],
    [["no-start"], "do-agent was installed but does not run (journalctl -u do-agent says why)"],
    [["installed", "no-start"], "do-agent is installed but does not start (journalctl -u do-agent says why)"],
])("%j: the deployment goes on (exit 0); the last line says why and what to do", (state, why) => {
    const r = run(state);
    expect(r.code).toBe(0);
    expect(r.last).toMatch(/^metrics agent: not running: /);
    expect(r.last).toContain(why);
    expect(r.last).toContain("the droplet's disk, memory and load alerts stay silent until it runs");
    expect(r.last).toContain("curl -sSL https://repos.insights.digitalocean.com/install.sh | sudo bash");
});

test("another apt holding its locks is waited for, boundedly", () => {
    const r = run(["apt-busy"], { APT_WAIT_SECONDS: "10" });
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c === "sleep 5")).toHaveLength(2);
    expect(r.stdout).toContain("apt is still busy after 10 s");
    expect(r.last).toMatch(/^metrics agent: not running: apt stayed busy/);
    expect(r.calls.some((c) => c.startsWith("apt-get"))).toBe(false);
});

test("a bad APT_WAIT_SECONDS is refused (exit 2)", () => {
    const r = run([], { APT_WAIT_SECONDS: "5m" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("APT_WAIT_SECONDS must be a whole number of seconds (got '5m')");
});
