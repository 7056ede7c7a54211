/**
 * The droplet's prepare script never formats a volume that already holds a filesystem: the real
 * `mount_volume` function, cut from the rendered cloud-init user-data, runs as root against a
 * loop device backed by an ext4 image that holds a file. It runs in a private mount namespace with
 * a scratch /etc/fstab bound over the real one, so this machine's mounts and fstab are untouched;
 * `mkfs.ext4` on PATH is a recorder in front of the real one. A blank image is formatted (the
 * recorder sees it), so the test would catch a script that formats everything or nothing.
 * Needs root, losetup and unshare (CI runs as root); skipped with a warning otherwise.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { renderCloudInit } from "../../components/hosts/cloud-init";
import { dropletCloudInitArgs } from "../../components/hosts/digitalocean";

// Real processes: seconds each on a busy machine.
jest.setTimeout(60_000);

const PREPARE = "/usr/local/sbin/rag-stack-prepare";
const canRun = process.getuid?.() === 0 && ["losetup", "unshare", "mkfs.ext4", "blkid", "mountpoint"]
    .every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);

/** The `log`, `fail` and `mount_volume` definitions of the prepare script in the rendered user-data. */
function mountVolumeFunction(): string {
    const userData = renderCloudInit(dropletCloudInitArgs("rag-stack-prod", "rag-stack-prod-ollama"));
    const doc = parseYaml(userData) as { write_files: { path: string; content: string }[] };
    const script = doc.write_files.find((f) => f.path === PREPARE)?.content;
    if (!script) throw new Error(`no ${PREPARE} in the user-data`);
    const lines = script.split("\n");
    const helpers = lines.filter((l) => /^(log|fail)\(\) \{/.test(l));
    const start = lines.findIndex((l) => l.startsWith("mount_volume() {"));
    const end = lines.findIndex((l, i) => i > start && l === "}");
    if (helpers.length !== 2 || start < 0 || end < 0) throw new Error("log, fail or mount_volume not found in the prepare script");
    return [...helpers, ...lines.slice(start, end + 1)].join("\n");
}

let dir: string;
const loops: string[] = [];

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-prepare-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const realMkfs = execFileSync("sh", ["-c", "command -v mkfs.ext4"], { encoding: "utf8" }).trim();
    fs.writeFileSync(path.join(bin, "mkfs.ext4"), `#!/bin/sh\necho "mkfs.ext4 $*" >>"${dir}/mkfs.log"\nexec ${realMkfs} "$@"\n`, { mode: 0o755 });
});

afterAll(() => {
    for (const loop of loops) spawnSync("losetup", ["-d", loop]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A 32 MiB image on a loop device; with `files`, an ext4 filesystem holding them. */
function volume(name: string, files?: Record<string, string>): { device: string; image: string } {
    const image = path.join(dir, `${name}.img`);
    execFileSync("truncate", ["-s", "32M", image]);
    if (files) {
        const content = path.join(dir, `${name}-content`);
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(content, file)), { recursive: true });
            fs.writeFileSync(path.join(content, file), text);
        }
        execFileSync("mkfs.ext4", ["-q", "-L", "ollama-models", "-d", content, image]);
    }
    const device = execFileSync("losetup", ["-f", "--show", image], { encoding: "utf8" }).trim();
    loops.push(device);
    return { device, image };
}

/** Runs `mount_volume device mountPoint` (twice when asked) in a private mount namespace; then `after` there. */
function mountVolume(device: string, runs: number, after: string): { code: number | null; stdout: string; stderr: string; fstab: string } {
    const mountPoint = path.join(dir, `mnt-${path.basename(device)}`);
    const fstab = path.join(dir, `fstab-${path.basename(device)}`);
    fs.writeFileSync(fstab, "# scratch fstab for the test\n");
    const body = [
        "set -eu",
        `mount --bind '${fstab}' /etc/fstab`,
        mountVolumeFunction(),
        ...Array.from({ length: runs }, () => `mount_volume '${device}' '${mountPoint}'`),
        after,
    ].join("\n");
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", body], {
        encoding: "utf8",
        env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? ""}`, MNT: mountPoint },
        timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, fstab: fs.readFileSync(fstab, "utf8") };
}

const mkfsCalls = () => (fs.existsSync(path.join(dir, "mkfs.log")) ? fs.readFileSync(path.join(dir, "mkfs.log"), "utf8").trim().split("\n").filter(Boolean) : []);
const uuidOf = (device: string) => execFileSync("blkid", ["-s", "UUID", "-o", "value", device], { encoding: "utf8" }).trim();

(canRun ? test : test.skip)("a volume with a filesystem and data is mounted as it is: no mkfs, same UUID, the file still there", () => {
    const { device } = volume("kept", { "ollama/manifests/registry.ollama.ai/library/qwen2.5/7b-instruct-q8_0": "the model's manifest\n" });
    const uuid = uuidOf(device);
    const before = mkfsCalls().length;
    const r = mountVolume(device, 1, 'cat "$MNT/ollama/manifests/registry.ollama.ai/library/qwen2.5/7b-instruct-q8_0"');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(mkfsCalls().length).toBe(before);
    expect(r.stdout).not.toContain("formatting");
    expect(r.stdout).toContain(`rag-stack-prepare: volume ${device} mounted on`);
    expect(r.stdout).toContain("the model's manifest");
    expect(uuidOf(device)).toBe(uuid);
    expect(r.fstab).toContain(`UUID=${uuid} `);
    expect(r.fstab).toMatch(/ ext4 defaults,nofail,discard,noatime 0 2\n/);
});

(canRun ? test : test.skip)("run again (a second boot, a re-run of cloud-init): still no mkfs, one fstab line", () => {
    const { device } = volume("twice", { "neo4j/data/graph.db": "nodes\n" });
    const before = mkfsCalls().length;
    const r = mountVolume(device, 2, 'cat "$MNT/neo4j/data/graph.db"');
    expect(r.code).toBe(0);
    expect(mkfsCalls().length).toBe(before);
    expect(r.stdout).toContain("nodes");
    expect(r.fstab.split("\n").filter((l) => l.startsWith("UUID="))).toHaveLength(1);
});

(canRun ? test : test.skip)("a blank volume (no filesystem at all) is formatted once, then mounted", () => {
    const { device } = volume("blank");
    const before = mkfsCalls().length;
    const r = mountVolume(device, 1, 'test -d "$MNT/lost+found" && echo has-lost-found');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`formatting empty volume ${device} (ext4)`);
    expect(mkfsCalls().slice(before)).toEqual([`mkfs.ext4 -q ${device}`]);
    expect(r.stdout).toContain("has-lost-found");
});

test("the function under test is the one the droplet runs (cut from the rendered user-data)", () => {
    const fn = mountVolumeFunction();
    expect(fn).toMatch(/^log\(\) \{/m);
    expect(fn).toContain('if ! blkid "$device" >/dev/null 2>&1; then');
    if (!canRun) console.warn("not root or losetup/unshare missing: the loop-device tests were skipped");
});
