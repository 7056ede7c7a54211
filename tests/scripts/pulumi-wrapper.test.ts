/**
 * tools/pulumi.sh, the CLI the npm scripts and verify run: an installed `pulumi` on PATH wins over
 * the npm launcher npm puts first on PATH; without one, the launcher runs, announced when it is
 * about to download the CLI. Real processes; nothing is downloaded (the launcher either finds a
 * stand-in in its cache, or cannot start because node is left off PATH).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const WRAPPER = path.resolve(__dirname, "../../tools/pulumi.sh");
const VERSION = (JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../node_modules/pulumi/package.json"), "utf8")) as { version: string }).version;

let dir: string;
beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-pulumi-wrapper-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function executable(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\n${text}\n`, { mode: 0o755 });
}

/** A bin directory with only the tools the wrapper itself uses (and node, when asked). */
function toolsDir(withNode: boolean): string {
    const bin = path.join(dir, "tools");
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of ["dirname", "sed", "head", "sh"]) {
        const real = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
        if (real) fs.symlinkSync(real, path.join(bin, tool));
    }
    if (withNode) fs.symlinkSync(process.execPath, path.join(bin, "node"));
    return bin;
}

function run(pathDirs: string[], env: Record<string, string> = {}) {
    return spawnSync("/bin/sh", [WRAPPER, "version"], { env: { PATH: pathDirs.join(":"), HOME: dir, ...env }, encoding: "utf8", timeout: 20000 });
}

test("an installed pulumi on PATH wins over a node_modules/.bin launcher that comes first", () => {
    executable(path.join(dir, "project", "node_modules", ".bin", "pulumi"), "echo launcher");
    executable(path.join(dir, "installed", "pulumi"), 'echo "installed $*"');
    const r = run([path.join(dir, "project", "node_modules", ".bin"), toolsDir(false), path.join(dir, "installed")]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("installed version");
    expect(r.status).toBe(0);
});

test("without one, the npm launcher runs the CLI it has cached, silently", () => {
    executable(path.join(dir, "pulumi-home", "versions", VERSION, "bin", "pulumi"), 'echo "cached $*"');
    const r = run([toolsDir(true)], { PULUMI_HOME: path.join(dir, "pulumi-home") });
    expect(r.stdout.trim()).toBe("cached version");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
});

test("without one and nothing cached, it says the launcher will download the CLI and what offline means", () => {
    // node is left off PATH: the launcher cannot start, so nothing is fetched; the notice comes first.
    const r = run([toolsDir(false)], { PULUMI_HOME: path.join(dir, "empty-home") });
    expect(r.stderr).toContain(`rag-stack: no pulumi CLI on PATH; the pulumi npm package will now download CLI v${VERSION} from get.pulumi.com`);
    expect(r.stderr).toContain('offline it fails with "fetch failed"');
    expect(r.status).not.toBe(0);
});

test("RAG_STACK_PULUMI wins, and a wrong one is named", () => {
    executable(path.join(dir, "chosen"), 'echo "chosen $*"');
    const tools = toolsDir(false);
    expect(run([tools], { RAG_STACK_PULUMI: path.join(dir, "chosen") }).stdout.trim()).toBe("chosen version");
    const r = run([tools], { RAG_STACK_PULUMI: path.join(dir, "nope") });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain(`RAG_STACK_PULUMI=${path.join(dir, "nope")} is not an executable`);
});

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
(hasShellcheck ? test : test.skip)("tools/pulumi.sh is POSIX sh, shellcheck-clean, with its header and set -eu", () => {
    const r = spawnSync("shellcheck", ["--shell=sh", "--format=gcc", WRAPPER], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    const text = fs.readFileSync(WRAPPER, "utf8");
    expect(text.startsWith("#!/bin/sh\n# ")).toBe(true);
    expect(text.split("\nset -eu\n")[0]).toMatch(/Environment:[\s\S]*Exit codes:/);
});
