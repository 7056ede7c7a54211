/**
 * A Docker engine that already exists: the local one (dev) or a remote one over ssh
 * (`host.provider: existing`).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { HostSettings } from "../config/host";
import { DockerHost } from "./docker-host";

export interface ExistingDockerHostArgs {
    settings: HostSettings;
    /** Address users reach published ports at (services.publicHost). */
    publicHost: string;
}

export class ExistingDockerHost extends pulumi.ComponentResource implements DockerHost {
    public readonly provider: docker.Provider;
    public readonly dockerHost: pulumi.Output<string>;
    /** Why this engine (config, DOCKER_HOST, Docker Desktop's socket, the system socket). */
    public readonly dockerHostReason: string;
    public readonly localEngine: boolean;
    public readonly publicAddress: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[] = [];

    constructor(name: string, args: ExistingDockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:hosts:ExistingDockerHost", name, {}, opts);
        this.localEngine = args.settings.provider === "local";
        this.dockerHost = pulumi.output(args.settings.dockerHost);
        // Which engine and why (DOCKER_HOST, Docker Desktop's socket, the system one): the stack output
        // dockerHostReason, shown at the end of every `up`. (No pulumi.log line: under the mocks it goes
        // to stdout, which tools/render's child process uses for its JSON.)
        this.dockerHostReason = args.settings.dockerHostReason;
        this.provider = new docker.Provider(`${name}-docker`, { host: args.settings.dockerHost }, { parent: this });
        this.publicAddress = pulumi.output(args.publicHost);
        this.registerOutputs({ dockerHost: this.dockerHost, dockerHostReason: this.dockerHostReason });
    }
}
