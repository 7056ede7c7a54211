/**
 * A DigitalOcean GPU droplet created by the stack, and the Docker engine on it:
 * SSH key, VPC, two protected block volumes (Ollama models, Neo4j data) mounted by cloud-init,
 * the droplet on the size's AI/ML-ready NVIDIA image, a reserved IP (DNS and the Docker provider
 * survive a replacement), a cloud firewall (SSH from the admin CIDRs only; 11434, 7687, 7474 never
 * from the internet), a readiness check over SSH that proves Docker sees the GPU, and a Docker
 * provider on `ssh://<user>@<reserved ip>` that waits for it.
 */
import * as fs from "fs";
import * as path from "path";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DigitalOceanSettings } from "../config";
import { digitalOceanVolumeDevice, renderCloudInit } from "./cloud-init";
import { firewallRules } from "./digitalocean-firewall";
import { DIGITALOCEAN_GPU_SIZES } from "./digitalocean-sizes";
import { DockerHost, GpuHostFacts, HostDataDirs } from "./docker-host";
import { remoteScript } from "./remote-script";

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
};

const GPU_READY_SCRIPT = path.join(__dirname, "scripts", "gpu-ready.sh");

/** DigitalOcean names: lowercase letters, digits and dashes. */
function doName(...parts: string[]): string {
    return parts.join("-").toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63);
}

export class DigitalOceanHost extends pulumi.ComponentResource implements DockerHost {
    public readonly provider: docker.Provider;
    public readonly dockerHost: pulumi.Output<string>;
    public readonly localEngine = false;
    public readonly publicAddress: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[];
    public readonly dataDirs: HostDataDirs = DROPLET_DATA_DIRS;
    public readonly connection: pulumi.Output<command.types.input.remote.ConnectionArgs>;
    public readonly gpuHost: GpuHostFacts;
    public readonly droplet: digitalocean.Droplet;
    public readonly machine: digitalocean.Droplet;
    public readonly modelsVolume: digitalocean.Volume;
    public readonly neo4jVolume: digitalocean.Volume;
    public readonly firewall: digitalocean.Firewall;
    public readonly readiness: command.remote.Command;

    constructor(name: string, args: DigitalOceanHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:hosts:DigitalOceanHost", name, {}, opts);
        const s = args.settings;
        const prefix = doName(pulumi.getProject(), pulumi.getStack());
        const doProvider = new digitalocean.Provider(`${name}-do`, {
            token: args.token === undefined ? undefined : pulumi.secret(args.token),
        }, { parent: this });
        const doOpts = { parent: this, provider: doProvider };
        // The data outlives every other resource: `pulumi destroy` refuses while protected, and
        // even an unprotected delete only forgets the volume (retainOnDelete).
        const dataOpts = { ...doOpts, protect: true, retainOnDelete: true };

        const sshKeys: pulumi.Input<string>[] = [...s.sshKeyFingerprints];
        if (s.sshPublicKey) {
            const key = new digitalocean.SshKey(`${name}-ssh-key`, { name: `${prefix}-deploy`, publicKey: s.sshPublicKey }, doOpts);
            sshKeys.push(key.fingerprint);
        }

        const vpc = new digitalocean.Vpc(`${name}-vpc`, {
            name: prefix,
            region: s.region,
            ipRange: s.vpcIpRange,
            description: `${prefix}: GPU host network (Ollama and Neo4j reachable from here only)`,
        }, doOpts);

        const modelsName = `${prefix}-models`;
        const neo4jName = `${prefix}-neo4j`;
        this.modelsVolume = new digitalocean.Volume(`${name}-models`, {
            name: modelsName,
            region: s.region,
            size: s.modelsVolumeGb,
            initialFilesystemType: "ext4",
            initialFilesystemLabel: "ollama-models",
            description: "Ollama model store (protected: survives droplet replacement and stack destroy)",
            tags: s.tags,
        }, dataOpts);
        this.neo4jVolume = new digitalocean.Volume(`${name}-neo4j-data`, {
            name: neo4jName,
            region: s.region,
            size: s.neo4jVolumeGb,
            initialFilesystemType: "ext4",
            initialFilesystemLabel: "neo4j-data",
            description: "Neo4j data (protected: survives droplet replacement and stack destroy)",
            tags: s.tags,
        }, dataOpts);

        // The firewall follows this tag, so the droplet is covered from its first boot.
        const hostTag = new digitalocean.Tag(`${name}-tag`, { name: `${prefix}-gpu-host` }, doOpts);

        const userData = renderCloudInit({
            modelsDevice: digitalOceanVolumeDevice(modelsName),
            modelsMount: DROPLET_MOUNTS.models,
            modelsDir: DROPLET_DATA_DIRS.ollamaModels,
            neo4jDevice: digitalOceanVolumeDevice(neo4jName),
            neo4jMount: DROPLET_MOUNTS.neo4j,
            neo4jDir: DROPLET_DATA_DIRS.neo4j,
            caddyDir: DROPLET_DATA_DIRS.proxy,
            readyMarker: DROPLET_MOUNTS.readyMarker,
        });

        const rules = firewallRules({ adminCidrs: s.adminCidrs, publicPorts: args.publicPorts });
        this.firewall = new digitalocean.Firewall(`${name}-firewall`, {
            name: `${prefix}-gpu-host`,
            tags: [hostTag.name],
            inboundRules: rules.inbound,
            outboundRules: rules.outbound,
        }, doOpts);

        this.droplet = new digitalocean.Droplet(`${name}-droplet`, {
            name: `${prefix}-gpu`,
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
        }, {
            ...doOpts,
            // A volume attaches to one droplet at a time: the old droplet goes first.
            deleteBeforeReplace: true,
            dependsOn: [this.firewall],
        });

        this.machine = this.droplet;

        const reservedIp = new digitalocean.ReservedIp(`${name}-ip`, { region: s.region }, doOpts);
        const assignment = new digitalocean.ReservedIpAssignment(`${name}-ip-assignment`, {
            ipAddress: reservedIp.ipAddress,
            dropletId: this.droplet.id.apply((id) => Number(id)),
        }, doOpts);

        this.publicAddress = reservedIp.ipAddress;
        this.dockerHost = pulumi.interpolate`ssh://${args.sshUser}@${reservedIp.ipAddress}`;
        this.connection = pulumi.output({
            host: reservedIp.ipAddress,
            user: args.sshUser,
            // The droplet needs a minute or two before sshd answers.
            dialErrorLimit: 40,
            perDialTimeout: 30,
            privateKey: s.sshPrivateKeyPath ? pulumi.secret(readPrivateKey(s.sshPrivateKeyPath)) : undefined,
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

        const sshOpts = ["-o", "StrictHostKeyChecking=accept-new", "-o", "ServerAliveInterval=30"];
        if (s.sshPrivateKeyPath) sshOpts.push("-i", s.sshPrivateKeyPath);
        this.provider = new docker.Provider(`${name}-docker`, {
            host: this.dockerHost,
            sshOpts,
        }, { parent: this, dependsOn: [this.readiness] });
        this.ready = [this.readiness];

        const size = DIGITALOCEAN_GPU_SIZES[s.size];
        this.gpuHost = {
            publicIp: reservedIp.ipAddress,
            size: s.size,
            gpu: size ? `${size.gpuCount}x ${size.gpu}` : "unknown",
            pricePerHourUsd: size?.pricePerHourUsd ?? 0,
            gpuCheck: this.readiness.stdout.apply(gpuCheckLine),
        };
        this.registerOutputs({
            dockerHost: this.dockerHost,
            publicAddress: this.publicAddress,
            dropletId: this.droplet.id,
            gpuCheck: this.gpuHost.gpuCheck,
        });
    }
}

/** The readiness script's result: its last `gpu: ...` line. */
export function gpuCheckLine(stdout: string): string {
    const lines = stdout.split("\n").filter((l) => l.startsWith("gpu: "));
    return lines.length > 0 ? lines[lines.length - 1] : "not checked yet";
}

function readPrivateKey(file: string): string {
    if (!fs.existsSync(file)) {
        throw new Error(`rag-stack:digitalocean.sshPrivateKeyPath: ${file} does not exist; point it at the private key matching the droplet's ssh key, or remove it to use ssh-agent`);
    }
    return fs.readFileSync(file, "utf8");
}
