/**
 * The droplet's GPU watchdog as cloud-init writes it (components/hosts/gpu-watchdog/): the files are
 * in the user-data whole, the heal unit names exactly the container the prod render creates, the
 * units pass the real `systemd-analyze verify`, and the daemon.json merge, run as a real process,
 * keeps the NVIDIA image's runtime entry while adding NVIDIA's cgroupfs workaround and log rotation.
 * The heal script itself runs against a real Docker engine in tests/e2e/gpu-heal.test.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CloudInitArgs, renderCloudInit } from "../../components/hosts/cloud-init";
import { dropletCloudInitArgs } from "../../components/hosts/digitalocean";
import { OLLAMA_HEAL_STATE_DIR, OLLAMA_HEAL_TIMER } from "../../components/hosts/gpu-watchdog";
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER } from "../unit/support/containers";

const WATCHDOG_DIR = path.join(__dirname, "../../components/hosts/gpu-watchdog");
const source = (file: string) => fs.readFileSync(path.join(WATCHDOG_DIR, file), "utf8");

const args: CloudInitArgs = dropletCloudInitArgs("rag-stack-prod", "rag-stack-prod-ollama");

interface WrittenFile { path: string; content: string; permissions: string }
const files = (userData: string) => (parseYaml(userData) as { write_files: WrittenFile[] }).write_files;
const fileAt = (userData: string, p: string): WrittenFile => {
    const f = files(userData).find((x) => x.path === p);
    if (!f) throw new Error(`no ${p} in the user-data`);
    return f;
};

const SERVICE = "/etc/systemd/system/rag-stack-ollama-heal.service";
const TIMER = "/etc/systemd/system/rag-stack-ollama-heal.timer";
const HEAL = "/usr/local/sbin/rag-stack-ollama-heal";
const DAEMON_CONFIG = "/usr/local/sbin/rag-stack-docker-daemon-config";
const SETTINGS = "/etc/rag-stack/docker-daemon.json";

const rendered = renderCloudInit(args);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-watchdog-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const available = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const hasSystemdAnalyze = available("systemd-analyze");
const hasJq = available("jq");
if (!hasSystemdAnalyze) console.warn("systemd-analyze is not installed (apt-get install systemd): unit verification skipped");
if (!hasJq) console.warn("jq is not installed (apt-get install jq): daemon.json merge tests skipped");

describe("in the user-data", () => {
    test("the watchdog's files are written whole, executables 0755, the rest 0644", () => {
        expect(fileAt(rendered, HEAL)).toMatchObject({ permissions: "0755", content: source("ollama-heal.sh") });
        expect(fileAt(rendered, DAEMON_CONFIG)).toMatchObject({ permissions: "0755", content: source("docker-daemon-config.sh") });
        expect(fileAt(rendered, SETTINGS).permissions).toBe("0644");
        expect(JSON.parse(fileAt(rendered, SETTINGS).content)).toEqual({
            "exec-opts": ["native.cgroupdriver=cgroupfs"],
            "log-driver": "json-file",
            "log-opts": { "max-size": "50m", "max-file": "5" },
        });
        expect(fileAt(rendered, TIMER)).toMatchObject({ permissions: "0644", content: source("rag-stack-ollama-heal.timer") });
    });

    test("the heal service names exactly the Ollama container, its label and the state directory", () => {
        const unit = fileAt(rendered, SERVICE).content;
        expect(unit).toContain("Environment=OLLAMA_CONTAINER=rag-stack-prod-ollama\n");
        expect(unit).toContain("Environment=OLLAMA_LABEL=rag-stack.role=ollama\n");
        expect(unit).toContain(`Environment=HEAL_STATE_DIR=${OLLAMA_HEAL_STATE_DIR}\n`);
        expect(unit).toContain(`ExecStart=${HEAL}\n`);
        expect(unit).not.toMatch(/\{\{\w+\}\}/);
    });

    test("prepare merges the daemon settings, restarts Docker only when they changed, insists on cgroupfs and enables the timer", () => {
        const prepare = fileAt(rendered, "/usr/local/sbin/rag-stack-prepare").content;
        const at = (s: string) => {
            const i = prepare.indexOf(s);
            expect(i).toBeGreaterThan(-1);
            return i;
        };
        // After the nvidia runtime is registered (its restart must not undo ours), before the ready marker.
        expect(at("nvidia-ctk runtime configure")).toBeLessThan(at(DAEMON_CONFIG));
        expect(at(DAEMON_CONFIG)).toBeLessThan(at('= "daemon.json: changed" ]'));
        expect(at('= "daemon.json: changed" ]')).toBeLessThan(at("systemctl restart docker \\"));
        expect(prepare).toContain("docker info --format '{{.CgroupDriver}}'");
        expect(prepare).toContain('[ "$driver" = cgroupfs ] || fail');
        expect(at(`systemctl enable --now ${OLLAMA_HEAL_TIMER}`)).toBeLessThan(at('>"$READY_MARKER"'));
    });

    test("a container name that a unit file or a shell would interpret is refused", () => {
        expect(() => renderCloudInit({ ...args, ollamaContainer: "x\nExecStartPre=/bin/rm" })).toThrow(/ollamaContainer .* is not allowed; expected a container name/);
        expect(() => renderCloudInit({ ...args, ollamaContainer: "a b" })).toThrow(/ollamaContainer/);
    });
});

describe("the prod render", () => {
    let r: Rendered;
    beforeAll(async () => {
        r = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" } }));
    });

    test("the droplet's heal unit watches the very container the stack creates; verify learns where the heal state is", () => {
        const containerName = r.named("ollama-container", CONTAINER).inputs.name as string;
        const userData = r.named("host-droplet", "digitalocean:index/droplet:Droplet").inputs.userData as string;
        expect(fileAt(userData, SERVICE).content).toContain(`Environment=OLLAMA_CONTAINER=${containerName}\n`);
        expect(r.result.outputs.gpuHost).toMatchObject({ ollamaHealStateDir: OLLAMA_HEAL_STATE_DIR });
    });
});

(hasSystemdAnalyze ? describe : describe.skip)("systemd-analyze verify", () => {
    /** A root with this machine's systemd units (targets the timer refers to) and the rendered files. */
    function unitRoot(name: string, service: string): string {
        const root = path.join(tmp, name);
        fs.mkdirSync(path.join(root, "etc/systemd/system"), { recursive: true });
        fs.mkdirSync(path.join(root, "usr/local/sbin"), { recursive: true });
        fs.cpSync("/usr/lib/systemd/system", path.join(root, "usr/lib/systemd/system"), { recursive: true, verbatimSymlinks: true });
        fs.writeFileSync(path.join(root, SERVICE), service);
        fs.writeFileSync(path.join(root, TIMER), fileAt(rendered, TIMER).content);
        fs.writeFileSync(path.join(root, HEAL), fileAt(rendered, HEAL).content, { mode: 0o755 });
        return root;
    }
    const verify = (root: string) => spawnSync("systemd-analyze", ["verify", `--root=${root}`, SERVICE, TIMER], { encoding: "utf8", timeout: 60_000 });

    test("accepts the rendered service and timer without a word", () => {
        const result = verify(unitRoot("good", fileAt(rendered, SERVICE).content));
        expect(`${result.stdout}${result.stderr}`).toBe("");
        expect(result.status).toBe(0);
    });

    test("does reject a broken unit (the check is real)", () => {
        const broken = fileAt(rendered, SERVICE).content.replace(`ExecStart=${HEAL}`, "ExecStart=/usr/local/sbin/no-such-heal");
        const result = verify(unitRoot("broken", broken));
        expect(result.status).not.toBe(0);
        expect(`${result.stdout}${result.stderr}`).toMatch(/no-such-heal.*not executable/);
    });
});

(hasJq ? describe : describe.skip)("the daemon.json merge (real process)", () => {
    const script = path.join(WATCHDOG_DIR, "docker-daemon-config.sh");
    const settings = path.join(WATCHDOG_DIR, "docker-daemon.json");
    let n = 0;
    function merge(existing: string | undefined): { status: number | null; stdout: string; stderr: string; file: string; dir: string } {
        const dir = path.join(tmp, `merge-${n++}`);
        fs.mkdirSync(dir);
        const file = path.join(dir, "daemon.json");
        if (existing !== undefined) fs.writeFileSync(file, existing);
        const r = spawnSync("sh", [script], { encoding: "utf8", timeout: 30_000, env: { ...process.env, DAEMON_JSON: file, SETTINGS_JSON: settings } });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, file, dir };
    }
    const NVIDIA_IMAGE_DAEMON_JSON = JSON.stringify({
        "default-runtime": "nvidia",
        runtimes: { nvidia: { args: [], path: "nvidia-container-runtime" } },
        "exec-opts": ["native.cgroupdriver=systemd", "native.umask=0022"],
    }, null, 4);

    test("keeps the nvidia runtime and other exec-opts, replaces the systemd cgroup driver, adds rotated logs, keeps the original", () => {
        const r = merge(NVIDIA_IMAGE_DAEMON_JSON);
        expect(r.status).toBe(0);
        expect(r.stdout.trim().split("\n").pop()).toBe("daemon.json: changed");
        expect(JSON.parse(fs.readFileSync(r.file, "utf8"))).toEqual({
            "default-runtime": "nvidia",
            runtimes: { nvidia: { args: [], path: "nvidia-container-runtime" } },
            "exec-opts": ["native.umask=0022", "native.cgroupdriver=cgroupfs"],
            "log-driver": "json-file",
            "log-opts": { "max-size": "50m", "max-file": "5" },
        });
        expect(fs.readFileSync(`${r.file}.before-rag-stack`, "utf8")).toBe(NVIDIA_IMAGE_DAEMON_JSON);
    });

    test("a second run changes nothing (no Docker restart on a rerun)", () => {
        const first = merge(NVIDIA_IMAGE_DAEMON_JSON);
        const once = fs.readFileSync(first.file, "utf8");
        const again = spawnSync("sh", [script], { encoding: "utf8", env: { ...process.env, DAEMON_JSON: first.file, SETTINGS_JSON: settings } });
        expect(again.status).toBe(0);
        expect(again.stdout.trim().split("\n").pop()).toBe("daemon.json: unchanged");
        expect(fs.readFileSync(first.file, "utf8")).toBe(once);
    });

    test("no daemon.json yet: writes the settings alone", () => {
        const r = merge(undefined);
        expect(r.status).toBe(0);
        expect(JSON.parse(fs.readFileSync(r.file, "utf8"))).toEqual(JSON.parse(fs.readFileSync(settings, "utf8")));
        expect(fs.existsSync(`${r.file}.before-rag-stack`)).toBe(false);
    });

    test("another log driver's options go with it (json-file would refuse them)", () => {
        const r = merge(JSON.stringify({ "log-driver": "journald", "log-opts": { tag: "{{.Name}}" } }));
        expect(r.status).toBe(0);
        expect(JSON.parse(fs.readFileSync(r.file, "utf8"))).toMatchObject({ "log-driver": "json-file", "log-opts": { "max-size": "50m", "max-file": "5" } });
        expect(JSON.parse(fs.readFileSync(r.file, "utf8"))["log-opts"]).not.toHaveProperty("tag");
    });

    test("a daemon.json that is not JSON is left exactly as it was, exit 1 with the reason", () => {
        const r = merge("{ not json");
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("is not a JSON object; fix or remove it");
        expect(fs.readFileSync(r.file, "utf8")).toBe("{ not json");
    });
});

test("the heal script refuses a bad environment with exit 2 before touching Docker", () => {
    const heal = path.join(WATCHDOG_DIR, "ollama-heal.sh");
    const run = (env: Record<string, string>) => spawnSync("/bin/sh", [heal], { encoding: "utf8", env: { PATH: "/nonexistent", ...env } });
    expect(run({ HEAL_STATE_DIR: tmp })).toMatchObject({ status: 2, stderr: expect.stringContaining("OLLAMA_CONTAINER must name") });
    expect(run({ OLLAMA_CONTAINER: "x", HEAL_STATE_DIR: tmp, HEAL_MAX: "three" })).toMatchObject({ status: 2, stderr: expect.stringContaining("whole numbers") });
    expect(run({ OLLAMA_CONTAINER: "x", HEAL_STATE_DIR: tmp, OLLAMA_LABEL: "bad key=1" })).toMatchObject({ status: 2 });
});
