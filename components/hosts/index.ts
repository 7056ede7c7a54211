/**
 * Chooses the host from the profile: the local engine, an existing remote one, or a DigitalOcean
 * GPU droplet this stack creates, running or parked. The one place that decides whether there is
 * a Docker engine to deploy the app to.
 */
import type * as command from "@pulumi/command";
import type * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../config/profile";
import { publishedAppPorts } from "../config/services";
import { DigitalOceanHost } from "./digitalocean";
import { CostInputs, HostCost, HostState } from "./digitalocean-cost";
import { DockerHost } from "./docker-host";
import { ExistingDockerHost } from "./local";
import { gpuMemoryFor } from "../capacity/validate";
import { allGates, modelRegistryGate, prepareDigitalOceanRun } from "./preflight";

export type { DockerHost } from "./docker-host";

/** The host as index.ts sees it. */
export interface StackHost {
    /** `parked`: the GPU droplet and everything on it removed, the data and the address kept. */
    readonly state: HostState;
    /** The engine the app deploys to; undefined while parked: there is nothing to deploy to. */
    readonly docker?: DockerHost;
    /** The reserved address this stack holds (DigitalOcean), running or parked. */
    readonly publicIp?: pulumi.Output<string>;
    /** The bill of the machines this stack created (DigitalOcean), and what parking saves. */
    readonly billing?: { cost: HostCost; parkingSaving: { perHourUsd: number; perMonthUsd: number }; costInputs: CostInputs };
    /** The droplet stack's DigitalOcean provider and its droplet (absent while parked), for its alerts. */
    readonly digitalocean?: {
        provider: digitalocean.Provider; droplet?: digitalocean.Droplet;
        /** SSH to the droplet and its readiness check (absent while parked), for the backup job's install. */
        connection?: DigitalOceanHost["connection"]; readiness?: command.remote.Command;
    };
}

export function createHost(name: string, profile: Profile, opts?: pulumi.ComponentResourceOptions): StackHost {
    switch (profile.host.provider) {
        case "local":
        case "existing":
            return {
                state: "running",
                docker: new ExistingDockerHost(name, { settings: profile.host, publicHost: profile.services.publicHost }, opts),
            };
        case "digitalocean": {
            if (!profile.digitalocean) throw new Error("host.provider digitalocean without digitalocean settings (config validation should have refused this)");
            // Before anything is registered: a real run refuses what could only buy an unreachable droplet.
            const run = prepareDigitalOceanRun(profile.stack, profile.digitalocean, profile.services, process.env, { backups: profile.backup.enabled });
            // Parked, no GPU is bought: the model is checked when the droplet comes back.
            const modelGate = profile.digitalocean.parked ? undefined : modelRegistryGate(profile.stack, profile.ollama,
                gpuMemoryFor(profile.ollama, profile.host.provider, profile.digitalocean), "the DigitalOcean GPU host");
            const host = new DigitalOceanHost(name, {
                settings: profile.digitalocean,
                sshUser: profile.host.sshUser,
                token: profile.digitaloceanToken,
                publicPorts: publishedAppPorts(profile.services),
                gpuCheckImage: profile.ollama.image,
                images: pulledImages(profile),
                sshAccess: run.sshAccess,
                billingGate: allGates(run.billingGate, modelGate),
            }, opts);
            return {
                state: host.state,
                docker: host.docker,
                publicIp: host.publicAddress,
                billing: { cost: host.cost, parkingSaving: host.parkingSaving, costInputs: host.costInputs },
                digitalocean: { provider: host.doProvider, droplet: host.droplet, connection: host.connection, readiness: host.readiness },
            };
        }
        case "doks":
            throw new Error("host.provider doks is a Kubernetes cluster, not a Docker host (components/deployments/kubernetes.ts builds it)");
    }
}

/** Images the stack pulls from a registry onto the host (built ones are not pulled). */
function pulledImages(profile: Profile): string[] {
    const { backend, frontend, neo4j } = profile.services;
    return [
        ...(profile.ollama.mode === "container" ? [profile.ollama.image] : []),
        ...[backend, frontend].filter((app) => !app.build).map((app) => app.image),
        neo4j.image,
    ];
}
