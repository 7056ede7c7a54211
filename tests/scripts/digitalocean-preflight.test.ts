/**
 * What a real `up` checks before it buys a GPU droplet (components/hosts/preflight.ts), and how
 * both SSH clients authenticate (ssh-access.ts): the functions the program calls, each outcome
 * exercised. SSH authentication is checked against a real ssh-agent this test starts (and stops by
 * its PID) and real keys made with ssh-keygen; only the public-address lookup is given its answer
 * (the tests never reach the internet).
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { GIB } from "../../components/capacity/budget";
import { judgeManifest, readModelManifest } from "../../components/capacity/registry";
import { parseProfile, Profile } from "../../components/config";
import type { DigitalOceanSettings } from "../../components/config/digitalocean";
import type { OllamaSettings } from "../../components/config/ollama";
import { documentationRangeOf, ipv4InCidr } from "../../components/hosts/cidr";
import {
    checkAdminAddress, checkBeforeBilling, checkModelInRegistry, isPlaceholderKey, modelRegistryGate, prepareDigitalOceanRun, underPulumiMocks,
} from "../../components/hosts/preflight";
import { digitalOceanRegistryAuth, digitalOceanRegistryNames, registryOf } from "../../components/hosts/registry-auth";
import { checkSshAccess, dockerSshOptions, hostKeyToPin, SshAccessSettings } from "../../components/hosts/ssh-access";

const HOST_KEYS_SCRIPT = path.join(__dirname, "../../components/hosts/scripts/host-keys.sh");
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const hasOpenSsh = has("ssh-agent") && has("ssh-add") && has("ssh-keygen");
if (!hasOpenSsh) console.warn("OpenSSH client tools are missing (apt-get install openssh-client): SSH access tests skipped");

/** The example prod stack, validated exactly as the program does. */
function exampleProfile(): Profile {
    const doc = parseYaml(fs.readFileSync(path.join(__dirname, "../../Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
    const raw = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace("rag-stack:", ""), v]));
    return parseProfile("prod", raw, { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true }, backupPassword: { value: pulumi.output("backup-password-0123456789"), isSecret: true } }, { DIGITALOCEAN_TOKEN: "dop_v1_test" });
}

/** The example prod stack's DigitalOcean settings. */
function exampleSettings(): DigitalOceanSettings {
    const profile = exampleProfile();
    if (!profile.digitalocean) throw new Error("the example prod stack has no digitalocean settings");
    return profile.digitalocean;
}

describe("placeholders and documentation ranges: the example stack validates, a real run refuses it", () => {
    test("the example's key and admin CIDR are refused, each with the key, the value and what to do", () => {
        const settings = exampleSettings();
        const noSsh = { agentKeys: () => ({ state: "empty" as const }), keyFileFingerprint: () => ({ md5: "00" }), keyFileEncrypted: () => false, publicKeyFingerprint: () => undefined };
        const { problems } = checkBeforeBilling(settings, {}, noSsh);
        expect(problems).toEqual(expect.arrayContaining([
            expect.stringMatching(/^rag-stack:digitalocean\.sshPublicKey is the example's placeholder \(replace-me\).*cat ~\/\.ssh\/id_ed25519\.pub/),
            expect.stringMatching(/^rag-stack:digitalocean\.adminCidrs: "203\.0\.113\.0\/24" is in the documentation range 203\.0\.113\.0\/24 \(RFC 5737\).*\/32/),
        ]));
    });

    test.each([
        ["203.0.113.0/24", "203.0.113.0/24"], ["203.0.113.7/32", "203.0.113.0/24"], ["198.51.100.9/32", "198.51.100.0/24"],
        ["192.0.2.0/25", "192.0.2.0/24"], ["2001:db8::/48", "2001:db8::/32"], ["2001:0DB8:1::1/128", "2001:db8::/32"],
    ])("%s is a documentation range (%s)", (cidr, range) => {
        expect(documentationRangeOf(cidr)).toBe(range);
    });

    test.each(["198.51.101.7/32", "203.0.0.0/16", "0.0.0.0/0", "10.0.0.0/8", "2001:db9::/32", "2001:4860::/32"])("%s is not", (cidr) => {
        expect(documentationRangeOf(cidr)).toBeUndefined();
    });

    test("placeholder keys are recognised by their comment; a real key line is not", () => {
        expect(isPlaceholderKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKfHRLHS3PYLofTK/eI0ljq0U5m/ER5/Vaavp5t32Iu9 replace-me")).toBe(true);
        expect(isPlaceholderKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKfHRLHS3PYLofTK/eI0ljq0U5m/ER5/Vaavp5t32Iu9 PLACEHOLDER key")).toBe(true);
        expect(isPlaceholderKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKfHRLHS3PYLofTK/eI0ljq0U5m/ER5/Vaavp5t32Iu9 ana@laptop")).toBe(false);
        expect(isPlaceholderKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKfHRLHS3PYLofTK/eI0ljq0U5m/ER5/Vaavp5t32Iu9")).toBe(false);
    });
});

describe("this machine inside adminCidrs, checked before anything is bought", () => {
    const cidrs = ["198.51.100.0/28", "192.0.2.77/32"];

    test("inside: no problem, no warning", async () => {
        expect(await checkAdminAddress(cidrs, async () => "198.51.100.9")).toEqual({ address: "198.51.100.9" });
        expect(await checkAdminAddress(cidrs, async () => "192.0.2.77")).toEqual({ address: "192.0.2.77" });
    });

    test("outside: refused, naming the address and the /32 to add", async () => {
        const check = await checkAdminAddress(cidrs, async () => "198.51.100.16");
        expect(check.warning).toBeUndefined();
        expect(check.problem).toMatch(/this machine's public address 198\.51\.100\.16 \(from https:\/\/api\.ipify\.org\) is not in rag-stack:digitalocean\.adminCidrs \(198\.51\.100\.0\/28, 192\.0\.2\.77\/32\).*Add 198\.51\.100\.16\/32/);
    });

    test("unknown (offline): a warning that says so, and the run goes on", async () => {
        const check = await checkAdminAddress(cidrs, async () => undefined);
        expect(check.problem).toBeUndefined();
        expect(check.warning).toMatch(/could not learn this machine's public IPv4 address.*offline/);
    });

    test("CIDR membership at the edges", () => {
        expect(ipv4InCidr("198.51.100.15", "198.51.100.0/28")).toBe(true);
        expect(ipv4InCidr("198.51.100.16", "198.51.100.0/28")).toBe(false);
        expect(ipv4InCidr("8.8.8.8", "0.0.0.0/0")).toBe(true);
        expect(ipv4InCidr("10.1.2.3", "10.1.2.3/32")).toBe(true);
        expect(ipv4InCidr("10.1.2.4", "10.1.2.3/32")).toBe(false);
        expect(ipv4InCidr("::1", "0.0.0.0/0")).toBe(false);
    });
});

(hasOpenSsh ? describe : describe.skip)("SSH authentication, against a real ssh-agent and real keys", () => {
    let dir = "";
    let agent: ChildProcess | undefined;
    let socket = "";
    let plainKey = "";
    let lockedKey = "";
    const PASSPHRASE = "correct horse battery staple";
    const pub = (key: string) => fs.readFileSync(`${key}.pub`, "utf8").trim();
    const agentEnv = () => ({ PATH: process.env.PATH, SSH_AUTH_SOCK: socket });
    const sshAdd = (args: string[]) => {
        const askpass = path.join(dir, "askpass.sh");
        const r = spawnSync("ssh-add", args, {
            encoding: "utf8", timeout: 10_000,
            env: { ...agentEnv(), SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0", TEST_PASSPHRASE: PASSPHRASE },
        });
        if (r.status !== 0) throw new Error(`ssh-add ${args.join(" ")}: ${r.stderr}`);
    };

    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-ssh-"));
        plainKey = path.join(dir, "plain");
        lockedKey = path.join(dir, "locked");
        spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "plain@test", "-f", plainKey]);
        spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", PASSPHRASE, "-C", "locked@test", "-f", lockedKey]);
        fs.writeFileSync(path.join(dir, "askpass.sh"), '#!/bin/sh\nprintf "%s\\n" "$TEST_PASSPHRASE"\n', { mode: 0o700 });
        socket = path.join(dir, "agent.sock");
        agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
        for (let i = 0; i < 50 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
        if (!fs.existsSync(socket)) throw new Error("ssh-agent did not create its socket within 5 s");
    });

    afterAll(() => {
        if (agent?.pid !== undefined && agent.exitCode === null) agent.kill("SIGTERM");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const accepting = (key: string, extra: Partial<SshAccessSettings> = {}): SshAccessSettings => ({ sshPublicKey: pub(key), sshKeyFingerprints: [], ...extra });

    test("no agent and no key file: refused, saying how to start one", () => {
        const r = checkSshAccess(accepting(plainKey), { PATH: process.env.PATH });
        expect(r.access).toBeUndefined();
        expect(r.problems).toEqual([expect.stringMatching(/ssh-agent is not reachable \(SSH_AUTH_SOCK is not set\).*ssh-add ~\/\.ssh\/id_ed25519/)]);
    });

    test("an agent with no key: refused", () => {
        sshAdd(["-D"]);
        expect(checkSshAccess(accepting(plainKey), agentEnv()).problems).toEqual([expect.stringMatching(/ssh-agent holds no key; run: ssh-add/)]);
    });

    test("an agent holding only a key the droplet does not accept: refused, naming both", () => {
        sshAdd(["-D"]);
        sshAdd([lockedKey]);
        const r = checkSshAccess(accepting(plainKey), agentEnv());
        expect(r.problems).toEqual([expect.stringMatching(/none of ssh-agent's keys \(MD5:[0-9a-f:]+\) is one the droplet accepts \(([0-9a-f]{2}:){15}[0-9a-f]{2}\)/)]);
    });

    test("an agent holding the droplet's key: the agent, and no key file anywhere", () => {
        sshAdd([plainKey]);
        const r = checkSshAccess(accepting(plainKey), agentEnv());
        expect(r.problems).toEqual([]);
        expect(r.access).toMatchObject({ method: "agent" });
        expect(r.access?.keyFile).toBeUndefined();
        expect(dockerSshOptions(r.access!, "203.0.113.50", { type: "ssh-ed25519", key: "AAAA" })).not.toContain("-i");
    });

    test("a passphrase-protected key file not in the agent: refused with the ssh-add to run", () => {
        sshAdd(["-D"]);
        const r = checkSshAccess(accepting(lockedKey, { sshPrivateKeyPath: lockedKey }), agentEnv());
        expect(r.problems).toEqual([`rag-stack:digitalocean.sshPrivateKeyPath: ${lockedKey} is protected by a passphrase and ssh-agent does not hold it; ` +
            `run: ssh-add ${lockedKey} (it asks for the passphrase once). The Docker provider's ssh runs with BatchMode=yes and cannot ask for it`]);
    });

    test("the same key once in the agent: the agent signs for both clients, ssh told which key", () => {
        sshAdd([lockedKey]);
        const r = checkSshAccess(accepting(lockedKey, { sshPrivateKeyPath: lockedKey }), agentEnv());
        expect(r.problems).toEqual([]);
        expect(r.access).toMatchObject({ method: "agent", keyFile: lockedKey });
        const opts = dockerSshOptions(r.access!, "203.0.113.50", { type: "ssh-ed25519", key: "AAAA" });
        expect(opts.slice(-4)).toEqual(["-o", "IdentitiesOnly=yes", "-i", lockedKey]);
    });

    test("an unencrypted key file and no agent: the key file, for both clients", () => {
        const r = checkSshAccess(accepting(plainKey, { sshPrivateKeyPath: plainKey }), { PATH: process.env.PATH });
        expect(r.problems).toEqual([]);
        expect(r.access).toMatchObject({ method: "key-file", keyFile: plainKey });
    });

    test("a key file that is missing, or not the droplet's key: refused", () => {
        const missing = path.join(dir, "nope");
        expect(checkSshAccess(accepting(plainKey, { sshPrivateKeyPath: missing }), agentEnv()).problems)
            .toEqual([expect.stringMatching(new RegExp(`sshPrivateKeyPath: ${missing} cannot be read \\(ENOENT\\)`))]);
        expect(checkSshAccess(accepting(plainKey, { sshPrivateKeyPath: lockedKey }), agentEnv()).problems)
            .toEqual([expect.stringMatching(/is not a key the droplet accepts/)]);
    });

    test("the droplet's key given by MD5 fingerprint (sshKeyFingerprints) is compared too", () => {
        sshAdd(["-D"]);
        sshAdd([plainKey]);
        const md5 = /MD5:(\S+)/.exec(spawnSync("ssh-keygen", ["-l", "-E", "md5", "-f", plainKey], { encoding: "utf8" }).stdout)?.[1] ?? "";
        expect(checkSshAccess({ sshKeyFingerprints: [md5] }, agentEnv()).access).toMatchObject({ method: "agent" });
        expect(checkSshAccess({ sshKeyFingerprints: ["aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99"] }, agentEnv()).problems)
            .toEqual([expect.stringMatching(/none of ssh-agent's keys/)]);
    });
});

describe("the droplet's host key, read by host-keys.sh and pinned for the Docker provider", () => {
    test("host-keys.sh prints each host key, and fails with a sentence when there is none (real process)", () => {
        const keys = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-hostkeys-"));
        try {
            fs.writeFileSync(path.join(keys, "ssh_host_rsa_key.pub"), "ssh-rsa AAAAB3NzaC1yc2E root@droplet\n");
            fs.writeFileSync(path.join(keys, "ssh_host_ed25519_key.pub"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA root@droplet\n");
            const ok = spawnSync("sh", [HOST_KEYS_SCRIPT], { env: { PATH: process.env.PATH, HOST_KEYS_DIR: keys }, encoding: "utf8" });
            expect(ok.status).toBe(0);
            expect(ok.stdout.split("\n").sort()).toEqual(["", "hostkey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA", "hostkey: ssh-rsa AAAAB3NzaC1yc2E"]);
            expect(hostKeyToPin(ok.stdout)).toEqual({ type: "ssh-ed25519", key: "AAAAC3NzaC1lZDI1NTE5AAAAIA" });
            fs.rmSync(path.join(keys, "ssh_host_rsa_key.pub"));
            fs.rmSync(path.join(keys, "ssh_host_ed25519_key.pub"));
            const none = spawnSync("sh", [HOST_KEYS_SCRIPT], { env: { PATH: process.env.PATH, HOST_KEYS_DIR: keys }, encoding: "utf8" });
            expect(none.status).toBe(1);
            expect(none.stderr).toMatch(/no readable ssh_host_\*_key\.pub in .*ssh-keygen -A/);
        } finally {
            fs.rmSync(keys, { recursive: true, force: true });
        }
    });

    (has("shellcheck") ? test : test.skip)("host-keys.sh passes shellcheck", () => {
        const r = spawnSync("shellcheck", ["-s", "sh", HOST_KEYS_SCRIPT], { encoding: "utf8" });
        expect(r.stdout).toBe("");
        expect(r.status).toBe(0);
    });

    test("the pin prefers ed25519, maps RSA to its SHA-2 algorithms, and refuses anything that is not a key", () => {
        expect(hostKeyToPin("noise\nhostkey: ssh-rsa AAAAB3\nhostkey: ecdsa-sha2-nistp256 AAAAE2\n")).toEqual({ type: "ecdsa-sha2-nistp256", key: "AAAAE2" });
        expect(hostKeyToPin("")).toBeUndefined();
        const rsa = dockerSshOptions({ method: "agent", description: "" }, "203.0.113.50", { type: "ssh-rsa", key: "AAAAB3" });
        expect(rsa).toContain("HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256");
        expect(() => dockerSshOptions({ method: "agent", description: "" }, "203.0.113.50; rm", { type: "ssh-rsa", key: "AAAAB3" })).toThrow(/unexpected address/);
        expect(() => dockerSshOptions({ method: "agent", description: "" }, "203.0.113.50", { type: "ssh-rsa", key: "AAAA %d" })).toThrow(/unexpected host key/);
    });
});

describe("which registries need credentials", () => {
    test("only images on registry.digitalocean.com, one entry per registry name", () => {
        expect(registryOf("ollama/ollama:0.12.6")).toBe("docker.io");
        expect(registryOf("neo4j:5.26.2-community")).toBe("docker.io");
        expect(registryOf("registry.digitalocean.com/rag-stack/rag-backend:1.0.0")).toBe("registry.digitalocean.com");
        expect(registryOf("localhost:5000/app:1")).toBe("localhost:5000");
        expect(digitalOceanRegistryNames(["ollama/ollama:0.12.6", "neo4j:5.26.2-community"])).toEqual([]);
        expect(digitalOceanRegistryNames([
            "registry.digitalocean.com/rag-stack/rag-backend:1.0.0", "registry.digitalocean.com/rag-stack/rag-frontend:1.0.0", "neo4j:5.26.2-community",
        ])).toEqual(["rag-stack"]);
    });

    test("public images need no credentials; images in two DigitalOcean registries are refused (one set of credentials per host)", () => {
        expect(digitalOceanRegistryAuth("host", ["ollama/ollama:0.12.6", "neo4j:5.26.2-community"], {})).toEqual([]);
        expect(() => digitalOceanRegistryAuth("host", ["registry.digitalocean.com/a/backend:1", "registry.digitalocean.com/b/frontend:1"], {}))
            .toThrow(/images name 2 DigitalOcean registries \(a, b\); the Docker provider takes one set of credentials per registry host/);
    });
});

describe("the model's real size from its registry, before anything is bought (against a stand-in registry on loopback)", () => {
    /** Manifests as registry.ollama.ai serves them (server/images.go's Manifest: config + layers with mediaType, digest, size); sizes made up for the test. */
    const layer = (mediaType: string, size: number) => ({ mediaType, digest: `sha256:${crypto.createHash("sha256").update(`${mediaType}${size}`).digest("hex")}`, size });
    const manifest = (modelBytes: number, extra: object[] = []) => ({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: layer("application/vnd.docker.container.image.v1+json", 487),
        layers: [layer("application/vnd.ollama.image.model", modelBytes), layer("application/vnd.ollama.image.template", 1482),
            layer("application/vnd.ollama.image.license", 11343), ...extra],
    });
    const MANIFESTS: Record<string, object> = {
        "/v2/library/qwen2.5/manifests/7b-instruct-q8_0": manifest(8_098_525_888),
        "/v2/library/qwen2.5/manifests/14b-instruct-q8_0": manifest(15_701_598_464),
        "/v2/myteam/assistant/manifests/prod": manifest(39_969_748_736),
        "/v2/library/llava/manifests/13b": manifest(8_011_256_448, [layer("application/vnd.ollama.image.projector", 624_434_368)]),
    };
    let server: http.Server;
    let base = "";
    let closedPort = 0;
    const requests: { url: string; accept: string | undefined }[] = [];

    beforeAll(async () => {
        server = http.createServer((req, res) => {
            requests.push({ url: req.url ?? "", accept: req.headers.accept });
            const body = MANIFESTS[req.url ?? ""];
            if (req.url?.startsWith("/v2/private/")) {
                res.writeHead(401, { "www-authenticate": 'Bearer realm="https://ollama.com/token",service="ollama.com"', "content-type": "application/json" });
                res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
            } else if (req.url?.startsWith("/v2/library/broken/")) {
                res.writeHead(200, { "content-type": "text/html" });
                res.end("<html>maintenance</html>");
            } else if (body) {
                res.writeHead(200, { "content-type": "application/vnd.docker.distribution.manifest.v2+json" });
                res.end(JSON.stringify(body));
            } else {
                res.writeHead(404, { "content-type": "application/json" });
                res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        // A port that was just free and is closed again: nothing answers there.
        const probe = http.createServer();
        await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
        closedPort = (probe.address() as { port: number }).port;
        await new Promise((resolve) => probe.close(resolve));
    });
    afterAll(async () => {
        await new Promise((resolve) => server.close(resolve));
    });

    const standIn = (model: string) => readModelManifest(model, { baseUrl: () => base, timeoutMs: 5000 });
    const ollama = (model: string, extra: Partial<OllamaSettings> = {}): OllamaSettings => ({ ...exampleProfile().ollama, model, ...extra });
    const GPU_20 = { bytes: 20 * GIB, source: "gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada" };

    test("Ollama's request: /v2/<namespace>/<name>/manifests/<tag> with the manifest Accept header; the weight layers summed", async () => {
        requests.length = 0;
        expect(await standIn("qwen2.5:7b-instruct-q8_0")).toEqual({ kind: "found", url: `${base}/v2/library/qwen2.5/manifests/7b-instruct-q8_0`, weightsBytes: 8_098_525_888 });
        expect(requests).toEqual([{ url: "/v2/library/qwen2.5/manifests/7b-instruct-q8_0", accept: "application/vnd.docker.distribution.manifest.v2+json" }]);
        // A vision model's projector is loaded on the GPU too; the template and licence are not weights.
        expect(await standIn("llava:13b")).toMatchObject({ kind: "found", weightsBytes: 8_011_256_448 + 624_434_368 });
        expect(await standIn("myteam/assistant:prod")).toMatchObject({ kind: "found", url: `${base}/v2/myteam/assistant/manifests/prod` });
    });

    test("a model that fits: no problem, the size for the log", async () => {
        expect(judgeManifest(ollama("qwen2.5:7b-instruct-q8_0"), GPU_20, await standIn("qwen2.5:7b-instruct-q8_0"))).toEqual({
            info: `qwen2.5:7b-instruct-q8_0: 8.1 GB of weights in its registry's manifest (${base}/v2/library/qwen2.5/manifests/7b-instruct-q8_0)`,
        });
    });

    test("a big model whose tag says nothing: refused with the registry's numbers, before any KV cache", async () => {
        expect(judgeManifest(ollama("myteam/assistant:prod"), GPU_20, await standIn("myteam/assistant:prod"))).toEqual({
            problem: `rag-stack:ollama: myteam/assistant:prod does not fit the GPU: 40.0 GB weights (weights from its registry's manifest, ${base}/v2/myteam/assistant/manifests/prod) ` +
                "+ 1.1 GB overhead = 41.0 GB > 21.5 GB usable (gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada), before any KV cache. " +
                "Ollama would put layers on the CPU and answer at CPU speed. Pick a smaller model or quantization, or a GPU with more memory",
        });
    });

    test("a model of the table: the full budget with the registry's weights and the table's geometry", async () => {
        const tight = ollama("qwen2.5:14b-instruct-q8_0", { numParallel: 4, contextLength: 8192 });
        expect(judgeManifest(tight, GPU_20, await standIn("qwen2.5:14b-instruct-q8_0")).problem).toBe(
            "rag-stack:ollama: qwen2.5:14b-instruct-q8_0 with numParallel 4 and contextLength 8192 does not fit the GPU: " +
                "15.7 GB weights + 4 × 8192 × 192 KiB = 6.4 GB KV (f16) + 1.1 GB overhead = 23.2 GB > 21.5 GB usable " +
                `(gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada; weights from its registry's manifest, ${base}/v2/library/qwen2.5/manifests/14b-instruct-q8_0). ` +
                "Ollama would put layers on the CPU and answer at CPU speed. Lower rag-stack:ollama.numParallel or contextLength, pick a smaller quantization, or a GPU with more memory");
        expect(judgeManifest({ ...tight, numParallel: 1 }, GPU_20, await standIn("qwen2.5:14b-instruct-q8_0")).problem).toBeUndefined();
    });

    test("no such model or tag (404): refused, naming the key and where the tags are listed", async () => {
        const read = await standIn("qwen2.5:72b-instruct-fp17");
        expect(read).toEqual({ kind: "not-found", url: `${base}/v2/library/qwen2.5/manifests/72b-instruct-fp17` });
        expect(judgeManifest(ollama("qwen2.5:72b-instruct-fp17"), GPU_20, read)).toEqual({
            problem: `rag-stack:ollama.model: "qwen2.5:72b-instruct-fp17" is not in its registry: ${base}/v2/library/qwen2.5/manifests/72b-instruct-fp17 answered 404, ` +
                "no such model or tag. Check the name and the tag (https://ollama.com/library/qwen2.5/tags lists the tags there are); nothing was pulled",
        });
    });

    test("unreachable, credentials wanted, not a manifest: a warning each, never a refusal (the check after the pull still guards)", async () => {
        const unreachable = await readModelManifest("qwen2.5:7b", { baseUrl: () => `http://127.0.0.1:${closedPort}`, timeoutMs: 5000 });
        expect(unreachable).toEqual({ kind: "unreadable", url: `http://127.0.0.1:${closedPort}/v2/library/qwen2.5/manifests/7b`, why: "ECONNREFUSED" });
        const check = judgeManifest(ollama("qwen2.5:7b"), GPU_20, unreachable);
        expect(check.problem).toBeUndefined();
        expect(check.warning).toBe(`could not read the size of qwen2.5:7b from its registry (http://127.0.0.1:${closedPort}/v2/library/qwen2.5/manifests/7b: ECONNREFUSED), ` +
            "so it is not known before the pull whether it fits the GPU; the capacity check after the pull (Ollama's /api/show) still stops `up` before the model is loaded");
        expect(await standIn("private/model:1")).toMatchObject({ kind: "unreadable", why: "HTTP 401: the registry wants credentials" });
        expect(await standIn("broken:1")).toMatchObject({ kind: "unreadable", why: "the answer is not a JSON manifest" });
    });

    test("what the gate the DigitalOcean provider waits for resolves to: a refusal stops the run, a warning is logged and the run goes on", async () => {
        expect(underPulumiMocks()).toBe(false);
        await expect(checkModelInRegistry("prod", ollama("myteam/assistant:prod"), GPU_20, "the DigitalOcean GPU host", standIn))
            .rejects.toThrow(/^Stack "prod" cannot create the DigitalOcean GPU host \(1 problem; nothing was created\):\n {2}- rag-stack:ollama: myteam\/assistant:prod does not fit the GPU: 40\.0 GB weights/);
        await expect(checkModelInRegistry("scale", ollama("nope:1"), GPU_20, "the DigitalOcean Kubernetes cluster", standIn))
            .rejects.toThrow(/^Stack "scale" cannot create the DigitalOcean Kubernetes cluster \(1 problem; nothing was created\):\n {2}- rag-stack:ollama\.model: "nope:1" is not in its registry/);
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        const info = jest.spyOn(pulumi.log, "info").mockImplementation(() => Promise.resolve());
        try {
            const unreachable = (model: string) => readModelManifest(model, { baseUrl: () => `http://127.0.0.1:${closedPort}`, timeoutMs: 5000 });
            await expect(checkModelInRegistry("prod", ollama("qwen2.5:7b"), GPU_20, "the DigitalOcean GPU host", unreachable)).resolves.toBe(true);
            expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^could not read the size of qwen2\.5:7b from its registry .*ECONNREFUSED/)]);
            await expect(checkModelInRegistry("prod", ollama("qwen2.5:7b-instruct-q8_0"), GPU_20, "the DigitalOcean GPU host", standIn)).resolves.toBe(true);
            expect(info.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^qwen2\.5:7b-instruct-q8_0: 8\.1 GB of weights in its registry's manifest/)]);
        } finally {
            warn.mockRestore();
            info.mockRestore();
        }
    });
});

describe("real run or test render: told apart by the runtime, not by a flag", () => {
    test("a plain process (as under `pulumi up`, which never uses mocks) runs the checks; Pulumi's mocks do not", async () => {
        expect(underPulumiMocks()).toBe(false);
        // What the program calls first for a DigitalOcean host: the example stack is refused, nothing registered.
        expect(() => prepareDigitalOceanRun("prod", exampleSettings(), exampleProfile().services, { PATH: process.env.PATH }))
            .toThrow(/^Stack "prod" cannot create the DigitalOcean GPU host \(5 problems; nothing was created\):\n  - rag-stack:digitalocean\.sshPublicKey is the example's placeholder[^]*documentation range[^]*ssh-agent is not reachable[^]*services\.publicHost: "rag\.example\.com" is in example\.com[^]*services\.proxy\.acmeEmail: "ops@example\.com"/);
        await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs }, "rag-stack", "prod", false);
        expect(underPulumiMocks()).toBe(true);
        // Under mocks (tests, npm run plan) the settings alone decide and nothing waits.
        expect(prepareDigitalOceanRun("prod", exampleSettings(), exampleProfile().services, {})).toEqual({ sshAccess: { method: "agent", description: "ssh-agent" } });
        // Nor is any registry asked.
        expect(modelRegistryGate("prod", exampleProfile().ollama, undefined, "the DigitalOcean GPU host", () => { throw new Error("no registry under mocks"); })).toBeUndefined();
    });
});
