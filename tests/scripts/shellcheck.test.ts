/**
 * Every script behind a command resource is POSIX sh, passes shellcheck, and says what it does,
 * what it needs and how it exits. CI installs shellcheck (Debian package `shellcheck`); without it
 * the lint test is skipped with a message, never silently passed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SCRIPTS_DIR } from "../../components/ollama/scripts";

const scripts = fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith(".sh")).sort();
const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

test("there are scripts to check", () => {
    expect(scripts).toEqual(expect.arrayContaining([
        "native-start.sh", "native-stop.sh", "native-restart.sh", "native-pull-model.sh", "native-gpu-check.sh", "native-lib.sh",
    ]));
});

(hasShellcheck ? test : test.skip)("shellcheck (POSIX sh, following sourced files) passes on every script", () => {
    const res = spawnSync("shellcheck", ["--shell=sh", "--external-sources", "--format=gcc", ...scripts], { cwd: SCRIPTS_DIR, encoding: "utf8" });
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
});
if (!hasShellcheck) {
    test("shellcheck is missing", () => {
        console.warn("shellcheck not installed: lint skipped. Install it: apt-get install shellcheck (CI does)");
    });
}

test.each(scripts.filter((f) => f !== "native-lib.sh"))("%s: header (environment, exit codes) and set -eu", (file) => {
    const text = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
    expect(text.startsWith("#!/bin/sh\n# ")).toBe(true);
    const header = text.split("\nset -eu\n")[0];
    expect(header).toMatch(/Environment/);
    expect(header).toMatch(/Exit codes/);
    expect(text).toContain("\nset -eu\n");
});

test("no script stops a process by name", () => {
    for (const file of scripts) {
        const code = fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8").split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
        expect(code).not.toMatch(/\b(pkill|killall|pgrep)\b/);
    }
});

test("the tools the native scripts and their tests need are installed (Debian: curl, procps, util-linux, python3)", () => {
    const missing = ["curl", "ps", "setsid", "nohup", "python3", "awk", "sed"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
    if (missing.length > 0) throw new Error(`missing on this machine: ${missing.join(", ")}; install them (apt-get install curl procps util-linux python3)`);
});
