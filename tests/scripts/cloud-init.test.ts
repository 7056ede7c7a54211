/**
 * The GPU droplet's cloud-init user-data, rendered from its template: valid for the real
 * `cloud-init schema` (Debian's cloud-init package), its shell parts clean for shellcheck, and
 * carrying the volume devices, mount points and ready marker it was given. The readiness script
 * that runs over ssh is linted the same way.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CloudInitArgs, renderCloudInit, USER_DATA_LIMIT_BYTES } from "../../components/hosts/cloud-init";
import { dropletCloudInitArgs } from "../../components/hosts/digitalocean";
import { STOP_TIMEOUT_SECONDS } from "../../components/container-options";

const args: CloudInitArgs = dropletCloudInitArgs("rag-stack-prod", "rag-stack-prod-ollama");

function available(tool: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}
const hasCloudInit = available("cloud-init");
const hasShellcheck = available("shellcheck");
if (!hasCloudInit) console.warn("cloud-init is not installed (apt-get install cloud-init): schema tests skipped");
if (!hasShellcheck) console.warn("shellcheck is not installed (apt-get install shellcheck): lint tests skipped");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-cloud-init-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

type CloudConfig = { write_files: { path: string; content: string; permissions: string }[]; runcmd: unknown[] };
const rendered = renderCloudInit(args);
const doc = parseYaml(rendered) as CloudConfig;

test("the user-data is a #cloud-config document with the prepare script and a runcmd that runs it", () => {
    expect(rendered.startsWith("#cloud-config\n")).toBe(true);
    expect(rendered).not.toMatch(/\{\{\w+\}\}/);
    const prepare = doc.write_files.find((f) => f.path === "/usr/local/sbin/rag-stack-prepare");
    expect(prepare?.permissions).toBe("0755");
    expect(doc.runcmd).toEqual([["/usr/local/sbin/rag-stack-prepare"]]);
});

test("the prepare script mounts both volumes by DigitalOcean's device path, sets up the nvidia runtime and writes the ready marker", () => {
    const script = doc.write_files[0].content;
    expect(script).toContain("MODELS_DEVICE='/dev/disk/by-id/scsi-0DO_Volume_rag-stack-prod-models'");
    expect(script).toContain("NEO4J_DEVICE='/dev/disk/by-id/scsi-0DO_Volume_rag-stack-prod-neo4j'");
    expect(script).toContain("MODELS_DIR='/mnt/rag-stack-models/ollama'");
    expect(script).toContain("NEO4J_DIR='/mnt/rag-stack-neo4j/data'");
    expect(script).toContain("READY_MARKER='/var/lib/rag-stack/ready'");
    // The front door's state (certificates) on the protected volume: both bind sources exist before Docker needs them.
    expect(script).toContain("CADDY_DIR='/mnt/rag-stack-neo4j/caddy'");
    expect(script).toContain('mkdir -p "$MODELS_DIR" "$NEO4J_DIR" "$CADDY_DIR/data" "$CADDY_DIR/config"');
    expect(script).toContain("nvidia-ctk runtime configure --runtime=docker");
    // Formatting only a volume without a filesystem: existing data is never reformatted.
    expect(script).toMatch(/if ! blkid "\$device"[^\n]*\n[^\n]*\n\s*mkfs\.ext4/);
});

test("values that could break out of the script are refused", () => {
    expect(() => renderCloudInit({ ...args, modelsMount: "/mnt/x'; reboot; '" })).toThrow(/modelsMount .* is not allowed/);
    expect(() => renderCloudInit(args, "#cloud-config\n# {{nope}}\n")).toThrow(/unknown placeholder \{\{nope\}\}/);
});

test("the user data fits DigitalOcean's 64 KiB, and a template that would not is refused before anything is created", () => {
    const bytes = Buffer.byteLength(rendered, "utf8");
    console.log(`rendered user data: ${bytes} bytes of DigitalOcean's ${USER_DATA_LIMIT_BYTES}`);
    expect(bytes).toBeLessThan(USER_DATA_LIMIT_BYTES);
    const atLimit = `#cloud-config\n#${"x".repeat(USER_DATA_LIMIT_BYTES - 16)}\n`;
    expect(() => renderCloudInit(args, atLimit)).not.toThrow();
    expect(() => renderCloudInit(args, `${atLimit}#${"x".repeat(64)}\n`))
        .toThrow(/^cloud-init: the rendered user data is 65602 bytes; DigitalOcean accepts at most 65536 \(64 KiB\)/);
});

(hasCloudInit ? test : test.skip)("`cloud-init schema` accepts the rendered user-data", () => {
    const file = write("user-data.yaml", rendered);
    const out = execFileSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
    expect(out).toContain("Valid cloud-config");
});

(hasCloudInit ? test : test.skip)("`cloud-init schema` does reject a broken document (the check is real)", () => {
    const file = write("broken.yaml", rendered.replace("runcmd:\n", "runcmd: 5\nbootcmd:\n"));
    const result = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/runcmd/);
});

(hasShellcheck ? test : test.skip)("the shell parts of the user-data pass shellcheck", () => {
    const scripts = doc.write_files.filter((f) => f.content.startsWith("#!/bin/sh"));
    expect(scripts.length).toBeGreaterThan(0);
    for (const [i, f] of scripts.entries()) {
        const file = write(`part-${i}.sh`, f.content);
        const result = spawnSync("shellcheck", ["-s", "sh", file], { encoding: "utf8" });
        expect(`${f.path}: ${result.stdout}`).toBe(`${f.path}: `);
        expect(result.status).toBe(0);
    }
});

(hasShellcheck ? test : test.skip)("the readiness script run over ssh passes shellcheck", () => {
    const file = path.join(__dirname, "../../components/hosts/scripts/gpu-ready.sh");
    const result = spawnSync("shellcheck", ["-s", "sh", file], { encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
});

describe("after a reboot, Docker starts only once both data volumes are mounted", () => {
    const DROP_IN = "/etc/systemd/system/docker.service.d/10-rag-stack-volumes.conf";
    const dropIn = () => doc.write_files.find((f) => f.path === DROP_IN);
    const FSTAB_GENERATOR = "/lib/systemd/system-generators/systemd-fstab-generator";
    const DOCKER_UNIT = "/lib/systemd/system/docker.service";
    const hasSystemd = available("systemd-analyze") && fs.existsSync(FSTAB_GENERATOR) && fs.existsSync(DOCKER_UNIT);
    if (!hasSystemd) console.warn("systemd or docker.io is not installed (apt-get install systemd docker.io): unit checks skipped");

    test("a docker.service drop-in requires the mounts of both volumes", () => {
        expect(dropIn()?.permissions).toBe("0644");
        expect(dropIn()?.content).toBe("[Unit]\nRequiresMountsFor=/mnt/rag-stack-models /mnt/rag-stack-neo4j\n");
        // The prepare script reloads systemd after it writes fstab, so the mount units and the drop-in are loaded.
        const script = doc.write_files[0].content;
        expect(script.indexOf("systemctl daemon-reload")).toBeGreaterThan(script.indexOf('mount_volume "$NEO4J_DEVICE"'));
        expect(script.indexOf("systemctl daemon-reload")).toBeLessThan(script.indexOf("systemctl enable --now docker"));
    });

    (hasSystemd ? test : test.skip)("the real fstab generator makes mount units from the script's fstab lines, and systemd-analyze verify accepts docker.service with the drop-in", () => {
        // The fstab line exactly as the prepare script writes it, for each volume.
        const script = doc.write_files[0].content;
        const line = /echo "(UUID=\$uuid \$mount_point [^"]+)" >>\/etc\/fstab/.exec(script)?.[1];
        expect(line).toBeDefined();
        const fstab = [["0b4c6f2e-0000-4000-8000-000000000001", args.modelsMount], ["0b4c6f2e-0000-4000-8000-000000000002", args.neo4jMount]]
            .map(([uuid, mount]) => `${String(line).replace("$uuid", uuid).replace("$mount_point", mount)}\n`).join("");
        expect(fstab).toContain("nofail");
        const root = fs.mkdtempSync(path.join(dir, "systemd-"));
        const units = path.join(root, "units");
        fs.mkdirSync(path.join(units, "docker.service.d"), { recursive: true });
        fs.writeFileSync(path.join(root, "fstab"), fstab);
        execFileSync(FSTAB_GENERATOR, [units, units, units], { env: { ...process.env, SYSTEMD_FSTAB: path.join(root, "fstab") } });
        const mountUnits = fs.readdirSync(units).filter((f) => f.endsWith(".mount")).sort();
        const expected = [args.modelsMount, args.neo4jMount]
            .map((m) => execFileSync("systemd-escape", ["--path", "--suffix=mount", m], { encoding: "utf8" }).trim()).sort();
        expect(mountUnits).toEqual(expected);
        fs.copyFileSync(DOCKER_UNIT, path.join(units, "docker.service"));
        fs.writeFileSync(path.join(units, "docker.service.d", "10-rag-stack-volumes.conf"), String(dropIn()?.content));
        const verify = (): string => {
            const result = spawnSync("systemd-analyze", ["verify", path.join(units, "docker.service")], {
                encoding: "utf8", timeout: 60_000, env: { ...process.env, SYSTEMD_UNIT_PATH: `${units}:` },
            });
            return `${result.stdout}${result.stderr}`.split("\n").filter((l) => l.includes("rag-stack") || l.includes(".mount")).join("\n");
        };
        expect(verify()).toBe("");
        // The check is real: a relative path in the drop-in is reported.
        fs.writeFileSync(path.join(units, "docker.service.d", "10-rag-stack-volumes.conf"), "[Unit]\nRequiresMountsFor=mnt/rag-stack-models\n");
        expect(verify()).toMatch(/RequiresMountsFor= path is not absolute/);
    });
});

describe("a droplet shutdown waits for Docker to stop its containers gracefully", () => {
    const STOP_DROP_IN = "/etc/systemd/system/docker.service.d/20-rag-stack-stop.conf";
    const stopDropIn = () => doc.write_files.find((f) => f.path === STOP_DROP_IN);
    const DOCKER_UNIT = "/lib/systemd/system/docker.service";

    test("docker.service's stop timeout is above dockerd's own wait: the longest container stop timeout plus 5 s", () => {
        expect(stopDropIn()?.permissions).toBe("0644");
        const timeout = Number(/^\[Service\]\nTimeoutStopSec=(\d+)\n$/.exec(String(stopDropIn()?.content))?.[1]);
        expect(timeout).toBeGreaterThanOrEqual(Math.max(...Object.values(STOP_TIMEOUT_SECONDS)) + 5 + 30);
    });

    (available("systemd-analyze") && fs.existsSync(DOCKER_UNIT) ? test : test.skip)("systemd-analyze verify accepts docker.service with it, and would report a bad value", () => {
        const units = fs.mkdtempSync(path.join(dir, "stop-units-"));
        fs.mkdirSync(path.join(units, "docker.service.d"));
        fs.copyFileSync(DOCKER_UNIT, path.join(units, "docker.service"));
        const verify = (content: string): string => {
            fs.writeFileSync(path.join(units, "docker.service.d", "20-rag-stack-stop.conf"), content);
            const result = spawnSync("systemd-analyze", ["verify", path.join(units, "docker.service")], {
                encoding: "utf8", timeout: 60_000, env: { ...process.env, SYSTEMD_UNIT_PATH: `${units}:` },
            });
            return `${result.stdout}${result.stderr}`.split("\n").filter((l) => /rag-stack|TimeoutStopSec/.test(l)).join("\n");
        };
        expect(verify(String(stopDropIn()?.content))).toBe("");
        expect(verify("[Service]\nTimeoutStopSec=two minutes\n")).toMatch(/20-rag-stack-stop.conf:2: Failed to parse time value/);
    });
});
