/**
 * verify's way into a container, with the real HTTP clients: the Ollama client's requests go
 * through containerFetch (tools/verify/container-client.ts) to curl, wget, python3 and node,
 * against the stand-in Ollama on loopback. A stand-in `docker` runs
 * `docker exec [-i] <container> <command...>` here, so the clients, their output and its timing
 * are real; the e2e suites do the same through a real container (busybox wget and node).
 *
 * Proves, for every client: the version through the client; a generation streamed line by line
 * (the first token arrives long before the last, as Ollama sends it); Ollama's error answer with
 * its status; a missing client, one that crashes (as Debian's static busybox wget does with -T)
 * and a refused connection said as such.
 */
import * as fs from "fs";
import * as path from "path";
import { ContainerClient } from "../../tools/verify/container-client";
import { DockerCli } from "../../tools/verify/docker";
import { findClientInContainer, ollamaFromContainer } from "../../tools/verify/ollama-client";
import { answers, freePort, Sandbox, STANDIN, waitFor } from "./support/native";

jest.setTimeout(60_000);

const MODEL = "qwen2.5:7b-instruct-q8_0";
let box: Sandbox;
let docker: DockerCli;
let savedPath: string | undefined;

/**
 * `docker exec [-i] <container> <command...>` run here, in the PATH given by the container's name;
 * its exit status as docker's (a command killed by signal N: 128+N).
 */
const STANDIN_DOCKER = `#!/usr/bin/env node
// Stand-in docker CLI for tests: runs "docker exec [-i] <container> <command...>" on this machine,
// with the PATH the container's name selects; exits as docker does (killed by signal N: 128+N).
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const args = process.argv.slice(2);
if (args.shift() !== "exec") { process.stderr.write("stand-in docker: only exec\\n"); process.exit(2); }
if (args[0] === "-i") args.shift();
const container = args.shift();
const env = { ...process.env, PATH: path.join(process.env.RAG_TEST_PATHS, container) + ":" + process.env.PATH };
const child = spawn(args[0], args.slice(1), { stdio: "inherit", env });
child.on("error", (e) => { process.stderr.write("exec: " + args[0] + ": executable file not found in $PATH\\n"); process.exit(127); });
child.on("exit", (code, signal) => process.exit(signal ? 128 + os.constants.signals[signal] : code));
`;

/** A directory of stand-in clients (container name = directory), each a shell script. */
function clients(name: string, scripts: Record<string, string>): string {
    const dir = path.join(process.env.RAG_TEST_PATHS as string, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [client, script] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, client), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return name;
}

const notFound = (c: string) => `echo "sh: ${c}: not found" >&2; exit 127`;

beforeAll(async () => {
    box = await new Sandbox().init();
    box.spawn(STANDIN, ["serve"], {
        OLLAMA_HOST: `127.0.0.1:${box.port}`, OLLAMA_MODELS: box.models, STANDIN_PRELOADED_MODELS: MODEL,
        // 10 tokens at 20 tokens/s: half a second between the first token and the last.
        STANDIN_TOKENS_PER_SECOND: "20",
    });
    expect(await waitFor(() => answers(box.url), 10_000)).toBe(true);
    box.fake("docker", STANDIN_DOCKER);
    const paths = path.join(box.dir, "paths");
    // "plain": this machine's own clients (curl, GNU wget, python3, node).
    fs.mkdirSync(path.join(paths, "plain"), { recursive: true });
    process.env.RAG_TEST_PATHS = paths;
    savedPath = process.env.PATH;
    process.env.PATH = `${box.bin}:${process.env.PATH}`;
    docker = new DockerCli(undefined);
});

afterAll(async () => {
    process.env.PATH = savedPath;
    delete process.env.RAG_TEST_PATHS;
    await box?.cleanup();
});

const CLIENTS_HERE: ContainerClient[] = ["curl", "wget", "python3", "node"];

describe.each(CLIENTS_HERE)("%s", (client) => {
    const ollama = () => ollamaFromContainer(docker, "plain", client, box.url);

    test("the version, through the Ollama client", async () => {
        expect(await ollama().version(10_000)).toBe("0.12.6");
    });

    test("a generation streams: the first token arrives as Ollama sends it, not when the answer ends", async () => {
        const g = await ollama().generate({ model: MODEL, prompt: "Say OK.", options: { num_predict: 10 } }, 20_000);
        expect(g.stats?.evalCount).toBe(10);
        expect(g.text.length).toBeGreaterThan(0);
        // 10 tokens at 20/s: about 450 ms from the first token to the last.
        expect(g.elapsedMs - (g.ttftMs as number)).toBeGreaterThan(300);
    });

    test("Ollama's error answer: its status and message (GNU wget -q says only exit 8)", async () => {
        const refused = ollama().generate({ model: "no-such-model:1b", prompt: "x" }, 10_000);
        if (client === "wget") {
            // GNU wget -q prints nothing for an error status; busybox's wget names it (unit tests).
            await expect(refused).rejects.toMatchObject({ detail: "wget: exit 8 (inside plain)" });
        } else {
            await expect(refused).rejects.toMatchObject({ kind: "http", status: 404, detail: '/api/generate answered HTTP 404: model "no-such-model:1b" not found, try pulling it first' });
        }
    });
});

test("the client search: a missing client and one that crashes are passed over; a refused connection stops it (another client would fail the same way)", async () => {
    // No curl or python there, a wget that dies of SIGSEGV: the search lands on node.
    const container = clients("node-only", { curl: notFound("curl"), wget: "kill -SEGV $$", python3: notFound("python3"), python: notFound("python") });
    const found = await findClientInContainer(docker, container, box.url, 10_000);
    expect(found.working).toBe("node");
    expect(found.version).toBe("0.12.6");
    expect(found.attempts.map((a) => `${a.client}:${a.outcome}`)).toEqual(["curl:missing", "wget:crashed", "python3:missing", "python:missing", "node:answered"]);
    expect(found.attempts[1].detail).toBe("wget: crashed (exit 139, signal 11) without an answer");

    const closed = await freePort();
    const refused = await findClientInContainer(docker, "plain", `http://127.0.0.1:${closed}`, 10_000);
    expect(refused.working).toBeUndefined();
    expect(refused.attempts).toEqual([expect.objectContaining({ client: "curl", outcome: "failed", kind: "refused" })]);
});
