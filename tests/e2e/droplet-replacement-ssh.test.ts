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
 * Linux and root only (ip netns, sshd); skipped with the reason elsewhere.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { remoteScript } from "../../components/hosts/remote-script";
import { dockerSshOptions, hostKeyToPin, SshAccess } from "../../components/hosts/ssh-access";
import { requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { NetnsSshd, netnsSshdUnavailable, startNetnsSshd } from "./support/netns-sshd";

const HOST_KEYS_SCRIPT = path.join(__dirname, "../../components/hosts/scripts/host-keys.sh");
const unavailable = netnsSshdUnavailable();
if (unavailable) console.warn(`droplet replacement SSH rehearsal skipped: ${unavailable}`);

/** Options only this rehearsal adds: ignore this machine's ~/.ssh/config, fail fast. */
const REHEARSAL_ONLY = ["-F", "/dev/null", "-o", "ConnectTimeout=5"];
const PING = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";

(unavailable ? describe.skip : describe)("a replaced droplet keeps its address, gets a new host key, and the same `up` reaches it", () => {
    let droplet: NetnsSshd;
    let access: SshAccess;
    let work = "";
    const target = () => `root@${droplet.address}`;

    function ssh(options: string[], remote: string[], input?: string): SpawnSyncReturns<string> {
        return spawnSync("ssh", [...REHEARSAL_ONLY, ...options, target(), ...remote], { input, encoding: "utf8", timeout: 20_000 });
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
    function providerPing(options: string[]): SpawnSyncReturns<string> {
        return ssh(options, ["docker", "system", "dial-stdio"], PING);
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
        expect(first.stderr).toBe("");
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
        expect(second.stderr).toBe("");
        expect(second.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
        const refresh = (Date.now() - refreshStarted) / 1000;
        console.log(`droplet replacement, SSH side: stale trust refused (both attempts: ${refusedAfter.toFixed(2)} s); ` +
            `host key re-read and pinned in ${rereadSeconds.toFixed(2)} s; with the engine pinged through the provider's ssh (dial-stdio) ${refresh.toFixed(2)} s`);
    }, 120_000);
});
