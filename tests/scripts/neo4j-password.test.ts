/**
 * Neo4j password: validation refuses what Neo4j refuses (under 8 characters), a changed password
 * reaches the database, and a store that keeps another password (an adopted volume, a new droplet
 * after a change) stops `up` before the backend with the way out. scripts/neo4j-password.sh runs as
 * a real process with a `docker` shim (inspect/exec of one container, `run` of a shell over a volume
 * directory) and a cypher-shell stand-in that holds the database's password
 * (tests/fixtures/neo4j/cypher-shell: no Neo4j image or Java can be had here). The volume check on
 * a real engine: tests/e2e/neo4j-store-check.test.ts.
 */
import { spawnSync } from "child_process";
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
        '# run --rm ... -v VOLUME:/data:ro IMAGE -c SCRIPT: the script over $NEO4J_STANDIN_DIR/volumes/VOLUME as /data',
        'run) vol=""; image=""; script=""; shift; while [ $# -gt 0 ]; do case "$1" in',
        '        -v) vol=${2%%:*}; shift 2 ;; -c) script=$2; shift 2 ;; --network|--entrypoint) shift 2 ;; -*) shift ;; *) image=$1; shift ;; esac; done',
        `    [ -e "$NEO4J_STANDIN_DIR/images/$image" ] || { echo "Unable to find image '$image' locally" >&2; exit 125; }`,
        '    d="$NEO4J_STANDIN_DIR/volumes/$vol"; mkdir -p "$d"',
        '    exec sh -c "$(printf "%s" "$script" | sed "s#/data/#$d/#g")" ;;',
        "esac",
        "",
    ].join("\n"), { mode: 0o755 });
    if (auth !== undefined) fs.writeFileSync(path.join(dir, "env"), `PATH=/var/lib/neo4j/bin:/usr/bin\nNEO4J_AUTH=${auth}\n`);
    fs.writeFileSync(path.join(dir, "password"), dbPassword);
    fs.mkdirSync(path.join(dir, "images"));
    fs.writeFileSync(path.join(dir, "images", IMAGE), "");
    return {
        dir,
        env: {
            PATH: `${bin}:${process.env.PATH}`, HOME: dir, NEO4J_STANDIN_DIR: dir,
            NEO4J_CONTAINER: CONTAINER, NEO4J_USER: "neo4j", RAG_NEO4J_WAIT_SECONDS: "3",
            NEO4J_VOLUME: VOLUME, NEO4J_IMAGE: IMAGE,
        },
    };
}
const VOLUME = "rag-stack-dev-neo4j-data";
const IMAGE = "neo4j:5.26.2-community";
/** What a started Neo4j 5 leaves in its volume: the system database (users, passwords) and the default one. */
function existingStore(dir: string, layout: "neo4j-5" | "neo4j-3.5" = "neo4j-5"): void {
    const data = path.join(dir, "volumes", VOLUME);
    if (layout === "neo4j-5") {
        for (const db of ["system", "neo4j"]) fs.mkdirSync(path.join(data, "databases", db), { recursive: true });
        fs.mkdirSync(path.join(data, "dbms"), { recursive: true });
        fs.writeFileSync(path.join(data, "dbms", "auth.ini"), "neo4j:SHA-256,...:\n");
    } else {
        fs.mkdirSync(path.join(data, "dbms"), { recursive: true });
        fs.writeFileSync(path.join(data, "dbms", "auth"), "neo4j:SHA-256,...:\n");
    }
}
/** The container the engine created after the sync, with NEO4J_AUTH from the configured password. */
const containerCreated = (dir: string, password: string) =>
    fs.writeFileSync(path.join(dir, "env"), `PATH=/var/lib/neo4j/bin:/usr/bin\nNEO4J_AUTH=neo4j/${password}\n`);
const dbPassword = (dir: string) => fs.readFileSync(path.join(dir, "password"), "utf8");

test("first up: no container yet and an empty volume, nothing to change (NEO4J_AUTH initialises the new database)", async () => {
    const { env } = neo4j(undefined, "unused-1");
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "first-password" }, 20_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("no container rag-stack-dev-neo4j yet and volume rag-stack-dev-neo4j-data holds no database: the new one takes the password from NEO4J_AUTH");
});

test.each(["neo4j-5", "neo4j-3.5"] as const)("no container yet but a %s store on the volume (a new droplet, an adopted volume): it says NEO4J_AUTH will not apply and leaves it to the check", async (layout) => {
    const { dir, env } = neo4j(undefined, "the-store-password");
    existingStore(dir, layout);
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("no container rag-stack-dev-neo4j yet, but volume rag-stack-dev-neo4j-data holds a database: NEO4J_AUTH does not change its password");
    expect(r.stderr).toContain("once Neo4j runs, up checks that it is the configured one");
    expect(fs.readFileSync(path.join(dir, "docker-argv"), "utf8")).toMatch(/^run --rm --network none --entrypoint sh -v rag-stack-dev-neo4j-data:\/data:ro,nocopy neo4j:5\.26\.2-community -c /m);
});

test("no container, and the volume cannot be looked into (no image): says so, still leaves it to the check", async () => {
    const { dir, env } = neo4j(undefined, "the-store-password");
    fs.rmSync(path.join(dir, "images", IMAGE));
    const r = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("whether its volume holds a database is unknown (docker run in volume rag-stack-dev-neo4j-data failed: Unable to find image");
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
    expect(again.stderr).toContain("the database accepts the configured password of neo4j");
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

describe("check, once Neo4j is healthy: the database must accept the configured password", () => {
    const CHECK = `${SCRIPT} check`;

    test("accepted: exit 0, one RETURN 1, nothing altered", async () => {
        const { dir, env } = neo4j("neo4j/configured-pw-1", "configured-pw-1");
        const r = await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "configured-pw-1" }, 20_000);
        expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 0, stderr: "neo4j: the database accepts the configured password of neo4j" });
        expect(fs.readFileSync(path.join(dir, "statements"), "utf8")).toBe("RETURN 1;\n");
    });

    test("an adopted volume with another password: exit 7 with both ways out, the password never printed, one failed login only", async () => {
        const { dir, env } = neo4j("neo4j/stack-password-1", "compose-era-password");
        const r = await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "stack-password-1" }, 20_000);
        expect(r.code).toBe(7);
        expect(r.stderr).toContain("neo4j: the database in rag-stack-dev-neo4j refuses the configured password of neo4j: The client is unauthorized due to authentication failure.");
        expect(r.stderr).toContain("NEO4J_AUTH sets a password only on an empty store, so it keeps the password it has");
        expect(r.stderr).toContain("set rag-stack:neo4jPassword to the database's password (pulumi config set --secret neo4jPassword ...)");
        expect(r.stderr).toContain("docker exec -it rag-stack-dev-neo4j cypher-shell -u neo4j -d system");
        expect(r.stdout + r.stderr).not.toMatch(/stack-password-1|compose-era-password/);
        expect(fs.readFileSync(path.join(dir, "failed-logins"), "utf8")).toMatch(/^1 /);
        expect(dbPassword(dir)).toBe("compose-era-password");
    });

    test("Neo4j not answering yet: a bounded wait, then exit 7 naming the container", async () => {
        const { dir, env } = neo4j("neo4j/configured-pw-1", "configured-pw-1");
        fs.writeFileSync(path.join(dir, "down"), "");
        const started = Date.now();
        const r = await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "configured-pw-1" }, 20_000);
        expect(r.code).toBe(7);
        expect(r.stderr).toContain("rag-stack-dev-neo4j did not answer within 3s: Unable to connect to localhost:7687");
        expect(Date.now() - started).toBeLessThan(10_000);
    });

    test("a password changed while the store had no container: sync lets it pass, check refuses it; both ways out then work", async () => {
        // Parked (or destroyed) with the store's password "old-password-1"; the config now says "new-password-1".
        const { dir, env } = neo4j(undefined, "old-password-1");
        existingStore(dir);
        expect((await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000)).code).toBe(0);
        containerCreated(dir, "new-password-1");
        const refused = await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000);
        expect(refused.code).toBe(7);
        expect(refused.stderr).toContain("Its store is not new");

        // Way out 1: the config back to the store's password; up replaces Neo4j with it; then change it with the stack.
        expect((await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "old-password-1" }, 20_000)).code).toBe(0);
        containerCreated(dir, "old-password-1");
        expect((await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "old-password-1" }, 20_000)).code).toBe(0);
        const change = await runCommand(SCRIPT, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000);
        expect(change.stderr).toContain("password changed");
        containerCreated(dir, "new-password-1");
        expect((await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000)).code).toBe(0);
        expect(dbPassword(dir)).toBe("new-password-1");
    });

    test("way out 2: the password changed in the database by hand (cypher-shell, ALTER CURRENT USER), then check passes", async () => {
        const { dir, env } = neo4j("neo4j/new-password-1", "old-password-1");
        expect((await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000)).code).toBe(7);
        const byHand = spawnSync("docker", ["exec", "-i", CONTAINER, "cypher-shell", "-u", "neo4j", "-d", "system"], {
            input: "ALTER CURRENT USER SET PASSWORD FROM 'old-password-1' TO 'new-password-1';\n",
            env: { ...env, NEO4J_PASSWORD: "old-password-1" }, encoding: "utf8",
        });
        expect(byHand.status).toBe(0);
        expect((await runCommand(CHECK, { ...env, NEO4J_NEW_PASSWORD: "new-password-1" }, 20_000)).code).toBe(0);
    });
});

test("the stand-in locks a user out as Neo4j does: 3 wrong passwords in a row, then 5 s refused even with the right one", async () => {
    const { dir, env } = neo4j("neo4j/right-password", "right-password");
    const shell = (password: string) => spawnSync(path.join(dir, "bin", "cypher-shell"), ["-d", "system"], {
        input: "RETURN 1;\n", env: { ...env, NEO4J_PASSWORD: password }, encoding: "utf8",
    });
    for (let i = 0; i < 3; i++) expect(shell("wrong-password").stderr).toBe("The client is unauthorized due to authentication failure.\n");
    const locked = shell("right-password");
    expect({ status: locked.status, stderr: locked.stderr }).toEqual({ status: 1, stderr: "The client has provided incorrect authentication details too many times in a row.\n" });
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    expect(shell("right-password").stdout).toBe("1\n1\n");
}, 20_000);
