/**
 * A DigitalOcean GPU droplet created by the stack, and the Docker engine on it:
 * SSH key, VPC (range chosen by DigitalOcean unless configured), two protected block volumes
 * (Ollama models, Neo4j data) mounted by cloud-init, the droplet on the size's AI/ML-ready NVIDIA
 * image, a reserved IP (DNS and the Docker provider survive a replacement), a cloud firewall (SSH
 * from the admin CIDRs, 80/443 for the front door, ICMP; nothing else, not even to the VPC), a readiness check
 * over SSH that proves Docker sees the GPU, the volumes' filesystems grown after a size change
 * (scripts/grow-filesystem.sh), the droplet's host key read on it (host-keys.sh) and pinned,
 * registry credentials when an image is on DigitalOcean's registry, and a Docker provider on
 * `ssh://<user>@<reserved ip>` that waits for all of it. The DigitalOcean provider waits for the
 * pre-flight checks (preflight.ts); SSH authentication is chosen in ssh-access.ts.
 *
 * Parked (`digitalocean.parked: true`): the data side only (key, VPC, volumes, tag, firewall,
 * reserved IP), registered exactly as when running; the compute side (capacity check, droplet, IP
 * assignment, readiness, volume grow, host keys, registry credentials, Docker provider) is not registered, so `up` deletes it and every Docker
 * resource with it. Nothing kept refers to the droplet: the firewall follows a tag, the volumes are
 * attached by the droplet's own `volumeIds` (the provider shuts the droplet down and detaches them
 * before deleting it: terraform-provider-digitalocean resourceDigitalOceanDropletDelete), and the
 * IP's assignment is its own resource.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DigitalOceanSettings } from "../config/digitalocean";
import { CloudInitArgs, digitalOceanVolumeDevice, renderCloudInit } from "./cloud-init";
import { capacityAdvice } from "./digitalocean-capacity";
import { firewallRules } from "./digitalocean-firewall";
import { CostInputs, hostCost, HostCost, HostState, parkingSaving } from "./digitalocean-cost";
import { DIGITALOCEAN_GPU_SIZES } from "./digitalocean-sizes";
import { DockerHost, GpuHostFacts, HostDataDirs } from "./docker-host";
import { OLLAMA_HEAL_STATE_DIR } from "./gpu-watchdog";
import { digitalOceanRegistryAuth } from "./registry-auth";
import { remoteScript, shellQuote } from "./remote-script";
import { dockerSshOptions, hostKeyToPin, SshAccess } from "./ssh-access";
import { containerName, dropletNames } from "../names";

export interface DigitalOceanHostArgs {
    /** Validated droplet settings (region, size, image, keys, CIDRs, volume sizes, tags). */
    settings: DigitalOceanSettings;
    /** User for SSH and the Docker engine URL (root on DigitalOcean's images). */
    sshUser: string;
    /** API token from secret config; when absent the provider reads DIGITALOCEAN_TOKEN. */
    token?: pulumi.Input<string>;
    /** Host ports users reach from the internet (frontend, backend); 80 and 443 are always open. */
    publicPorts: number[];
    /** Image started with `--gpus all` by the readiness check (the pinned Ollama image). */
    gpuCheckImage: string;
    /** Every image the stack pulls onto the droplet: private registries among them get credentials. */
    images: string[];
    /** How both SSH clients authenticate (checked by the pre-flight in a real run; see ssh-access.ts). */
    sshAccess: SshAccess;
    /** Resolves once the pre-flight checks pass; the DigitalOcean provider waits for it (preflight.ts). */
    billingGate?: pulumi.Output<unknown>;
}

/** Where the block volumes are mounted on the droplet, and the directories the containers use. */
export const DROPLET_MOUNTS = {
    models: "/mnt/rag-stack-models",
    neo4j: "/mnt/rag-stack-neo4j",
    readyMarker: "/var/lib/rag-stack/ready",
} as const;
export const DROPLET_DATA_DIRS: HostDataDirs = {
    ollamaModels: `${DROPLET_MOUNTS.models}/ollama`,
    neo4j: `${DROPLET_MOUNTS.neo4j}/data`,
    // On the app-data volume beside Neo4j: small, protected, and it follows a replaced droplet.
    proxy: `${DROPLET_MOUNTS.neo4j}/caddy`,
    // Mounted read-only into the health responder: DigitalOcean's disk alert measures the root disk only.
    volumeProbes: { models: `${DROPLET_MOUNTS.models}/.rag-stack-health`, neo4j: `${DROPLET_MOUNTS.neo4j}/.rag-stack-health` },
};

/**
 * How long the provider may take to delete the droplet (a park, a replacement, a destroy). Its own
 * default is 60 s (terraform-provider-digitalocean digitalocean/droplet/resource_droplet.go,
 * Timeouts.Delete, unchanged v2.90.0 to v2.99.1), and it bounds the whole delete: the SDK runs
 * DeleteContext under context.WithTimeout(d.Timeout(TimeoutDelete)) (terraform-plugin-sdk v2
 * helper/schema/resource.go). With gracefulShutdown that one minute must hold the unlock wait, the
 * ACPI shutdown (Docker stopping Neo4j with its 60 s grace, under docker.service's TimeoutStopSec),
 * detaching both volumes and the destroy wait (a fixed 60 s, waitForDropletDestroy): a timeout
 * leaves the droplet running, billed, and the state half-way. Minutes, with room to spare.
 */
export const DROPLET_DELETE_TIMEOUT = "10m";

const GPU_READY_SCRIPT = path.join(__dirname, "scripts", "gpu-ready.sh");
const GROW_FILESYSTEM_SCRIPT = path.join(__dirname, "scripts", "grow-filesystem.sh");
const HOST_KEYS_SCRIPT = path.join(__dirname, "scripts", "host-keys.sh");
const METRICS_AGENT_SCRIPT = path.join(__dirname, "scripts", "metrics-agent.sh");

/**
 * What cloud-init needs to prepare a droplet of the stack whose DigitalOcean names start with
 * `prefix`: its volumes' devices, the mounts and directories, the Ollama container the heal timer
 * watches. The host renders its user-data from this, and the tests render exactly the same.
 */
export function dropletCloudInitArgs(prefix: string, ollamaContainer: string): CloudInitArgs {
    return {
        modelsDevice: digitalOceanVolumeDevice(dropletNames(prefix).modelsVolume),
        modelsMount: DROPLET_MOUNTS.models,
        modelsDir: DROPLET_DATA_DIRS.ollamaModels,
        neo4jDevice: digitalOceanVolumeDevice(dropletNames(prefix).neo4jVolume),
        neo4jMount: DROPLET_MOUNTS.neo4j,
        neo4jDir: DROPLET_DATA_DIRS.neo4j,
        caddyDir: DROPLET_DATA_DIRS.proxy,
        readyMarker: DROPLET_MOUNTS.readyMarker,
        ollamaContainer,
        healStateDir: OLLAMA_HEAL_STATE_DIR,
    };
}

export class DigitalOceanHost extends pulumi.ComponentResource {
    /** running, or parked (no droplet). */
    public readonly state: HostState;
    /** The Docker engine on the droplet; undefined while parked. */
    public readonly docker?: DockerHost;
    /** What the stack's DigitalOcean resources cost now, and what parking saves. */
    public readonly cost: HostCost;
    public readonly parkingSaving: { perHourUsd: number; perMonthUsd: number };
    /** What the bill is made of (the droplet's price, the volumes' sizes): a schedule's cost follows from it. */
    public readonly costInputs: CostInputs;
    public readonly publicAddress: pulumi.Output<string>;
    public readonly reservedIp: digitalocean.ReservedIp;
    public readonly modelsVolume: digitalocean.Volume;
    public readonly neo4jVolume: digitalocean.Volume;
    public readonly firewall: digitalocean.Firewall;
    /** The provider every DigitalOcean resource of the stack goes through (it waits for the pre-flight). */
    public readonly doProvider: digitalocean.Provider;
    // The compute side: set only while running.
    public readonly provider?: docker.Provider;
    public readonly dockerHost?: pulumi.Output<string>;
    public readonly dataDirs: HostDataDirs = DROPLET_DATA_DIRS;
    public readonly connection?: pulumi.Output<command.types.input.remote.ConnectionArgs>;
    public readonly gpuHost?: GpuHostFacts;
    public readonly droplet?: digitalocean.Droplet;
    public readonly readiness?: command.remote.Command;

    constructor(name: string, args: DigitalOceanHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:hosts:DigitalOceanHost", name, {}, opts);
        const s = args.settings;
        const names = dropletNames();
        const prefix = names.prefix;
        // Rendered (and size-checked) before the first resource registers: a failure creates nothing.
        const cloudInit = dropletCloudInitArgs(prefix, containerName("ollama"));
        const userData = renderCloudInit(cloudInit);
        const token = args.token === undefined ? undefined : pulumi.secret(args.token);
        const doProvider = new digitalocean.Provider(`${name}-do`, {
            // Every DigitalOcean resource goes through this provider, and its configuration waits
            // for the pre-flight checks: nothing billable is created before they pass.
            token: args.billingGate ? pulumi.all([args.billingGate, token]).apply(([, value]) => value) : token,
        }, { parent: this });
        this.doProvider = doProvider;
        const doOpts = { parent: this, provider: doProvider };
        // The data outlives every other resource: `pulumi destroy` refuses while protected, and
        // even an unprotected delete only forgets the volume (retainOnDelete).
        const dataOpts = { ...doOpts, protect: true, retainOnDelete: true };

        const sshKeys: pulumi.Input<string>[] = [...s.sshKeyFingerprints];
        if (s.sshPublicKey) {
            const key = new digitalocean.SshKey(`${name}-ssh-key`, { name: names.sshKey, publicKey: s.sshPublicKey }, doOpts);
            sshKeys.push(key.fingerprint);
        }

        const vpc = new digitalocean.Vpc(`${name}-vpc`, {
            name: names.vpc,
            region: s.region,
            // Unset unless configured: DigitalOcean then picks a range that overlaps none of the
            // account's VPCs (a fixed default collides with an existing VPC and the create fails).
            ipRange: s.vpcIpRange,
            description: `${prefix}: GPU host network (Ollama and Neo4j reachable from here only)`,
        }, doOpts);

        const modelsName = names.modelsVolume;
        const neo4jName = names.neo4jVolume;
        this.modelsVolume = new digitalocean.Volume(`${name}-models`, {
            name: modelsName,
            region: s.region,
            size: s.modelsVolumeGb,
            initialFilesystemType: "ext4",
            initialFilesystemLabel: "ollama-models",
            description: "Ollama model store (protected: survives droplet replacement and stack destroy)",
            tags: s.tags,
        }, { ...dataOpts, import: s.importVolumeIds?.models });
        this.neo4jVolume = new digitalocean.Volume(`${name}-neo4j-data`, {
            name: neo4jName,
            region: s.region,
            size: s.neo4jVolumeGb,
            initialFilesystemType: "ext4",
            initialFilesystemLabel: "neo4j-data",
            description: "Neo4j data (protected: survives droplet replacement and stack destroy)",
            tags: s.tags,
        }, { ...dataOpts, import: s.importVolumeIds?.neo4j });

        // The address outlives the droplet (parked, it is kept unassigned).
        const reservedIp = new digitalocean.ReservedIp(`${name}-ip`, { region: s.region }, doOpts);
        this.reservedIp = reservedIp;
        this.publicAddress = reservedIp.ipAddress;

        // The firewall follows this tag, so the droplet is covered from its first boot.
        const hostTag = new digitalocean.Tag(`${name}-tag`, { name: names.hostTag }, doOpts);

        // Inbound: SSH from the admins, 80/443 to the front door, ICMP; nothing else. Nothing
        // publishes Ollama or Neo4j, so no rule opens them, not even to the VPC.
        const rules = firewallRules({ adminCidrs: s.adminCidrs, publicPorts: args.publicPorts });
        this.firewall = new digitalocean.Firewall(`${name}-firewall`, {
            name: names.firewall,
            tags: [hostTag.name],
            inboundRules: rules.inbound,
            outboundRules: rules.outbound,
        }, doOpts);

        const size = DIGITALOCEAN_GPU_SIZES[s.size];
        const costInputs: CostInputs = { dropletPerHourUsd: size?.pricePerHourUsd ?? 0, volumesGib: [s.modelsVolumeGb, s.neo4jVolumeGb] };
        this.state = s.parked ? "parked" : "running";
        this.cost = hostCost(this.state, costInputs);
        this.parkingSaving = parkingSaving(costInputs);
        this.costInputs = costInputs;
        if (s.parked) {
            // Parked: the data side above, nothing else. See the header.
            this.registerOutputs({ state: this.state, publicAddress: this.publicAddress });
            return;
        }

        // Before any droplet is created (or replaced: the triggers are what replaces it), ask
        // DigitalOcean whether the region sells the size now: a clear error instead of a bare 422.
        const capacity = new command.local.Command(`${name}-gpu-capacity`, {
            create: "node components/hosts/scripts/gpu-capacity.js",
            environment: {
                GPU_SIZE: s.size,
                GPU_REGION: s.region,
                CAPACITY_ADVICE: capacityAdvice(s.size, s.region),
                ...(args.token === undefined ? {} : { DIGITALOCEAN_TOKEN: pulumi.secret(args.token) }),
            },
            triggers: [s.size, s.region, s.image, crypto.createHash("sha256").update(userData).digest("hex").slice(0, 16)],
        }, { parent: this });

        this.droplet = new digitalocean.Droplet(`${name}-droplet`, {
            name: names.droplet,
            region: s.region,
            size: s.size,
            image: s.image,
            vpcUuid: vpc.id,
            sshKeys,
            monitoring: true,
            tags: [...s.tags, hostTag.name],
            userData,
            // Attached at creation, so cloud-init finds the devices on first boot.
            volumeIds: [this.modelsVolume.id, this.neo4jVolume.id],
            gracefulShutdown: true,
            // A size change resizes CPU, RAM and GPU in place (power off, resize, power on) but not
            // the disk: growing the disk is permanent and would forbid ever going back to a smaller
            // size. The data lives on the block volumes, not on the droplet's disk.
            // (digitalocean.Droplet `resizeDisk`, default true; GPU droplets cannot go from 8 GPUs to 1.)
            resizeDisk: false,
        }, {
            ...doOpts,
            // A volume attaches to one droplet at a time: the old droplet goes first.
            deleteBeforeReplace: true,
            dependsOn: [this.firewall, capacity],
            // Graceful shutdown, detach, delete: see DROPLET_DELETE_TIMEOUT.
            customTimeouts: { delete: DROPLET_DELETE_TIMEOUT },
        });

        const assignment = new digitalocean.ReservedIpAssignment(`${name}-ip-assignment`, {
            ipAddress: reservedIp.ipAddress,
            dropletId: this.droplet.id.apply((id) => Number(id)),
        }, doOpts);

        this.dockerHost = pulumi.interpolate`ssh://${args.sshUser}@${reservedIp.ipAddress}`;
        this.connection = pulumi.output({
            host: reservedIp.ipAddress,
            user: args.sshUser,
            // The droplet needs a minute or two before sshd answers.
            dialErrorLimit: 40,
            perDialTimeout: 30,
            // The agent (SSH_AUTH_SOCK, read by the provider itself) unless only a key file can do it.
            privateKey: args.sshAccess.method === "key-file" && args.sshAccess.keyFile
                ? pulumi.secret(readPrivateKey(args.sshAccess.keyFile)) : undefined,
        });

        const check = remoteScript(GPU_READY_SCRIPT, {
            READY_MARKER: DROPLET_MOUNTS.readyMarker,
            GPU_CHECK_IMAGE: args.gpuCheckImage,
        });
        this.readiness = new command.remote.Command(`${name}-gpu-ready`, {
            connection: this.connection,
            create: check.create,
            stdin: check.stdin,
            // Runs again on a new droplet (or a changed check), never on an unrelated update.
            triggers: [this.droplet.id, check.hash],
        }, { parent: this, dependsOn: [assignment, this.firewall] });

        // A grown volume (its `size` changed: resized in place, the droplet kept) keeps its old
        // filesystem size until the filesystem grows: on the droplet, after the resize (the sizes are
        // the triggers). A new droplet's prepare script grows them at first boot (cloud-init.yaml.tmpl).
        const grow = remoteScript(GROW_FILESYSTEM_SCRIPT, {});
        new command.remote.Command(`${name}-volumes-grow`, {
            connection: this.connection,
            create: [grow.create, ...[cloudInit.modelsDevice, cloudInit.modelsMount, cloudInit.neo4jDevice, cloudInit.neo4jMount].map(shellQuote)].join(" "),
            stdin: grow.stdin,
            triggers: [this.modelsVolume.size, this.neo4jVolume.size, grow.hash],
        }, { parent: this, dependsOn: [this.readiness] });

        // DigitalOcean's metrics agent, which the droplet's alert policies read: installed at creation
        // by `monitoring: true`; proved here once per droplet, started or installed when it is not
        // there (scripts/metrics-agent.sh; it never fails the deployment, its last line says why).
        const agent = remoteScript(METRICS_AGENT_SCRIPT, {});
        const metricsAgent = new command.remote.Command(`${name}-metrics-agent`, {
            connection: this.connection,
            create: agent.create,
            stdin: agent.stdin,
            triggers: [this.droplet.id, agent.hash],
        }, { parent: this, dependsOn: [this.readiness] });

        // The droplet's host key, read on the droplet once cloud-init is done, again for every new
        // droplet; the Docker provider's ssh trusts exactly that key (ssh-access.ts).
        const hostKeysScript = remoteScript(HOST_KEYS_SCRIPT, {});
        const hostKeys = new command.remote.Command(`${name}-host-keys`, {
            connection: this.connection,
            create: hostKeysScript.create,
            stdin: hostKeysScript.stdin,
            triggers: [this.droplet.id, hostKeysScript.hash],
        }, { parent: this, dependsOn: [this.readiness] });
        const sshOpts = pulumi.all([reservedIp.ipAddress, hostKeys.stdout]).apply(([address, stdout]) => {
            const hostKey = hostKeyToPin(stdout);
            if (!hostKey) throw new Error(`the droplet at ${address} reported no SSH host key (host-keys.sh printed: ${JSON.stringify(stdout.slice(0, 200))})`);
            return dockerSshOptions(args.sshAccess, address, hostKey);
        });
        this.provider = new docker.Provider(`${name}-docker`, {
            host: this.dockerHost,
            sshOpts,
            registryAuth: digitalOceanRegistryAuth(name, args.images, doOpts),
        }, { parent: this, dependsOn: [this.readiness, hostKeys] });

        this.gpuHost = {
            publicIp: reservedIp.ipAddress,
            size: s.size,
            gpu: size ? `${size.gpuCount}x ${size.gpu}` : "unknown",
            pricePerHourUsd: size?.pricePerHourUsd ?? 0,
            gpuCheck: this.readiness.stdout.apply(gpuCheckLine),
            metricsAgent: metricsAgent.stdout.apply((out) => lastLine(out, "metrics agent: ")),
            ollamaHealStateDir: OLLAMA_HEAL_STATE_DIR,
        };
        this.docker = {
            provider: this.provider,
            dockerHost: this.dockerHost,
            localEngine: false,
            publicAddress: this.publicAddress,
            ssh: pulumi.all([reservedIp.ipAddress, sshOpts]).apply(([address, options]) => ({ target: `${args.sshUser}@${address}`, options })),
            ready: [this.readiness, hostKeys],
            dataDirs: this.dataDirs,
            connection: this.connection,
            machine: this.droplet,
            gpuHost: this.gpuHost,
        };
        this.registerOutputs({
            state: this.state,
            dockerHost: this.dockerHost,
            publicAddress: this.publicAddress,
            dropletId: this.droplet.id,
            gpuCheck: this.gpuHost.gpuCheck,
        });
    }
}

/** The readiness script's result: its last `gpu: ...` line. */
export function gpuCheckLine(stdout: string): string {
    return lastLine(stdout, "gpu: ");
}

/** A remote script's result: its last line starting with `prefix`. */
function lastLine(stdout: string, prefix: string): string {
    const lines = stdout.split("\n").filter((l) => l.startsWith(prefix));
    return lines.length > 0 ? lines[lines.length - 1] : "not checked yet";
}

function readPrivateKey(file: string): string {
    if (!fs.existsSync(file)) {
        throw new Error(`rag-stack:digitalocean.sshPrivateKeyPath: ${file} does not exist; point it at the private key matching the droplet's ssh key, or remove it to use ssh-agent`);
    }
    return fs.readFileSync(file, "utf8");
}
