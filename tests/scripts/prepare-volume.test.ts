/**
 * The droplet's prepare script never formats a volume that already holds a filesystem: the real
 * `mount_volume` function, cut from the rendered cloud-init user-data, runs as root against a
 * loop device backed by an ext4 image that holds a file. It runs in a private mount namespace with
 * a scratch /etc/fstab bound over the real one, so this machine's mounts and fstab are untouched;
 * `mkfs.ext4` on PATH is a recorder in front of the real one. A blank image is formatted (the
 * recorder sees it), so the test would catch a script that formats everything or nothing.
 * A volume grown by DigitalOcean is a bigger device under the same filesystem: here the image file
 * is extended and the loop device told its new capacity (`losetup -c`), as the guest kernel learns a
 * resized disk, and the real resize2fs grows the filesystem (scripts/grow-filesystem.sh, which the
 * prepare script runs after mounting and the stack runs after a size change).
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
const GROW_INSTALLED = "/usr/local/sbin/rag-stack-grow-filesystem";
const GROW = path.resolve(__dirname, "../../components/hosts/scripts/grow-filesystem.sh");
const canRun = process.getuid?.() === 0 && ["losetup", "unshare", "mkfs.ext4", "blkid", "mountpoint", "resize2fs", "e2fsck", "dumpe2fs", "debugfs", "blockdev", "mkswap"]
    .every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);

const userData = renderCloudInit(dropletCloudInitArgs("rag-stack-prod", "rag-stack-prod-ollama"));
const writeFiles = (parseYaml(userData) as { write_files: { path: string; content: string; permissions: string }[] }).write_files;

/** The `log`, `fail` and `mount_volume` definitions of the prepare script in the rendered user-data. */
function mountVolumeFunction(): string {
    const script = writeFiles.find((f) => f.path === PREPARE)?.content;
    if (!script) throw new Error(`no ${PREPARE} in the user-data`);
    const lines = script.split("\n");
    const helpers = lines.filter((l) => /^(log|fail)\(\) \{/.test(l));
    const start = lines.findIndex((l) => l.startsWith("mount_volume() {"));
    const end = lines.findIndex((l, i) => i > start && l === "}");
    if (helpers.length !== 2 || start < 0 || end < 0) throw new Error("log, fail or mount_volume not found in the prepare script");
    return [...helpers, ...lines.slice(start, end + 1)].join("\n");
}

let dir: string;
let installedGrow: string;
const loops: string[] = [];

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-prepare-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const realMkfs = execFileSync("sh", ["-c", "command -v mkfs.ext4"], { encoding: "utf8" }).trim();
    fs.writeFileSync(path.join(bin, "mkfs.ext4"), `#!/bin/sh\necho "mkfs.ext4 $*" >>"${dir}/mkfs.log"\nexec ${realMkfs} "$@"\n`, { mode: 0o755 });
    installedGrow = path.join(bin, "rag-stack-grow-filesystem");
    fs.writeFileSync(installedGrow, String(writeFiles.find((f) => f.path === GROW_INSTALLED)?.content), { mode: 0o755 });
});

afterAll(() => {
    for (const loop of loops) spawnSync("losetup", ["-d", loop]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A 32 MiB image on a loop device; with `files`, an ext4 filesystem holding them. */
function volume(name: string, files?: Record<string, string>): { device: string; image: string } {
    const image = path.join(dir, `${name}.img`);
    execFileSync("truncate", ["-s", "32M", image]);
    if (files === undefined && name.startsWith("swap")) execFileSync("mkswap", ["-q", image]);
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
        // The grow script as cloud-init installs it (the user-data's file, 0755), at a scratch path.
        `GROW_FILESYSTEM='${installedGrow}'`,
        mountVolumeFunction(),
        ...Array.from({ length: runs }, () => `mount_volume '${device}' '${mountPoint}'`),
        after,
    ].join("\n");
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", body], {
        encoding: "utf8",
        env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? ""}`, MNT: mountPoint, DEVICE: device, GROW: installedGrow },
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

/** The volume grown as DigitalOcean grows one: a bigger device under the same filesystem. */
function growDevice(device: string, image: string, size: string): void {
    execFileSync("truncate", ["-s", size, image]);
    execFileSync("losetup", ["-c", device]);
}
/** `df` of the mounted filesystem in KiB, printed by the commands run in the namespace. */
const DF = 'df -k -P "$MNT" | awk \'NR == 2 { print "size=" $2 }\'';
const sizeIn = (stdout: string) => [...stdout.matchAll(/^size=(\d+)$/gm)].map((m) => Number(m[1]));

(canRun ? test : test.skip)("a volume grown while no droplet had it (parked): mount_volume grows its ext4 to the device, keeps the data, once", () => {
    const { device, image } = volume("grown", { "neo4j/data/databases/system/neostore": "the graph\n" });
    growDevice(device, image, "96M");
    const r = mountVolume(device, 2, `${DF}; cat "$MNT/neo4j/data/databases/system/neostore"`);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    // Before mounting: checked (e2fsck -f, which resize2fs requires unmounted), then grown.
    expect(r.stdout).toMatch(new RegExp(`grew the filesystem on ${device} from 33554432 to 100663296 bytes`));
    // The second run (a re-run of the prepare script), mounted: nothing to grow.
    expect(r.stdout).toMatch(new RegExp(`the filesystem on ${device} \\(.*\\) already fills it`));
    const [size] = sizeIn(r.stdout);
    expect(size).toBeGreaterThan(80 * 1024);
    expect(r.stdout).toContain("the graph");
    expect(mkfsCalls().filter((c) => c.includes(device))).toEqual([]);
});

/** resize2fs grows a mounted ext4 through an ioctl that needs CAP_SYS_RESOURCE (bit 24), which some containers drop. */
const canResizeOnline = canRun && (BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0"}`) & (1n << 24n)) !== 0n;
if (canRun && !canResizeOnline) console.warn("no CAP_SYS_RESOURCE here (a container): the online grow of a mounted volume is skipped; the droplet's root has it");

(canResizeOnline ? test : test.skip)("a volume grown under a running droplet: the grow script grows the mounted ext4 online, and is a no-op run again", () => {
    const { device, image } = volume("online", { "ollama/models/blobs/sha256-x": "weights\n" });
    // Mounted at 32 MiB (mount_volume), then the volume grows, then the stack's command runs (twice: a retried up).
    const r = mountVolume(device, 1, [DF, `truncate -s 128M '${image}'`, `losetup -c '${device}'`,
        '"$GROW" "$DEVICE" "$MNT"', '"$GROW" "$DEVICE" "$MNT"', DF, 'cat "$MNT/ollama/models/blobs/sha256-x"'].join("; "));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const [before, after] = sizeIn(r.stdout);
    expect(before).toBeLessThan(33 * 1024);
    expect(after).toBeGreaterThan(110 * 1024);
    expect(r.stdout.match(/grew the filesystem/g)).toHaveLength(1);
    expect(r.stdout).toContain(`the filesystem on ${device} (${path.join(dir, `mnt-${path.basename(device)}`)}) already fills it`);
    expect(r.stdout).toContain("weights");
});

(canRun ? test : test.skip)("unmounted and not grown: nothing checked, nothing changed; refused with what to do: another filesystem, one the check cannot fix unattended", () => {
    const { device, image } = volume("unmounted", { "x": "y\n" });
    const unchanged = spawnSync(installedGrow, [device, path.join(dir, "never-mounted")], { encoding: "utf8" });
    expect({ status: unchanged.status, stdout: unchanged.stdout }).toEqual({ status: 0, stdout: `rag-stack-grow-filesystem: the filesystem on ${device} already fills it (33554432 bytes)\n` });
    const swap = volume("swap-not-ext");
    const notExt = spawnSync(installedGrow, [swap.device, "/mnt/nowhere"], { encoding: "utf8" });
    expect(notExt.status).toBe(1);
    expect(notExt.stderr).toContain(`${swap.device} holds a swap filesystem, not the ext4 the stack formats`);
    // A grown volume whose root directory is gone: e2fsck -p stops ("RUN fsck MANUALLY", exit 4), so nothing is resized.
    execFileSync("debugfs", ["-w", "-R", "clri <2>", device], { stdio: "ignore" });
    growDevice(device, image, "64M");
    const broken = spawnSync(installedGrow, [device, path.join(dir, "never-mounted")], { encoding: "utf8" });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`e2fsck -f -p ${device} (required before growing it unmounted) exited 4: it found problems it does not fix unattended; run e2fsck -f ${device} by hand`);
    expect(spawnSync(installedGrow, [device], { encoding: "utf8" }).status).toBe(2);
});

test("the grow script the prepare script runs is this file, installed executable by the user-data", () => {
    const installed = writeFiles.find((f) => f.path === GROW_INSTALLED);
    expect(installed?.permissions).toBe("0755");
    expect(installed?.content).toBe(fs.readFileSync(GROW, "utf8"));
    expect(writeFiles.find((f) => f.path === PREPARE)?.content).toContain(`GROW_FILESYSTEM=${GROW_INSTALLED}\n`);
    expect(mountVolumeFunction()).toContain('"$GROW_FILESYSTEM" "$device" "$mount_point" || fail');
});

test("the function under test is the one the droplet runs (cut from the rendered user-data)", () => {
    const fn = mountVolumeFunction();
    expect(fn).toMatch(/^log\(\) \{/m);
    expect(fn).toContain('if ! blkid "$device" >/dev/null 2>&1; then');
    if (!canRun) console.warn("not root or losetup/unshare missing: the loop-device tests were skipped");
});
