/**
 * Chooses the Docker host from the profile: the local engine, an existing remote one, or a
 * DigitalOcean GPU droplet this stack creates.
 */
import * as pulumi from "@pulumi/pulumi";
import { Profile } from "../config";
import { DigitalOceanHost } from "./digitalocean";
import { DockerHost } from "./docker-host";
import { ExistingDockerHost } from "./local";

export type { DockerHost } from "./docker-host";

export function createDockerHost(name: string, profile: Profile, opts?: pulumi.ComponentResourceOptions): DockerHost {
    switch (profile.host.provider) {
        case "local":
        case "existing":
            return new ExistingDockerHost(name, { settings: profile.host, publicHost: profile.services.publicHost }, opts);
        case "digitalocean":
            if (!profile.digitalocean) throw new Error("host.provider digitalocean without digitalocean settings (config validation should have refused this)");
            return new DigitalOceanHost(name, {
                settings: profile.digitalocean,
                sshUser: profile.host.sshUser,
                token: profile.digitaloceanToken,
                publicPorts: [profile.services.frontend.hostPort, profile.services.backend.hostPort],
                gpuCheckImage: profile.ollama.image,
            }, opts);
        case "doks":
            throw new Error("host.provider doks is a Kubernetes cluster, not a Docker host (components/deployments/kubernetes.ts builds it)");
    }
}
