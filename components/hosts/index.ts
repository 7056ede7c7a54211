/**
 * Chooses the Docker host from the profile: the local engine, an existing remote one, or a
 * DigitalOcean GPU droplet this stack creates.
 */
import * as pulumi from "@pulumi/pulumi";
import { Profile } from "../config";
import { DigitalOceanHost } from "./digitalocean";
import { DockerHost } from "./docker-host";
import { ExistingDockerHost } from "./local";
import { prepareDigitalOceanRun } from "./preflight";

export type { DockerHost } from "./docker-host";

export function createDockerHost(name: string, profile: Profile, opts?: pulumi.ComponentResourceOptions): DockerHost {
    switch (profile.host.provider) {
        case "local":
        case "existing":
            return new ExistingDockerHost(name, { settings: profile.host, publicHost: profile.services.publicHost }, opts);
        case "digitalocean": {
            if (!profile.digitalocean) throw new Error("host.provider digitalocean without digitalocean settings (config validation should have refused this)");
            // Before anything is registered: a real run refuses what could only buy an unreachable droplet.
            const run = prepareDigitalOceanRun(profile.stack, profile.digitalocean);
            return new DigitalOceanHost(name, {
                settings: profile.digitalocean,
                sshUser: profile.host.sshUser,
                token: profile.digitaloceanToken,
                publicPorts: [profile.services.frontend.hostPort, profile.services.backend.hostPort],
                gpuCheckImage: profile.ollama.image,
                images: pulledImages(profile),
                sshAccess: run.sshAccess,
                billingGate: run.billingGate,
            }, opts);
        }
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
