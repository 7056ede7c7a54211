/**
 * prod on DigitalOcean, rendered from the real Pulumi.prod.yaml under mocks: the GPU droplet and
 * everything around it (key, VPC, protected data volumes, reserved IP, firewall, readiness over
 * SSH), the Docker provider on ssh://root@<reserved ip>, and the order that matters: the GPU is
 * proven visible to Docker before any container exists. Properties, not snapshots.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { gpuCheckLine } from "../../components/hosts/digitalocean";
import { firewallRules, opensToInternet } from "../../components/hosts/digitalocean-firewall";
import { DIGITALOCEAN_GPU_SIZES } from "../../components/hosts/digitalocean-sizes";
import { remoteScript } from "../../components/hosts/remote-script";
import { MOCK_DIGITALOCEAN_VPC_RANGE, MOCK_DROPLET_HOST_KEY } from "../../tools/mock-state";
import { Rendered, RenderedResource, renderStack, renderStackInChildProcess } from "../../tools/render";
import { CONTAINER, LOCAL_COMMAND, VOLUME } from "../unit/support/containers";

const DO = {
    provider: "pulumi:providers:digitalocean",
    sshKey: "digitalocean:index/sshKey:SshKey",
    vpc: "digitalocean:index/vpc:Vpc",
    volume: "digitalocean:index/volume:Volume",
    droplet: "digitalocean:index/droplet:Droplet",
    reservedIp: "digitalocean:index/reservedIp:ReservedIp",
    assignment: "digitalocean:index/reservedIpAssignment:ReservedIpAssignment",
    firewall: "digitalocean:index/firewall:Firewall",
    tag: "digitalocean:index/tag:Tag",
    registryCredentials: "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials",
};
const REMOTE_COMMAND = "command:remote:Command";
const DOCKER_PROVIDER = "pulumi:providers:docker";
const MOCK_RESERVED_IP = "203.0.113.50";

type StackFile = { config: Record<string, Record<string, unknown>> };
const stackFile = parseYaml(fs.readFileSync(path.join(__dirname, "../../Pulumi.prod.yaml"), "utf8")) as StackFile;
const doConfig = stackFile.config["rag-stack:digitalocean"] as {
    region: string; size: string; sshPublicKey: string; adminCidrs: string[]; vpcIpRange?: string; modelsVolumeGb: number; neo4jVolumeGb: number;
};

let r: Rendered;
const one = (type: string): RenderedResource => {
    const found = r.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0];
};

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "prod",
        secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
    }));
});

test("the stack file is a DigitalOcean one: no docker.host, a GPU size the table knows", () => {
    expect(stackFile.config["rag-stack:host"]).toMatchObject({ provider: "digitalocean" });
    expect(stackFile.config["rag-stack:docker"]).toBeUndefined();
    expect(DIGITALOCEAN_GPU_SIZES[doConfig.size].regions).toContain(doConfig.region);
});

test("an explicit DigitalOcean provider gets the token as a secret; every DigitalOcean resource uses it", () => {
    const provider = one(DO.provider);
    expect(provider.inputs.token).toBe("dop_v1_test");
    expect(provider.secretPaths).toContain("token");
    const doResources = r.result.resources.filter((x) => x.type.startsWith("digitalocean:"));
    expect(doResources.length).toBeGreaterThanOrEqual(9);
    for (const x of doResources) expect(x.provider?.startsWith(`${provider.urn}::`)).toBe(true);
});

test("ssh key from the stack file; VPC in the region, its range left to DigitalOcean (no fixed default to collide with)", () => {
    expect(one(DO.sshKey).inputs.publicKey).toBe(doConfig.sshPublicKey);
    expect(doConfig.vpcIpRange).toBeUndefined();
    expect(one(DO.vpc).inputs).toMatchObject({ region: doConfig.region });
    expect(one(DO.vpc).inputs.ipRange).toBeUndefined();
});

test("two block volumes (models, Neo4j) in the region, ext4, protected and retained on delete", () => {
    const volumes = r.ofType(DO.volume);
    expect(volumes.map((v) => v.name).sort()).toEqual(["host-models", "host-neo4j-data"]);
    expect(r.named("host-models", DO.volume).inputs).toMatchObject({ size: doConfig.modelsVolumeGb, region: doConfig.region, initialFilesystemType: "ext4", name: "rag-stack-prod-models" });
    expect(r.named("host-neo4j-data", DO.volume).inputs).toMatchObject({ size: doConfig.neo4jVolumeGb, region: doConfig.region, initialFilesystemType: "ext4", name: "rag-stack-prod-neo4j" });
    for (const v of volumes) {
        expect(v.protect).toBe(true);
        expect(v.retainOnDelete).toBe(true);
    }
});

test("the GPU droplet: size, region, the size's GPU base image, monitoring, tags, VPC, key, both volumes attached, cloud-init", () => {
    const droplet = one(DO.droplet);
    const i = droplet.inputs as Record<string, unknown>;
    expect(i).toMatchObject({ size: doConfig.size, region: doConfig.region, image: DIGITALOCEAN_GPU_SIZES[doConfig.size].baseImage, monitoring: true });
    expect(i.tags).toEqual(expect.arrayContaining(["rag-stack", "rag-stack-prod-gpu-host"]));
    expect(i.vpcUuid).toBe("host-vpc-id");
    expect(i.sshKeys).toEqual(["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]);
    expect((i.volumeIds as string[]).sort()).toEqual(["host-models-id", "host-neo4j-data-id"]);
    expect(droplet.deleteBeforeReplace).toBe(true);
    const userData = String(i.userData);
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    expect(userData).toContain("/dev/disk/by-id/scsi-0DO_Volume_rag-stack-prod-models");
    expect(userData).toContain("/dev/disk/by-id/scsi-0DO_Volume_rag-stack-prod-neo4j");
});

test("a size change resizes CPU, RAM and GPU but not the disk (resizeDisk: false keeps it reversible)", () => {
    expect(one(DO.droplet).inputs.resizeDisk).toBe(false);
});

test("the droplet's actual user-data passes `cloud-init schema`", () => {
    if (spawnSync("sh", ["-c", "command -v cloud-init"]).status !== 0) {
        console.warn("cloud-init is not installed (apt-get install cloud-init): schema check skipped");
        return;
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-ud-")), "user-data.yaml");
    fs.writeFileSync(file, String(one(DO.droplet).inputs.userData));
    const result = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toContain("Valid cloud-config");
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test("a reserved IP in the region, assigned to the droplet", () => {
    expect(one(DO.reservedIp).inputs).toMatchObject({ region: doConfig.region });
    const assignment = one(DO.assignment);
    expect(assignment.inputs.ipAddress).toBe(MOCK_RESERVED_IP);
    expect(r.dependsOn(assignment, one(DO.droplet))).toBe(true);
    expect(r.dependsOn(assignment, one(DO.reservedIp))).toBe(true);
});

type Rule = { protocol: string; portRange?: string; sourceAddresses?: string[] };
const WORLD = ["0.0.0.0/0", "::/0"];
/** Independent of the code under test: does this rule let `port` in from anywhere on the internet? */
function letsInFromInternet(rule: Rule, port: number): boolean {
    if (!(rule.sourceAddresses ?? []).some((a) => WORLD.includes(a))) return false;
    if (rule.protocol === "icmp") return false;
    const range = rule.portRange ?? "all";
    if (["all", "0", ""].includes(range)) return true;
    const [lo, hi] = range.split("-").map(Number);
    return port >= lo && port <= (hi ?? lo);
}

describe("the cloud firewall", () => {
    const inbound = () => (one(DO.firewall).inputs.inboundRules ?? []) as Rule[];

    test("applies to the droplet through its tag", () => {
        const firewall = one(DO.firewall);
        expect(firewall.inputs.tags).toEqual(["rag-stack-prod-gpu-host"]);
        expect(one(DO.droplet).inputs.tags).toContain("rag-stack-prod-gpu-host");
    });

    test.each([11434, 7687, 7474, 8000, 3000])("no rule opens %i to 0.0.0.0/0 or ::/0, nor names it at all", (port) => {
        expect(inbound().filter((rule) => letsInFromInternet(rule, port))).toEqual([]);
        expect(inbound().filter((rule) => rule.portRange === String(port))).toEqual([]);
    });

    test("inbound is exactly: 22 from adminCidrs, 80 and 443 from anywhere, ICMP", () => {
        expect(inbound()).toEqual([
            { protocol: "tcp", portRange: "22", sourceAddresses: doConfig.adminCidrs },
            { protocol: "tcp", portRange: "80", sourceAddresses: WORLD },
            { protocol: "tcp", portRange: "443", sourceAddresses: WORLD },
            { protocol: "icmp", sourceAddresses: WORLD },
        ]);
    });

    test("SSH only from adminCidrs", () => {
        const ssh = inbound().filter((rule) => rule.protocol === "tcp" && rule.portRange === "22");
        expect(ssh).toEqual([{ protocol: "tcp", portRange: "22", sourceAddresses: doConfig.adminCidrs }]);
        expect(inbound().filter((rule) => letsInFromInternet(rule, 22))).toEqual([]);
    });

    test("80 and 443 are public, the backend's and frontend's own ports are not", () => {
        for (const port of [80, 443]) expect(inbound().some((rule) => letsInFromInternet(rule, port))).toBe(true);
        for (const port of [8000, 3000]) expect(inbound().some((rule) => letsInFromInternet(rule, port))).toBe(false);
    });
});

describe("readiness and the Docker provider", () => {
    const ready = () => r.named("host-gpu-ready", REMOTE_COMMAND);

    test("readiness runs over SSH to root@<reserved ip>: waits for cloud-init, checks the nvidia runtime, nvidia-smi, a --gpus all container", () => {
        const c = ready();
        expect(c.inputs.connection).toMatchObject({ host: MOCK_RESERVED_IP, user: "root" });
        expect(c.inputs.create).toBe("READY_MARKER='/var/lib/rag-stack/ready' GPU_CHECK_IMAGE='ollama/ollama:0.12.6' sh -s");
        const script = String(c.inputs.stdin);
        expect(script).toContain("cloud-init status --wait");
        expect(script).toMatch(/docker info/);
        expect(script).toMatch(/grep -q nvidia/);
        expect(script).toContain("nvidia-smi --query-gpu");
        expect(script).toContain("docker run --rm --gpus all");
        expect(r.dependsOn(c, one(DO.assignment))).toBe(true);
        expect(r.dependsOn(c, one(DO.firewall))).toBe(true);
    });

    test("the Docker provider is ssh://root@<reserved ip> and waits for readiness", () => {
        const provider = one(DOCKER_PROVIDER);
        expect(provider.inputs.host).toBe(`ssh://root@${MOCK_RESERVED_IP}`);
        expect(r.dependsOn(provider, ready())).toBe(true);
    });

    test("every Docker resource goes through that provider, so nothing reaches the engine before readiness", () => {
        const provider = one(DOCKER_PROVIDER);
        const dockerResources = r.result.resources.filter((x) => x.type.startsWith("docker:"));
        expect(dockerResources.length).toBeGreaterThan(5);
        for (const x of dockerResources) {
            // The engine creates a provider after its dependencies, and a resource after its provider.
            expect(x.provider?.startsWith(`${provider.urn}::`)).toBe(true);
        }
        expect(r.dependsOn(provider, ready())).toBe(true);
    });

    test("every container and the app network also depend on readiness directly", () => {
        const direct = [...r.ofType(CONTAINER), r.named("app-network")];
        expect(direct.map((c) => c.name).sort()).toEqual(["app-backend", "app-frontend", "app-neo4j", "app-network", "health-container", "ollama-container", "proxy-container"]);
        for (const c of direct) expect(r.dependsOn(c, ready())).toBe(true);
    });
});

test("the data lives on the volumes: Ollama models and Neo4j data are bind volumes on the mounted block devices", () => {
    const models = r.named("ollama-container-models", VOLUME);
    expect(models.inputs).toMatchObject({ driver: "local", driverOpts: { type: "none", o: "bind", device: "/mnt/rag-stack-models/ollama" } });
    const neo4j = r.named("app-neo4j-data", VOLUME);
    expect(neo4j.inputs).toMatchObject({ driver: "local", driverOpts: { type: "none", o: "bind", device: "/mnt/rag-stack-neo4j/data" } });
    // The Docker volume is only a bind: the protected DigitalOcean volume behind it holds the data,
    // and the bind follows the droplet when it is replaced.
    expect(neo4j.protect).toBe(false);
    expect(neo4j.replaceWith).toEqual([one(DO.droplet).urn]);
    const userData = String(one(DO.droplet).inputs.userData);
    expect(userData).toContain("MODELS_DIR='/mnt/rag-stack-models/ollama'");
    expect(userData).toContain("NEO4J_DIR='/mnt/rag-stack-neo4j/data'");
});

test("the model is pulled on the droplet (docker exec over SSH), after the container, with no local command and no published port", () => {
    const pull = r.named("ollama-container-model", REMOTE_COMMAND);
    expect(pull.inputs.connection).toMatchObject({ host: MOCK_RESERVED_IP, user: "root" });
    expect(pull.inputs.create).toBe("OLLAMA_CONTAINER='rag-stack-prod-ollama' OLLAMA_MODEL='qwen2.5:7b-instruct-q8_0' sh -s");
    expect(String(pull.inputs.stdin)).toContain('docker exec "$OLLAMA_CONTAINER" ollama pull "$OLLAMA_MODEL"');
    expect(r.dependsOn(pull, r.named("ollama-container", CONTAINER))).toBe(true);
    // The only command on the machine running Pulumi is the GPU capacity check (it talks to DigitalOcean's API, not to the droplet).
    expect(r.ofType(LOCAL_COMMAND).map((c) => c.name)).toEqual(["host-gpu-capacity"]);
    expect(r.named("ollama-container", CONTAINER).inputs.ports ?? []).toEqual([]);
});

test("outputs: public IP, URLs on it, droplet size, its price per hour from the table, the GPU check; no token", () => {
    const o = r.result.outputs as Record<string, unknown>;
    expect(o.publicIp).toBe(MOCK_RESERVED_IP);
    expect(o.dockerHost).toBe(`ssh://root@${MOCK_RESERVED_IP}`);
    // Through the front door, by name: the certificate is for the name, not the address.
    expect(o.frontendUrl).toBe("https://rag.example.com/");
    expect(o.backendHealthUrl).toBe("https://rag.example.com/api/health");
    expect(o.frontDoor).toMatchObject({ host: "rag.example.com", address: MOCK_RESERVED_IP, ca: "letsencrypt-staging", auth: "none" });
    expect(o.gpuHost).toEqual({
        size: doConfig.size,
        gpu: `1x ${DIGITALOCEAN_GPU_SIZES[doConfig.size].gpu}`,
        pricePerHourUsd: DIGITALOCEAN_GPU_SIZES[doConfig.size].pricePerHourUsd,
        gpuCheck: "not checked yet",
        // The metrics-agent step's last line; the mocks run no script (tests/scripts/metrics-agent.test.ts does).
        metricsAgent: "not checked yet",
        ollamaHealStateDir: "/var/lib/rag-stack/ollama-heal",
    });
    expect(JSON.stringify(o)).not.toContain("dop_v1_test");
});

test("the GPU check output is the readiness script's `gpu:` line", () => {
    expect(gpuCheckLine("ready: docker has the nvidia runtime\ngpu: NVIDIA RTX 4000 Ada Generation, 20475 MiB, 570.124.06\n"))
        .toBe("gpu: NVIDIA RTX 4000 Ada Generation, 20475 MiB, 570.124.06");
    expect(gpuCheckLine("")).toBe("not checked yet");
});

test("host.provider existing deploys to an existing engine over ssh and creates no DigitalOcean resource", () => {
    const existing = new Rendered(renderStackInChildProcess({
        stack: "prod",
        secrets: { neo4jPassword: "prod-password-1" },
        overrides: { "host.provider": "existing", "docker.host": "ssh://root@gpu-host.example.internal" },
        unset: ["digitalocean"],
    }));
    expect(existing.result.resources.filter((x) => x.type.startsWith("digitalocean:"))).toEqual([]);
    expect(existing.result.resources.filter((x) => x.type === DOCKER_PROVIDER).map((p) => p.inputs.host))
        .toEqual(["ssh://root@gpu-host.example.internal"]);
    expect(existing.result.outputs.gpuHost).toBeUndefined();
    // Without a machine of the stack's own, Neo4j's Docker volume holds the data itself: protected, bound to nothing.
    const neo4jData = existing.named("app-neo4j-data", VOLUME);
    expect(neo4jData.protect).toBe(true);
    expect(existing.result.resources.filter((x) => x.replaceWith.length > 0 || x.deletedWith)).toEqual([]);
});

test("every Docker resource is replaced with the droplet and not deleted separately when it goes (the network through its machine label)", () => {
    const droplet = one(DO.droplet);
    const onDocker = r.result.resources.filter((x) => x.custom && x.type.startsWith("docker:") && x.name !== "app-network");
    expect(onDocker.length).toBeGreaterThanOrEqual(10);
    for (const res of onDocker) {
        expect({ name: res.name, replaceWith: res.replaceWith, deletedWith: res.deletedWith })
            .toEqual({ name: res.name, replaceWith: [droplet.urn], deletedWith: droplet.urn });
    }
    // The network: deleted with the droplet, replaced with it because an input holds its id (tests/unit/prod-stack.test.ts says why).
    const network = r.named("app-network");
    expect({ replaceWith: network.replaceWith, deletedWith: network.deletedWith }).toEqual({ replaceWith: [], deletedWith: droplet.urn });
    expect(network.propertyDependencies?.labels).toEqual([droplet.urn]);
});

test("a remote script runs as `NAME='value' sh -s` with the file on stdin; values with quotes survive", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-remote-"));
    const file = path.join(dir, "echo.sh");
    fs.writeFileSync(file, '#!/bin/sh\nset -eu\nprintf "%s|%s" "$FIRST" "$SECOND"\n');
    const script = remoteScript(file, { FIRST: "it's; rm -rf /", SECOND: "$HOME `id`" });
    const result = spawnSync("sh", ["-c", script.create], { input: script.stdin, encoding: "utf8" });
    expect(result.stdout).toBe("it's; rm -rf /|$HOME `id`");
    expect(script.hash).toMatch(/^[0-9a-f]{16}$/);
    fs.rmSync(dir, { recursive: true, force: true });
});

test("the firewall rules never open a private port to the internet, even when asked to publish it", () => {
    const rules = firewallRules({ adminCidrs: ["203.0.113.7/32"], publicPorts: [80, 11434, 7474, 22, 3000] });
    for (const port of [22, 11434, 7687, 7474]) {
        expect(rules.inbound.filter((rule) => opensToInternet(rule, port))).toEqual([]);
    }
    expect(rules.inbound.some((rule) => opensToInternet(rule, 3000))).toBe(true);
    expect(opensToInternet({ protocol: "tcp", portRange: "1-65535", sourceAddresses: ["::/0"] }, 7687)).toBe(true);
    expect(opensToInternet({ protocol: "tcp", portRange: "all", sourceAddresses: ["0.0.0.0/0"] }, 11434)).toBe(true);
});


/** Provider configuration reaches the engine JSON-encoded when it is not a string. */
function providerInput<T>(value: unknown): T {
    return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

describe("SSH: one way to authenticate for both clients, the droplet's host key pinned", () => {
    const hostKeys = () => r.named("host-host-keys", REMOTE_COMMAND);

    test("without sshPrivateKeyPath no private key goes into any remote command's connection (the agent is used)", () => {
        const remote = r.ofType(REMOTE_COMMAND);
        expect(remote.length).toBeGreaterThanOrEqual(3);
        for (const c of remote) {
            expect(c.inputs.connection).toMatchObject({ host: MOCK_RESERVED_IP, user: "root" });
            expect((c.inputs.connection as Record<string, unknown>).privateKey).toBeUndefined();
        }
    });

    test("the host keys are read on the droplet after readiness, again for every new droplet", () => {
        const c = hostKeys();
        expect(String(c.inputs.stdin)).toContain('"$dir"/ssh_host_*_key.pub');
        expect(c.inputs.create).toBe("sh -s");
        expect((c.inputs.triggers as unknown[])[0]).toMatch(/^\d+$/); // the mock droplet's (numeric) id
        expect(r.dependsOn(c, r.named("host-gpu-ready", REMOTE_COMMAND))).toBe(true);
    });

    test("the Docker provider's ssh: BatchMode, strict checking against exactly the droplet's key, not the user's known_hosts", () => {
        const provider = one(DOCKER_PROVIDER);
        const opts = providerInput<string[]>(provider.inputs.sshOpts);
        const values = opts.filter((_, i) => opts[i - 1] === "-o");
        expect(values).toEqual(expect.arrayContaining([
            "BatchMode=yes",
            "StrictHostKeyChecking=yes",
            "UserKnownHostsFile=/dev/null",
            `KnownHostsCommand=/bin/echo ${MOCK_RESERVED_IP} ssh-ed25519 ${MOCK_DROPLET_HOST_KEY}`,
            "HostKeyAlgorithms=ssh-ed25519",
        ]));
        expect(opts.join(" ")).not.toContain("accept-new");
        expect(opts).not.toContain("-i");
        expect(r.dependsOn(provider, hostKeys())).toBe(true);
    });
});

describe("private images: the provider gets DigitalOcean registry credentials", () => {
    test("a read-only credentials resource for the registry the images name, through the DigitalOcean provider", () => {
        const creds = one(DO.registryCredentials);
        expect(creds.inputs).toMatchObject({ registryName: "rag-stack", write: false });
        expect(creds.provider?.startsWith(`${one(DO.provider).urn}::`)).toBe(true);
    });

    test("registryAuth for registry.digitalocean.com from the credentials' Docker config JSON, as a secret", () => {
        const provider = one(DOCKER_PROVIDER);
        const auth = providerInput<{ address: string; configFileContent: string }[]>(provider.inputs.registryAuth);
        expect(auth.map((a) => a.address)).toEqual(["registry.digitalocean.com"]);
        expect(provider.secretPaths.some((p) => p.startsWith("registryAuth"))).toBe(true);
        // What the provider does with it (providerSetToRegistryAuth): look the host up in `auths`, decode user:password.
        const config = JSON.parse(auth[0].configFileContent) as { auths: Record<string, { auth: string }> };
        const [user, password] = Buffer.from(config.auths["registry.digitalocean.com"].auth, "base64").toString().split(":");
        expect(user).toBe("mock-rag-stack-token");
        expect(password).toBe("mock-rag-stack-token");
        expect(r.dependsOn(provider, one(DO.registryCredentials))).toBe(true);
    });
});


test("configured VPC range, public images only, retained volumes adopted, a key file: the range is used, no registry credentials, the volumes imported, the key used by both clients", () => {
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-key-"));
    const keyFile = path.join(keyDir, "id_ed25519");
    fs.writeFileSync(keyFile, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
    const MODELS_ID = "506f78a4-e098-11e5-ad9f-000f53306ae1";
    const NEO4J_ID = "506f78a4-e098-11e5-ad9f-000f53306ae2";
    const other = new Rendered(renderStackInChildProcess({
        stack: "prod",
        secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
        overrides: {
            "digitalocean.vpcIpRange": "10.120.0.0/20",
            "digitalocean.importVolumeIds": { models: MODELS_ID, neo4j: NEO4J_ID },
            "services.backend.image": "ghcr.io/example/rag-backend:1.0.0",
            "services.frontend.image": "example/rag-frontend:1.0.0",
            "digitalocean.sshPrivateKeyPath": keyFile,
        },
    }));
    fs.rmSync(keyDir, { recursive: true, force: true });
    // Without an agent (mocks probe nothing: the settings decide), the key file serves both clients.
    const ready = other.named("host-gpu-ready", REMOTE_COMMAND);
    expect((ready.inputs.connection as Record<string, unknown>).privateKey).toContain("not-a-real-key");
    expect(ready.secretPaths).toContain("connection"); // the whole connection is secret once it holds a key
    expect(providerInput<string[]>(other.ofType(DOCKER_PROVIDER)[0].inputs.sshOpts).slice(-4)).toEqual(["-o", "IdentitiesOnly=yes", "-i", keyFile]);
    expect(other.ofType(DO.vpc)[0].inputs.ipRange).toBe("10.120.0.0/20");
    const rules = (other.ofType(DO.firewall)[0].inputs.inboundRules ?? []) as Rule[];
    // The range is the VPC's; the firewall opens nothing to it (nothing publishes Ollama or Neo4j).
    expect(rules.filter((rule) => rule.portRange === "11434")).toEqual([]);
    expect(other.ofType(DO.registryCredentials)).toEqual([]);
    expect(providerInput<unknown[]>(other.ofType(DOCKER_PROVIDER)[0].inputs.registryAuth ?? "[]")).toEqual([]);
    expect(other.named("host-models", DO.volume).importId).toBe(MODELS_ID);
    expect(other.named("host-neo4j-data", DO.volume).importId).toBe(NEO4J_ID);
    expect(other.named("host-models", DO.volume).protect).toBe(true);
    // The main render adopts nothing.
    expect(r.ofType(DO.volume).map((v) => v.importId)).toEqual([undefined, undefined]);
});
