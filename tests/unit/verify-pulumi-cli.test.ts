/**
 * `npm run verify` tells its CLI failures apart: no CLI, the npm launcher unable to download the CLI
 * (offline), a working CLI without the stack, a stack never deployed. Each through the real
 * tools/pulumi.sh and readPulumiOutputs, with a stand-in `pulumi` (RAG_STACK_PULUMI) that prints
 * what the real one prints in that situation.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OutputsError, readPulumiOutputs } from "../../tools/verify/outputs";

let dir: string;
beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-verify-cli-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function standin(name: string, script: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return file;
}

async function problemWith(pulumi: string): Promise<string> {
    try {
        await readPulumiOutputs("dev", 10_000, dir, { ...process.env, RAG_STACK_PULUMI: pulumi });
    } catch (err) {
        expect(err).toBeInstanceOf(OutputsError);
        return (err as OutputsError).problems.join("\n");
    }
    throw new Error("expected a failure");
}

test("a working CLI without the stack: says the stack does not exist (not that the CLI is missing)", async () => {
    const problem = await problemWith(standin("no-stack", "echo \"error: no stack named 'dev' found\" >&2; exit 255"));
    expect(problem).toMatch(/^the Pulumi CLI works, but stack "dev" does not exist in this project's backend; list the stacks with `npm run pulumi -- stack ls`, create it with `npm run pulumi -- stack init dev`/);
    expect(problem).not.toMatch(/not installed/);
});

test("the npm launcher offline: says the CLI could not be downloaded, with pulumi's own words", async () => {
    const problem = await problemWith(standin("offline", "echo 'Downloading pulumi v3.265.0...' >&2; echo 'pulumi: fetch failed' >&2; exit 1"));
    expect(problem).toMatch(/^the Pulumi CLI is not installed and the pulumi npm package could not download it \(no network\?\): Downloading pulumi v3\.265\.0\.\.\. pulumi: fetch failed; install the CLI/);
});

test("no CLI at all: says it is not installed and how to go on without it", async () => {
    const problem = await problemWith(path.join(dir, "does-not-exist"));
    expect(problem).toMatch(/^the Pulumi CLI is not installed here/);
    expect(problem).toContain("--outputs outputs.json");
});

test("a stack that exists but was never deployed: says so instead of listing missing outputs", async () => {
    expect(await problemWith(standin("empty", "echo '{}'"))).toBe(
        'stack "dev" exists but has no outputs: it has not been deployed yet; run `npm run pulumi -- up --stack dev` first');
});

test("any other failure keeps pulumi's last lines", async () => {
    expect(await problemWith(standin("other", "echo 'error: something else broke' >&2; exit 3"))).toMatch(
        /^pulumi stack output failed \(exit 3\): error: something else broke; or, where the CLI cannot run/);
});
