/**
 * tools/pulumi.sh, the CLI the npm scripts and verify run: an installed `pulumi` on PATH wins over
 * the npm launcher npm puts first on PATH; without one, the launcher runs, announced when it is
 * about to download the CLI. Before an engine command it refuses a CLI older than Pulumi.yaml's
 * requiredPulumiVersion. Real processes; nothing is downloaded (the launcher either finds a
 * stand-in in its cache, or cannot start because node is left off PATH).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";

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
    const bin = path.join(dir, withNode ? "tools-node" : "tools");
    if (fs.existsSync(bin)) return bin;
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of ["dirname", "sed", "head", "sh"]) {
        const real = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
        if (real) fs.symlinkSync(real, path.join(bin, tool));
    }
    if (withNode) fs.symlinkSync(process.execPath, path.join(bin, "node"));
    return bin;
}

function run(pathDirs: string[], env: Record<string, string> = {}, args: string[] = ["version"], wrapper = WRAPPER) {
    return spawnSync("/bin/sh", [wrapper, ...args], { env: { PATH: pathDirs.join(":"), HOME: dir, ...env }, encoding: "utf8", timeout: 20000 });
}

/** A stand-in CLI of this version: `version` prints it as the real one does (v3.260.0), anything else is echoed. */
function cliOfVersion(file: string, version: string): string {
    executable(file, `if [ "$1" = version ]; then echo v${version}; else echo "ran $*"; fi`);
    return file;
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

const REQUIRED = (parseYaml(fs.readFileSync(path.resolve(__dirname, "../../Pulumi.yaml"), "utf8")) as { requiredPulumiVersion: string }).requiredPulumiVersion;

describe("the CLI version Pulumi.yaml requires", () => {
    test("Pulumi.yaml requires v3.260.0 or newer: the first release with pulumi/pulumi#23818 (a resource deletedWith a replaced one is not deleted)", () => {
        expect(REQUIRED).toBe(">=3.260.0");
    });

    test.each([["up", "--stack", "prod"], ["preview", "--diff"], ["refresh"], ["destroy"], ["down"], ["import"], ["--cwd", "up", "up"], ["-C", ".", "update"]])(
        "%s ...: an installed CLI older than that is refused with exit 3, naming both versions, and not run", (...args) => {
            const cli = cliOfVersion(path.join(dir, "installed", "pulumi"), "3.259.0");
            const r = run([toolsDir(false), path.dirname(cli)], {}, args);
            expect(r.status).toBe(3);
            expect(r.stdout).toBe("");
            expect(r.stderr).toContain("rag-stack: this project needs the Pulumi CLI v3.260.0 or newer");
            expect(r.stderr).toContain(`${cli} is 3.259.0. Update it`);
        });

    test("the required version itself runs, a newer one runs, a pre-release of it is refused (semver orders it below)", () => {
        const tools = toolsDir(false);
        expect(run([tools], { RAG_STACK_PULUMI: cliOfVersion(path.join(dir, "a"), "3.260.0") }, ["up"]).stdout.trim()).toBe("ran up");
        expect(run([tools], { RAG_STACK_PULUMI: cliOfVersion(path.join(dir, "b"), "4.0.1") }, ["up"]).stdout.trim()).toBe("ran up");
        expect(run([tools], { RAG_STACK_PULUMI: cliOfVersion(path.join(dir, "c"), "3.261.0-alpha.1") }, ["up"]).stdout.trim()).toBe("ran up");
        const pre = run([tools], { RAG_STACK_PULUMI: cliOfVersion(path.join(dir, "d"), "3.260.0-alpha.1") }, ["up"]);
        expect(pre.status).toBe(3);
        expect(pre.stderr).toContain("is 3.260.0-alpha.1");
    });

    test("commands that run no engine are not checked: an old CLI still answers version and stack output", () => {
        const cli = cliOfVersion(path.join(dir, "old"), "3.200.0");
        expect(run([toolsDir(false)], { RAG_STACK_PULUMI: cli }, ["stack", "output", "--json"]).stdout.trim()).toBe("ran stack output --json");
        expect(run([toolsDir(false)], { RAG_STACK_PULUMI: cli }, ["config", "set", "mode", "up"]).stdout.trim()).toBe("ran config set mode up");
        expect(run([toolsDir(false)], { RAG_STACK_PULUMI: cli }, ["version"]).stdout.trim()).toBe("v3.200.0");
    });

    test("a CLI that reports no version is refused before an engine command", () => {
        executable(path.join(dir, "mute"), 'if [ "$1" = version ]; then exit 1; fi; echo "ran $*"');
        const r = run([toolsDir(false)], { RAG_STACK_PULUMI: path.join(dir, "mute") }, ["up"]);
        expect(r.status).toBe(3);
        expect(r.stderr).toContain("is of unknown version");
    });

    test("the npm launcher: its package's version is checked without running it; an older PULUMI_VERSION is refused before any download", () => {
        executable(path.join(dir, "pulumi-home", "versions", VERSION, "bin", "pulumi"), 'echo "cached $*"');
        const ok = run([toolsDir(true)], { PULUMI_HOME: path.join(dir, "pulumi-home") }, ["up"]);
        expect(ok.stdout.trim()).toBe("cached up");
        const old = run([toolsDir(true)], { PULUMI_HOME: path.join(dir, "empty-home"), PULUMI_VERSION: "3.250.0" }, ["preview"]);
        expect(old.status).toBe(3);
        expect(old.stderr).toContain("the CLI the pulumi npm package runs is 3.250.0. Unset PULUMI_VERSION");
        expect(old.stderr).not.toContain("will now download");
        expect(fs.existsSync(path.join(dir, "empty-home"))).toBe(false);
    });

    test("a requiredPulumiVersion of another form is named (exit 2), not silently skipped", () => {
        const project = path.join(dir, "project");
        fs.mkdirSync(path.join(project, "tools"), { recursive: true });
        fs.copyFileSync(WRAPPER, path.join(project, "tools", "pulumi.sh"));
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), 'name: x\nrequiredPulumiVersion: "^3.260.0"\n');
        const r = run([toolsDir(false)], { RAG_STACK_PULUMI: cliOfVersion(path.join(dir, "new"), "3.270.0") }, ["up"], path.join(project, "tools", "pulumi.sh"));
        expect(r.status).toBe(2);
        expect(r.stderr).toContain(`Pulumi.yaml's requiredPulumiVersion is "^3.260.0"; tools/pulumi.sh understands only ">=X.Y.Z"`);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: x\n");
        expect(run([toolsDir(false)], { RAG_STACK_PULUMI: path.join(dir, "new") }, ["up"], path.join(project, "tools", "pulumi.sh")).stdout.trim()).toBe("ran up");
    });
});

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
(hasShellcheck ? test : test.skip)("tools/pulumi.sh is POSIX sh, shellcheck-clean, with its header and set -eu", () => {
    const r = spawnSync("shellcheck", ["--shell=sh", "--format=gcc", WRAPPER], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    const text = fs.readFileSync(WRAPPER, "utf8");
    expect(text.startsWith("#!/bin/sh\n# ")).toBe(true);
    expect(text.split("\nset -eu\n")[0]).toMatch(/Environment:[\s\S]*Exit codes:/);
});
