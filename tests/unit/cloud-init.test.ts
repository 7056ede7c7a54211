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
import { CloudInitArgs, digitalOceanVolumeDevice, renderCloudInit } from "../../components/hosts/cloud-init";

const args: CloudInitArgs = {
    modelsDevice: digitalOceanVolumeDevice("rag-stack-prod-models"),
    modelsMount: "/mnt/rag-stack-models",
    modelsDir: "/mnt/rag-stack-models/ollama",
    neo4jDevice: digitalOceanVolumeDevice("rag-stack-prod-neo4j"),
    neo4jMount: "/mnt/rag-stack-neo4j",
    neo4jDir: "/mnt/rag-stack-neo4j/data",
    caddyDir: "/mnt/rag-stack-neo4j/caddy",
    readyMarker: "/var/lib/rag-stack/ready",
};

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
