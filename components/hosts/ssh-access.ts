/**
 * How the droplet is reached over SSH, the same way by both clients that do it:
 * - `remote.Command` (pulumi-command's Go client: readiness, model pull), and
 * - the Docker provider's system `ssh` (docker/cli connhelper, `ssh ... docker system dial-stdio`).
 *
 * Authentication. The ssh-agent is preferred: both clients read SSH_AUTH_SOCK from the environment
 * the Pulumi CLI gives its plugins (pulumi-command remote/connection.go falls back to it when
 * `agentSocketPath` is unset), and no private key is copied into the stack's state. The socket
 * path is not written into the connection either: macOS gives it a new path at every login, which
 * would show as a diff on every resource that connects. Without an agent, an unencrypted key
 * file (`digitalocean.sshPrivateKeyPath`) is used by both: `-i <file> -o IdentitiesOnly=yes` for
 * ssh, the key's text as a secret for remote.Command. A passphrase-protected key works through the
 * agent only (`ssh-add <file>` asks once): the Docker provider's ssh runs with BatchMode=yes and
 * nothing can hand it a passphrase (it takes only `sshOpts`, not an environment), so a passphrase
 * in config would make one client work and not the other.
 *
 * Before anything is created, `checkSshAccess` proves that authentication will work: the agent
 * answers and holds a key (or the key file is readable and not encrypted), and one of those keys
 * is one the droplet will accept (sshPublicKey or an MD5 sshKeyFingerprint).
 *
 * Host keys. remote.Command ignores host keys (`ssh.InsecureIgnoreHostKey()` in connection.go), so
 * it cannot notice a replaced droplet; the system ssh can, and with `StrictHostKeyChecking=accept-new`
 * and the user's known_hosts it refuses the new droplet's key under the same reserved IP. Instead,
 * the droplet's host key is read on the droplet itself (scripts/host-keys.sh, run by remote.Command
 * after readiness, again whenever the droplet changes) and pinned in the provider's ssh options:
 * `KnownHostsCommand` prints exactly that key for the address (OpenSSH 8.5 or later), the user's
 * known_hosts is not consulted (`UserKnownHostsFile=/dev/null`), and `StrictHostKeyChecking=yes`
 * with `BatchMode=yes` refuses anything else instead of asking. A new droplet brings a new pin in
 * the same `up`; the pin lives in the stack's state, so any machine that runs `up` has it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";

/** Where authentication comes from. */
export type SshAuthMethod = "agent" | "key-file";

export interface SshAccess {
    method: SshAuthMethod;
    /** The key file both clients use (key-file), or the configured key the agent holds (agent). */
    keyFile?: string;
    /** One line for the log: what authenticates and with which key. */
    description: string;
}

/** What the droplet will accept and what this machine has, from the validated settings. */
export interface SshAccessSettings {
    sshPublicKey?: string;
    sshKeyFingerprints: string[];
    sshPrivateKeyPath?: string;
}

/** Answers from the local ssh tools; `systemSshProbe` asks the real ones, tests may too. */
export interface SshProbe {
    /** MD5 fingerprints (`MD5:aa:bb...` as ssh prints them, lower-case hex) of the agent's keys. */
    agentKeys(env: NodeJS.ProcessEnv): { state: "ok"; md5: string[] } | { state: "empty" } | { state: "unreachable"; detail: string };
    /** MD5 fingerprint of a key file's public half (readable without the passphrase), or an error. */
    keyFileFingerprint(file: string): { md5: string } | { error: string };
    /** True when the key file needs a passphrase. */
    keyFileEncrypted(file: string): boolean;
    /** MD5 fingerprint of a public key line. */
    publicKeyFingerprint(line: string): string | undefined;
}

const MD5 = /MD5:((?:[0-9a-f]{2}:){15}[0-9a-f]{2})/g;

function md5s(text: string): string[] {
    return [...text.matchAll(MD5)].map((m) => m[1]);
}

export const systemSshProbe: SshProbe = {
    agentKeys(env) {
        if (!env.SSH_AUTH_SOCK) return { state: "unreachable", detail: "SSH_AUTH_SOCK is not set" };
        const r = spawnSync("ssh-add", ["-l", "-E", "md5"], { env, encoding: "utf8", timeout: 10_000 });
        if (r.error) return { state: "unreachable", detail: `ssh-add could not run: ${r.error.message}` };
        if (r.status === 0) return { state: "ok", md5: md5s(r.stdout) };
        if (r.status === 1) return { state: "empty" };
        return { state: "unreachable", detail: `${(r.stderr || r.stdout).trim()} (SSH_AUTH_SOCK=${env.SSH_AUTH_SOCK})` };
    },
    keyFileFingerprint(file) {
        try {
            fs.accessSync(file, fs.constants.R_OK);
        } catch (err) {
            return { error: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
        }
        const r = spawnSync("ssh-keygen", ["-l", "-E", "md5", "-f", file], { encoding: "utf8", timeout: 10_000 });
        const found = md5s(r.stdout);
        return r.status === 0 && found.length > 0 ? { md5: found[0] } : { error: `is not a private key ssh-keygen can read: ${(r.stderr || r.stdout).trim()}` };
    },
    keyFileEncrypted(file) {
        // -y with an empty passphrase prints the public key of an unencrypted key and fails on an encrypted one.
        return spawnSync("ssh-keygen", ["-y", "-P", "", "-f", file], { encoding: "utf8", timeout: 10_000 }).status !== 0;
    },
    publicKeyFingerprint(line) {
        const r = spawnSync("ssh-keygen", ["-l", "-E", "md5", "-f", "-"], { input: `${line}\n`, encoding: "utf8", timeout: 10_000 });
        return r.status === 0 ? md5s(r.stdout)[0] : undefined;
    },
};

const KEY = "rag-stack:digitalocean";

/**
 * Chooses how both clients authenticate and proves it will work, without touching the network.
 * Returns the access, or the problems (each saying what to do), never both.
 */
export function checkSshAccess(settings: SshAccessSettings, env: NodeJS.ProcessEnv, probe: SshProbe = systemSshProbe): { access?: SshAccess; problems: string[] } {
    const accepted = new Set(settings.sshKeyFingerprints.filter((f) => f.includes(":")));
    if (settings.sshPublicKey) {
        const fp = probe.publicKeyFingerprint(settings.sshPublicKey);
        if (fp) accepted.add(fp);
    }
    // Numeric key ids cannot be compared offline; with only those, any key is let through.
    const canCompare = accepted.size > 0 && settings.sshKeyFingerprints.every((f) => f.includes(":"));
    const acceptedText = [...accepted].join(", ") || "(numeric key ids)";
    const agent = probe.agentKeys(env);

    if (settings.sshPrivateKeyPath) {
        const file = settings.sshPrivateKeyPath;
        const fp = probe.keyFileFingerprint(file);
        if ("error" in fp) return { problems: [`${KEY}.sshPrivateKeyPath: ${file} ${fp.error}; point it at the private key of the droplet's ssh key, or remove it to use ssh-agent`] };
        if (canCompare && !accepted.has(fp.md5)) {
            return { problems: [`${KEY}.sshPrivateKeyPath: ${file} (MD5:${fp.md5}) is not a key the droplet accepts (${acceptedText}); set sshPublicKey to its .pub line or point sshPrivateKeyPath at the matching key`] };
        }
        if (agent.state === "ok" && agent.md5.includes(fp.md5)) {
            return { access: { method: "agent", keyFile: file, description: `ssh-agent, key ${file} (MD5:${fp.md5})` }, problems: [] };
        }
        if (probe.keyFileEncrypted(file)) {
            return { problems: [`${KEY}.sshPrivateKeyPath: ${file} is protected by a passphrase and ssh-agent does not hold it` +
                `${agent.state === "unreachable" ? ` (${agent.detail})` : ""}; run: ssh-add ${file} (it asks for the passphrase once). ` +
                "The Docker provider's ssh runs with BatchMode=yes and cannot ask for it"] };
        }
        return { access: { method: "key-file", keyFile: file, description: `key file ${file} (MD5:${fp.md5}; no ssh-agent holds it, so remote commands carry it as a secret)` }, problems: [] };
    }

    if (agent.state === "unreachable") {
        return { problems: [`${KEY}: no way to authenticate to the droplet: ssh-agent is not reachable (${agent.detail}) and ${KEY}.sshPrivateKeyPath is not set; ` +
            "start an agent and add your key (eval \"$(ssh-agent)\"; ssh-add ~/.ssh/id_ed25519), or set sshPrivateKeyPath to an unencrypted key"] };
    }
    if (agent.state === "empty") {
        return { problems: [`${KEY}: ssh-agent holds no key; run: ssh-add ~/.ssh/id_ed25519 (the private half of sshPublicKey), or set ${KEY}.sshPrivateKeyPath`] };
    }
    if (canCompare && !agent.md5.some((k) => accepted.has(k))) {
        return { problems: [`${KEY}: none of ssh-agent's keys (${agent.md5.map((k) => `MD5:${k}`).join(", ")}) is one the droplet accepts (${acceptedText}); ` +
            "ssh-add the private half of sshPublicKey, or list the agent's key in sshKeyFingerprints"] };
    }
    return { access: { method: "agent", description: `ssh-agent (${agent.md5.length} key${agent.md5.length === 1 ? "" : "s"})` }, problems: [] };
}

/** What the settings alone say, for renders under Pulumi's mocks (no probing of this machine). */
export function sshAccessFromSettings(settings: SshAccessSettings): SshAccess {
    return settings.sshPrivateKeyPath
        ? { method: "key-file", keyFile: settings.sshPrivateKeyPath, description: `key file ${settings.sshPrivateKeyPath}` }
        : { method: "agent", description: "ssh-agent" };
}

/** One SSH host key: `ssh-ed25519 AAAA...`. */
export interface HostKey {
    type: string;
    key: string;
}

const HOST_KEY_PREFERENCE = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

/** The host key to pin from host-keys.sh's output (`hostkey: <type> <base64>` lines): ed25519 first. */
export function hostKeyToPin(stdout: string): HostKey | undefined {
    const keys = stdout.split("\n")
        .map((line) => /^hostkey: (\S+) ([A-Za-z0-9+/]+={0,3})$/.exec(line.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ type: m[1], key: m[2] }));
    const rank = (k: HostKey) => {
        const i = HOST_KEY_PREFERENCE.indexOf(k.type);
        return i < 0 ? HOST_KEY_PREFERENCE.length : i;
    };
    return keys.sort((a, b) => rank(a) - rank(b))[0];
}

/** The signature algorithms that prove a key of this type (an RSA key signs with SHA-2 today). */
function hostKeyAlgorithms(type: string): string {
    return type === "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256" : type;
}

/**
 * The Docker provider's `sshOpts`: authentication as chosen, the droplet's host key pinned, never
 * a prompt. `/bin/echo` exists on macOS and Linux; ssh splits the command line itself (no shell)
 * and base64 holds no `%`, so nothing is expanded.
 */
export function dockerSshOptions(access: SshAccess, address: string, hostKey: HostKey): string[] {
    if (!/^[A-Za-z0-9.:-]+$/.test(address)) throw new Error(`ssh: unexpected address ${JSON.stringify(address)}`);
    if (!/^[a-z0-9@.-]+$/.test(hostKey.type) || !/^[A-Za-z0-9+/]+={0,3}$/.test(hostKey.key)) {
        throw new Error(`ssh: unexpected host key ${JSON.stringify(`${hostKey.type} ${hostKey.key}`)}`);
    }
    const options = [
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", `KnownHostsCommand=/bin/echo ${address} ${hostKey.type} ${hostKey.key}`,
        "-o", `HostKeyAlgorithms=${hostKeyAlgorithms(hostKey.type)}`,
        "-o", "ServerAliveInterval=30",
    ];
    if (access.keyFile) options.push("-o", "IdentitiesOnly=yes", "-i", access.keyFile);
    return options;
}
