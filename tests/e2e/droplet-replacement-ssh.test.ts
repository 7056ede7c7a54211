/**
 * Droplet replacement, SSH side, rehearsed for real: a real sshd in a network namespace stands in
 * for the droplet behind its reserved IP, and is replaced by one with a new host key on the same
 * address. The steps are the stack's own, in the engine's order for a replacement:
 *   1. host-keys.sh runs over SSH the way remote.Command runs it (host key ignored) and reports the
 *      droplet's key; the Docker provider's ssh options pin it (dockerSshOptions);
 *   2. the provider's ssh carries `docker system dial-stdio` to the Docker engine and gets its
 *      `/_ping` answer, as the provider does for every Docker call;
 *   3. the droplet is replaced: the same address answers with a new host key;
 *   4. the old design (StrictHostKeyChecking=accept-new with a known_hosts) and the stale pin are
 *      both refused: the defect, reproduced;
 *   5. host-keys.sh runs again (its trigger is the droplet id), the new pin is made, and the same
 *      ssh invocation, with the refreshed pin, reaches the engine again: replacement in one `up`.
 * A second rehearsal authenticates with a passphrase-protected key held by a real ssh-agent: the
 * pre-flight check refuses it until `ssh-add`, then the provider's exact options (BatchMode) reach
 * the engine through the agent, and without the agent they are refused instead of prompting.
 * Linux and root only (ip netns, sshd); skipped with the reason elsewhere.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { remoteScript } from "../../components/hosts/remote-script";
import { checkSshAccess, dockerSshOptions, hostKeyToPin, SshAccess } from "../../components/hosts/ssh-access";
import { requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { NetnsSshd, netnsSshdUnavailable, startNetnsSshd } from "./support/netns-sshd";

const HOST_KEYS_SCRIPT = path.join(__dirname, "../../components/hosts/scripts/host-keys.sh");
const unavailable = netnsSshdUnavailable();
if (unavailable) console.warn(`droplet replacement SSH rehearsal skipped: ${unavailable}`);

/** Options only this rehearsal adds: ignore this machine's ~/.ssh/config, fail fast. */
const REHEARSAL_ONLY = ["-F", "/dev/null", "-o", "ConnectTimeout=5"];
const PING = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";

/**
 * stderr of `docker system dial-stdio`, minus the one line docker logs when it loses a teardown race:
 * the engine closes the stream after answering (Connection: close) while the stdin copier is still
 * finishing, and the copier's deferred CloseWrite logs "error while CloseWrite (stdin to stream): ...
 * use of closed network connection" (docker/cli cli/command/system/dial_stdio.go, `copier`). The exit
 * status and the answer are unaffected, and the Docker provider only logs that stderr. Anything else
 * (an ssh warning, a host key prompt, an auth failure) stays and fails the test.
 */
function dialStdioStderr(stderr: string): string {
    const benignTeardown = /^time="[^"]*" level=error msg="error while Close(Write|Read) \((stdin to stream|stream to stdout)\): [^"]*use of closed network connection"$/;
    return stderr.split("\n").filter((line) => line !== "" && !benignTeardown.test(line)).join("\n");
}

(unavailable ? describe.skip : describe)("a replaced droplet keeps its address, gets a new host key, and the same `up` reaches it", () => {
    let droplet: NetnsSshd;
    let access: SshAccess;
    let work = "";
    const target = () => `root@${droplet.address}`;

    function ssh(options: string[], remote: string[], input?: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
        return spawnSync("ssh", [...REHEARSAL_ONLY, ...options, target(), ...remote], { input, encoding: "utf8", timeout: 20_000, env });
    }

    /** What remote.Command does: host key ignored (pulumi-command connection.go), the script on stdin. */
    function readHostKeys(): string {
        const script = remoteScript(HOST_KEYS_SCRIPT, { HOST_KEYS_DIR: droplet.hostKeysDir() });
        const r = ssh(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-i", droplet.clientKey, "-o", "LogLevel=ERROR"],
            [script.create], script.stdin);
        if (r.status !== 0) throw new Error(`host-keys.sh over ssh failed (${r.status}): ${r.stderr}`);
        return r.stdout;
    }

    /** The Docker provider's ssh: its options, then `docker system dial-stdio`, a ping through it. */
    function providerPing(options: string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
        return ssh(options, ["docker", "system", "dial-stdio"], PING, env);
    }

    beforeAll(async () => {
        requireDockerEngine();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-replace-"));
        droplet = await startNetnsSshd(RUN_ID);
        access = { method: "key-file", keyFile: droplet.clientKey, description: "rehearsal key" };
    }, 60_000);

    afterAll(async () => {
        await droplet?.destroy();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    }, 60_000);

    test("replacement: stale trust is refused, the refreshed pin reaches the engine in the same run", async () => {
        // 1-2. The first droplet: its key read on it, pinned, the engine reached through the provider's ssh.
        const firstKey = hostKeyToPin(readHostKeys());
        expect(firstKey?.type).toBe("ssh-ed25519");
        const firstOptions = dockerSshOptions(access, droplet.address, firstKey!);
        const first = providerPing(firstOptions);
        expect(first.status).toBe(0);
        expect(dialStdioStderr(first.stderr)).toBe("");
        expect(first.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
        expect(first.stdout.trim().endsWith("OK")).toBe(true);
        // The old design, before the replacement: accept-new records the first key in a known_hosts.
        const knownHosts = path.join(work, "known_hosts");
        const oldDesign = ["-o", "StrictHostKeyChecking=accept-new", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "BatchMode=yes", "-i", droplet.clientKey];
        expect(ssh(oldDesign, ["true"]).status).toBe(0);

        // 3. The droplet is replaced behind the same address.
        await droplet.replace();
        const started = Date.now();

        // 4. The old design refuses it (the defect), and so does the stale pin: nothing talks to an unverified host.
        const old = ssh(oldDesign, ["true"]);
        expect(old.status).toBe(255);
        expect(old.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
        const stale = providerPing(firstOptions);
        expect(stale.status).toBe(255);
        expect(stale.stderr).toMatch(/Host key verification failed/);
        expect(stale.stdout).toBe("");

        const refusedAfter = (Date.now() - started) / 1000;

        // 5. host-keys.sh again (the new droplet id re-runs it), a new pin, the same invocation succeeds.
        const refreshStarted = Date.now();
        const secondKey = hostKeyToPin(readHostKeys());
        expect(secondKey?.key).not.toBe(firstKey?.key);
        const secondOptions = dockerSshOptions(access, droplet.address, secondKey!);
        const rereadSeconds = (Date.now() - refreshStarted) / 1000;
        expect(secondOptions.filter((o) => o.startsWith("KnownHostsCommand="))).not.toEqual(firstOptions.filter((o) => o.startsWith("KnownHostsCommand=")));
        const second = providerPing(secondOptions);
        expect(second.status).toBe(0);
        expect(dialStdioStderr(second.stderr)).toBe("");
        expect(second.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
        const refresh = (Date.now() - refreshStarted) / 1000;
        console.log(`droplet replacement, SSH side: stale trust refused (both attempts: ${refusedAfter.toFixed(2)} s); ` +
            `host key re-read and pinned in ${rereadSeconds.toFixed(2)} s; with the engine pinged through the provider's ssh (dial-stdio) ${refresh.toFixed(2)} s`);
    }, 120_000);
});


(unavailable ? describe.skip : describe)("a passphrase-protected key through ssh-agent: the provider's ssh in BatchMode uses it, never asks", () => {
    let droplet: NetnsSshd;
    let agent: ChildProcess | undefined;
    let work = "";

    beforeAll(async () => {
        requireDockerEngine();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-agent-"));
        droplet = await startNetnsSshd(`${RUN_ID}a`);
        agent = spawn("ssh-agent", ["-D", "-a", path.join(work, "agent.sock")], { stdio: "ignore" });
        for (let i = 0; i < 50 && !fs.existsSync(path.join(work, "agent.sock")); i++) await new Promise((r) => setTimeout(r, 100));
    }, 60_000);

    afterAll(async () => {
        if (agent?.pid !== undefined && agent.exitCode === null) agent.kill("SIGTERM");
        await droplet?.destroy();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    }, 60_000);

    test("checked before anything is created, then the same options reach the engine; without the agent, BatchMode refuses", () => {
        const key = path.join(work, "id_ed25519");
        spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "a passphrase", "-C", "operator@laptop", "-f", key]);
        const publicKey = fs.readFileSync(`${key}.pub`, "utf8").trim();
        droplet.authorize(publicKey);
        const agentEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SSH_AUTH_SOCK: path.join(work, "agent.sock") };
        const settings = { sshPublicKey: publicKey, sshKeyFingerprints: [], sshPrivateKeyPath: key };

        // Not in the agent yet: refused before anything is bought, with the command to run.
        expect(checkSshAccess(settings, agentEnv).problems).toEqual([expect.stringMatching(/is protected by a passphrase and ssh-agent does not hold it; run: ssh-add/)]);
        fs.writeFileSync(path.join(work, "askpass"), '#!/bin/sh\necho "a passphrase"\n', { mode: 0o700 });
        const added = spawnSync("ssh-add", [key], { env: { ...agentEnv, SSH_ASKPASS: path.join(work, "askpass"), SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0" }, encoding: "utf8", timeout: 10_000 });
        expect(added.status).toBe(0);
        const checked = checkSshAccess(settings, agentEnv);
        expect(checked.problems).toEqual([]);
        expect(checked.access).toMatchObject({ method: "agent", keyFile: key });

        const hostKeys = spawnSync("ssh", [...REHEARSAL_ONLY, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            `root@${droplet.address}`, remoteScript(HOST_KEYS_SCRIPT, { HOST_KEYS_DIR: droplet.hostKeysDir() }).create],
        { input: fs.readFileSync(HOST_KEYS_SCRIPT, "utf8"), env: agentEnv, encoding: "utf8", timeout: 20_000 });
        expect(hostKeys.status).toBe(0);
        const options = dockerSshOptions(checked.access!, droplet.address, hostKeyToPin(hostKeys.stdout)!);
        const run = (env: NodeJS.ProcessEnv) => spawnSync("ssh", [...REHEARSAL_ONLY, ...options, `root@${droplet.address}`, "docker", "system", "dial-stdio"],
            { input: PING, env, encoding: "utf8", timeout: 20_000 });
        const viaAgent = run(agentEnv);
        expect(viaAgent.status).toBe(0);
        expect(dialStdioStderr(viaAgent.stderr)).toBe("");
        expect(viaAgent.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
        const noAgent = run({ PATH: process.env.PATH, HOME: process.env.HOME });
        expect(noAgent.status).toBe(255);
        expect(noAgent.stderr).toMatch(/Permission denied \(publickey\)/);
    }, 120_000);
});
