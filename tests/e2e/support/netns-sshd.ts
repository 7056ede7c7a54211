/**
 * A stand-in droplet for SSH: a real OpenSSH server (Debian's openssh-server) in a network namespace
 * this run creates, reached over a veth pair at a fixed address, as the reserved IP is. `replace()`
 * stops it and starts a new one with a new host key on the same address: what a droplet replacement
 * does behind a reserved IP. The namespace shares this machine's files, so `docker system
 * dial-stdio` run through it reaches this machine's Docker engine, as on a droplet.
 *
 * Needs root (ip netns, sshd). Everything is named with the run's id, every wait is bounded, and
 * `destroy()` stops the sshd by its PID and deletes the namespace (which removes the veth pair).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const SSHD = "/usr/sbin/sshd";

/** Why this machine cannot run the stand-in, or undefined when it can. */
export function netnsSshdUnavailable(): string | undefined {
    if (process.platform !== "linux") return "Linux network namespaces are needed";
    if (process.getuid?.() !== 0) return "root is needed for ip netns and sshd";
    if (!fs.existsSync(SSHD)) return "sshd is missing (apt-get install openssh-server)";
    if (spawnSync("ip", ["netns", "list"]).status !== 0) return "ip netns does not work here (apt-get install iproute2)";
    return undefined;
}

export interface NetnsSshd {
    /** The address clients dial (the "reserved IP"). */
    address: string;
    /** Private key (unencrypted ed25519) the server accepts for root. */
    clientKey: string;
    /** Lets root log in with one more public key line. */
    authorize: (publicKeyLine: string) => void;
    /** Directory holding the current server's ssh_host_ed25519_key.pub (for host-keys.sh's HOST_KEYS_DIR). */
    hostKeysDir: () => string;
    /** Stops the server and starts another with a new host key on the same address. */
    replace: () => Promise<void>;
    destroy: () => Promise<void>;
}

function run(cmd: string, args: string[]): void {
    execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 15_000 });
}

function listening(address: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: address, port: 22, timeout: timeoutMs });
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
        socket.once("timeout", () => { socket.destroy(); resolve(false); });
    });
}

async function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
    for (let waited = 0; child.exitCode === null && child.signalCode === null && waited < timeoutMs; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
    }
    return child.exitCode !== null || child.signalCode !== null;
}

export async function startNetnsSshd(runId: string): Promise<NetnsSshd> {
    const tag = runId.replace(/[^a-z0-9]/gi, "").slice(-8);
    const ns = `rsdo-${tag}`;
    const hostSide = `rsh${tag}`.slice(0, 15);
    const nsSide = `rsn${tag}`.slice(0, 15);
    // 10.254.91.0/30: a range of this test's own, on a link that exists only for this run.
    const address = "10.254.91.2";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-sshd-"));
    fs.chmodSync(dir, 0o755);
    const clientKey = path.join(dir, "client");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rehearsal@rag-stack", "-f", clientKey]);
    fs.copyFileSync(`${clientKey}.pub`, path.join(dir, "authorized_keys"));
    // sshd's privilege separation directory; removed again at the end only if this run made it.
    const madePrivsepDir = !fs.existsSync("/run/sshd");
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const removePrivsepDir = () => { if (madePrivsepDir) fs.rmSync("/run/sshd", { recursive: true, force: true }); };

    let generation = 0;
    let server: ChildProcess | undefined;
    const keysDir = () => path.join(dir, `host-${generation}`);

    const startServer = async (): Promise<void> => {
        generation += 1;
        fs.mkdirSync(keysDir());
        run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `droplet-${generation}`, "-f", path.join(keysDir(), "ssh_host_ed25519_key")]);
        const config = path.join(dir, `sshd-${generation}.conf`);
        fs.writeFileSync(config, [
            `ListenAddress ${address}`, "Port 22",
            `HostKey ${path.join(keysDir(), "ssh_host_ed25519_key")}`,
            `PidFile ${path.join(dir, `sshd-${generation}.pid`)}`,
            `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
            "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password", "LogLevel ERROR", "",
        ].join("\n"));
        const log = fs.openSync(path.join(dir, `sshd-${generation}.log`), "a");
        // `ip netns exec` execs sshd in place: the PID is sshd's own; -D keeps it in the foreground.
        server = spawn("ip", ["netns", "exec", ns, SSHD, "-D", "-e", "-f", config], { stdio: ["ignore", log, log] });
        fs.closeSync(log);
        for (let waited = 0; waited < 10_000; waited += 200) {
            if (await listening(address, 500)) return;
            if (server.exitCode !== null) break;
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`sshd did not listen on ${address}:22 within 10 s: ${fs.readFileSync(path.join(dir, `sshd-${generation}.log`), "utf8")}`);
    };

    const stopServer = async (): Promise<void> => {
        if (!server || server.exitCode !== null || server.signalCode !== null) return;
        server.kill("SIGTERM");
        if (!(await exited(server, 5000))) {
            server.kill("SIGKILL");
            await exited(server, 2000);
        }
    };

    run("ip", ["netns", "add", ns]);
    try {
        run("ip", ["link", "add", hostSide, "type", "veth", "peer", "name", nsSide]);
        run("ip", ["link", "set", nsSide, "netns", ns]);
        run("ip", ["addr", "add", "10.254.91.1/30", "dev", hostSide]);
        run("ip", ["link", "set", hostSide, "up"]);
        run("ip", ["netns", "exec", ns, "ip", "addr", "add", `${address}/30`, "dev", nsSide]);
        run("ip", ["netns", "exec", ns, "ip", "link", "set", nsSide, "up"]);
        run("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
        await startServer();
    } catch (err) {
        await stopServer();
        spawnSync("ip", ["netns", "del", ns], { timeout: 15_000 });
        spawnSync("ip", ["link", "del", hostSide], { timeout: 15_000 });
        fs.rmSync(dir, { recursive: true, force: true });
        removePrivsepDir();
        throw err;
    }

    return {
        address,
        clientKey,
        authorize: (line) => fs.appendFileSync(path.join(dir, "authorized_keys"), `${line.trim()}\n`),
        hostKeysDir: keysDir,
        replace: async () => {
            await stopServer();
            await startServer();
        },
        destroy: async () => {
            await stopServer();
            spawnSync("ip", ["netns", "del", ns], { timeout: 15_000 });
            // Deleting the namespace removes the pair; this only matters if it did not.
            if (spawnSync("ip", ["link", "show", hostSide]).status === 0) spawnSync("ip", ["link", "del", hostSide], { timeout: 15_000 });
            fs.rmSync(dir, { recursive: true, force: true });
            removePrivsepDir();
        },
    };
}
