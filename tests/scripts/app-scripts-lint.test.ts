/**
 * The app's scripts (components/app/scripts) follow the same rules as Ollama's: POSIX sh,
 * shellcheck-clean, a header saying what they need and how they exit, `set -eu`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { APP_SCRIPTS_DIR } from "../../components/app/scripts";

const scripts = fs.readdirSync(APP_SCRIPTS_DIR).filter((f) => f.endsWith(".sh")).sort();
const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

test("there are scripts to check", () => {
    expect(scripts).toEqual(expect.arrayContaining(["neo4j-password.sh"]));
});

(hasShellcheck ? test : test.skip)("shellcheck passes on every app script", () => {
    const res = spawnSync("shellcheck", ["--shell=sh", "--format=gcc", ...scripts], { cwd: APP_SCRIPTS_DIR, encoding: "utf8" });
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
});

test.each(scripts)("%s: header (environment, exit codes) and set -eu", (file) => {
    const text = fs.readFileSync(path.join(APP_SCRIPTS_DIR, file), "utf8");
    expect(text.startsWith("#!/bin/sh\n# ")).toBe(true);
    const header = text.split("\nset -eu\n")[0];
    expect(header).toMatch(/Environment/);
    expect(header).toMatch(/Exit codes/);
});
