/**
 * What a host gives the rest of the stack: a Docker provider to deploy through, what must be
 * ready before the first container, and the address users reach it by.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Directories on the Docker host that live on persistent storage (a droplet's block volumes). */
export interface HostDataDirs {
    /** Ollama's model store. */
    ollamaModels: string;
    /** Neo4j's /data. */
    neo4j: string;
    /** The front door's state (Caddy's /data and /config below it: certificates, ACME account). */
    proxy: string;
    /**
     * An empty directory on each data volume (name -> path), created by dockerd at the first mount,
     * through which the health responder measures the volume's free space without seeing its data.
     */
    volumeProbes?: Record<string, string>;
}

/** What a GPU host this stack created reports about itself (stack outputs). */
export interface GpuHostFacts {
    /** The address that stays when the machine is replaced (a reserved IP). */
    publicIp: pulumi.Output<string>;
    /** Size slug, e.g. gpu-4000adax1-20gb. */
    size: string;
    /** GPU model and count, e.g. "1x NVIDIA RTX 4000 Ada". */
    gpu: string;
    /** List price in USD per hour, from components/hosts/digitalocean-sizes.ts. */
    pricePerHourUsd: number;
    /** The readiness check's result line (`gpu: <name>, <memory>, <driver>`). */
    gpuCheck: pulumi.Output<string>;
    /** DigitalOcean's metrics agent on the droplet (`metrics agent: running (...)` or why not), for its alert policies. */
    metricsAgent?: pulumi.Output<string>;
    /** Where the Ollama heal timer keeps its state on the host (verify reads it over ssh). */
    ollamaHealStateDir?: string;
}

export interface DockerHost {
    /** Provider every Docker resource of the stack is created through. */
    readonly provider: docker.Provider;
    /** Docker engine URL (unix://, ssh://); also used by scripts that run `docker`. */
    readonly dockerHost: pulumi.Output<string>;
    /** Why this engine, when it was chosen rather than created (config, DOCKER_HOST, Docker Desktop's socket, the system socket). */
    readonly dockerHostReason?: string;
    /** True when the engine runs on the machine running Pulumi. */
    readonly localEngine: boolean;
    /** Host name or address the published ports are reached at. */
    readonly publicAddress: pulumi.Output<string>;
    /** Resources that must be complete before any container is created. */
    readonly ready: pulumi.Resource[];
    /** Persistent directories on the host for the model store and Neo4j data, when it has them. */
    readonly dataDirs?: HostDataDirs;
    /** SSH connection to the host, for commands that must run on it (`remote.Command`). */
    readonly connection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    /** `ssh <options> <user>@<address>` as the Docker provider runs it (the host key pinned), when the host is reached over SSH. */
    readonly ssh?: pulumi.Output<{ target: string; options: string[] }>;
    /**
     * The machine the engine runs on, when this stack created it. Every Docker resource is
     * replaced with it (a new droplet has none of the old one's containers, network or volumes)
     * and is not deleted separately when it goes.
     */
    readonly machine?: pulumi.CustomResource;
    /** Facts about a GPU machine this stack created. */
    readonly gpuHost?: GpuHostFacts;
}
