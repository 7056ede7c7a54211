/**
 * Neo4j password: validation refuses what Neo4j refuses (under 8 characters), and a changed
 * password reaches the database. scripts/neo4j-password.sh runs as a real process with a `docker`
 * shim (inspect/exec of one container) and a cypher-shell stand-in that holds the database's
 * password (tests/fixtures/neo4j/cypher-shell: no Neo4j image or Java can be had here).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile } from "../../components/config";
import { PROJECT_ROOT, renderStack } from "../../tools/render";
import { runCommand } from "../scripts/support/native";

const SCRIPT = "sh components/app/scripts/neo4j-password.sh";
const CONTAINER = "rag-stack-dev-neo4j";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function problemsWith(text: string): string[] {
    try {
        parseProfile("dev", { ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal" } },
            { neo4jPassword: { value: pulumi.output(text), isSecret: true, text } }, {});
        return [];
    } catch (err) {
        return (err as ConfigError).problems;
    }
}

test("validation: 7 characters refused with Neo4j's minimum, without echoing the password; 8 accepted", () => {
    const problems = problemsWith("s3cr3t!");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rag-stack:neo4jPassword: a password of 7 characters is not allowed; Neo4j refuses passwords shorter than 8/);
    expect(problems[0]).not.toContain("s3cr3t!");
    expect(problemsWith("s3cr3t!!")).toEqual([]);
});

test("the real program refuses a short secret at start (loadProfile reads its length)", async () => {
    await expect(renderStack({ stack: "dev", secrets: { neo4jPassword: "short" } }))
        .rejects.toThrow(/neo4jPassword: a password of 5 characters is not allowed/);
}, 30_000);

/** A Neo4j "container": its NEO4J_AUTH (what inspect shows) and the database's current password. */
function neo4j(auth: string | undefined, dbPassword: string): { dir: string; env: Record<string, string> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-neo4j-"));
    dirs.push(dir);
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(path.join(PROJECT_ROOT, "tests/fixtures/neo4j/cypher-shell"), path.join(bin, "cypher-shell"));
    fs.writeFileSync(path.join(bin, "docker"), [
        "#!/bin/sh",
        "# docker shim: inspect and exec of one container whose state is in $NEO4J_STANDIN_DIR",
        'printf "%s\\n" "$*" >> "$NEO4J_STANDIN_DIR/docker-argv"',
        'for last in "$@"; do :; done',
        'case "$1" in',
        `inspect) { [ "$last" = ${CONTAINER} ] && [ -f "$NEO4J_STANDIN_DIR/env" ]; } || { echo "Error: No such container: $last" >&2; exit 1; }`,
        '    case "$*" in *--format*) cat "$NEO4J_STANDIN_DIR/env" ;; *) echo "[{}]" ;; esac ;;',
        'exec) shift; while [ $# -gt 0 ]; do case "$1" in -i) shift ;; -e) shift 2 ;; *) break ;; esac; done',
        `    [ "$1" = ${CONTAINER} ] || exit 1; shift; exec "$@" ;;`,
        "esac",
        "",
    ].join("\n"), { mode: 0o755 });
    if (auth !== undefined) fs.writeFileSync(path.join(dir, "env"), `PATH=/var/lib/neo4j/bin:/usr/bin\nNEO4J_AUTH=${auth}\n`);
    fs.writeFileSync(path.join(dir, "password"), dbPassword);
    return {
        dir,
        env: {
            PATH: `${bin}:${process.env.PATH}`, HOME: dir, NEO4J_STANDIN_DIR: dir,
            NEO4J_CONTAINER: CONTAINER, NEO4J_USER: "neo4j", RAG_NEO4J_WAIT_SECONDS: "3",
        },
    };
}
const dbPassword = (dir: string) => fs.readFileSync(path.join(dir, "password"), "utf8");

test("first up: no container yet, nothing to change (NEO4J_AUTH initialises the new database)", async () => {
    const { env } = neo4j(undefined, "unused-1");
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "first-password" }, 20_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("no container rag-stack-dev-neo4j yet");
});

test("unchanged password: checked, nothing altered", async () => {
    const { dir, env } = neo4j("neo4j/same-password", "same-password");
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "same-password" }, 20_000);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "statements"), "utf8")).not.toContain("ALTER");
});

test("changed password (with quotes, backslash, $ and /): the database gets it from the old one in NEO4J_AUTH; no password on any command line", async () => {
    const oldPw = "old/pa$$'word";
    const newPw = "n3w 'pass\\word\" $HOME";
    const { dir, env } = neo4j(`neo4j/${oldPw}`, oldPw);
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: newPw }, 20_000);
    expect(r.stderr).toContain("password changed");
    expect(r.code).toBe(0);
    expect(dbPassword(dir)).toBe(newPw);
    expect(fs.readFileSync(path.join(dir, "statements"), "utf8")).toContain("ALTER CURRENT USER SET PASSWORD FROM '***' TO '***';");
    const argv = fs.readFileSync(path.join(dir, "docker-argv"), "utf8");
    expect(argv).not.toContain("pa$$");
    expect(argv).not.toContain("n3w");
    expect(r.stdout + r.stderr).not.toContain("n3w");
    // A second run (a retried up) finds the new password in place.
    const again = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: newPw }, 20_000);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already has the configured password");
});

test("a database that refuses both (an adopted volume with its own password): exit 7 with the manual procedure", async () => {
    const { dir, env } = neo4j("neo4j/stack-old-password", "compose-era-password");
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "stack-new-password" }, 20_000);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("the change failed");
    expect(r.stderr).toContain("ALTER CURRENT USER SET PASSWORD FROM");
    expect(dbPassword(dir)).toBe("compose-era-password");
});

test("Neo4j not answering: bounded wait, then exit 7", async () => {
    const { dir, env } = neo4j("neo4j/old-password-1", "old-password-1");
    fs.writeFileSync(path.join(dir, "down"), "");
    const started = Date.now();
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("did not answer within 3s");
    expect(Date.now() - started).toBeLessThan(10_000);
});
