/**
 * Ollama: picks the placement from the profile and exposes the one OllamaEndpoint interface.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { OllamaSettings } from "../config/ollama";
import { KubernetesTarget } from "../kubernetes/target";
import { OllamaContainer } from "./container";
import { OllamaEndpoint } from "./endpoint";
import { KubernetesOllama } from "./kubernetes";
import { NativeOllama } from "./native";

export type { OllamaEndpoint } from "./endpoint";

export interface OllamaArgs {
    /** Validated Ollama settings from the profile. */
    settings: OllamaSettings;
    /** Docker engine URL of the host the containers run on (Docker hosts). */
    dockerHost?: pulumi.Input<string>;
    /** True when that engine runs on this machine (a local model directory can then be shared). */
    localEngine: boolean;
    /** App network the container placement joins (alias `ollama`); Docker hosts only. */
    network?: docker.Network;
    /** Kubernetes placement: the cluster and namespace the StatefulSet goes to, and each replica's model volume size. */
    kubernetes?: { target: KubernetesTarget; modelsVolumeGb: number };
    /** Resources that must exist before Ollama starts (e.g. the GPU host being ready). */
    dependsOn?: pulumi.Resource[];
    /** Container placement: a directory on the Docker host for the model store (a droplet's block volume). */
    modelsHostDir?: string;
    /** Container placement on a remote host: SSH connection the model pull runs through (`docker exec` on the host). */
    remoteConnection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    /** The machine the engine runs on when the stack created it (container placement is replaced with it). */
    hostMachine?: pulumi.Resource;
}

export class Ollama extends pulumi.ComponentResource implements OllamaEndpoint {
    public readonly placement: OllamaEndpoint["placement"];
    public readonly urlForContainers: pulumi.Output<string>;
    public readonly needsHostGateway: boolean;
    public readonly urlForHost: pulumi.Output<string | undefined>;
    public readonly ready: pulumi.Resource[];
    public readonly processor: pulumi.Output<string | undefined>;

    constructor(name: string, args: OllamaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:ollama:Ollama", name, {}, opts);
        const childOpts = { parent: this, dependsOn: args.dependsOn };
        const impl = this.placementFor(name, args, childOpts);
        this.placement = impl.placement;
        this.urlForContainers = impl.urlForContainers;
        this.needsHostGateway = impl.needsHostGateway;
        this.urlForHost = impl.urlForHost;
        this.ready = impl.ready;
        this.processor = impl.processor;
        this.registerOutputs({
            placement: this.placement,
            urlForContainers: this.urlForContainers,
            urlForHost: this.urlForHost,
            processor: this.processor,
        });
    }

    /** The one place the placement is chosen. */
    private placementFor(name: string, args: OllamaArgs, childOpts: pulumi.ComponentResourceOptions): OllamaEndpoint {
        switch (args.settings.mode) {
            case "native":
                return new NativeOllama(`${name}-native`, { settings: args.settings }, childOpts);
            case "container":
                if (!args.network || args.dockerHost === undefined) throw new Error("the container placement needs a Docker host and its app network");
                return new OllamaContainer(`${name}-container`, {
                    settings: args.settings,
                    network: args.network,
                    dockerHost: args.dockerHost,
                    localEngine: args.localEngine,
                    modelsHostDir: args.modelsHostDir,
                    remoteConnection: args.remoteConnection,
                    hostMachine: args.hostMachine,
                }, childOpts);
            case "kubernetes":
                if (!args.kubernetes) throw new Error("the kubernetes placement needs a cluster (host.provider doks)");
                return new KubernetesOllama(`${name}-kubernetes`, {
                    settings: args.settings,
                    target: args.kubernetes.target,
                    modelsVolumeGb: args.kubernetes.modelsVolumeGb,
                }, childOpts);
        }
    }
}
