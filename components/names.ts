/**
 * The names the stack gives what it creates, beyond Pulumi's own resource names: containers, the
 * network and volumes on a Docker host, the DigitalOcean objects of a droplet and of a cluster.
 * Each is fixed per project and stack (`rag-stack-dev-backend`), so people, verify and the scripts
 * find them, and a second stack on the same engine or account never takes another's. A fixed name
 * is also why the resources that carry one replace delete-first (`deleteBeforeReplace`).
 *
 * Changing a name here renames, and so replaces, what a deployed stack has: the Neo4j volume, the
 * DigitalOcean volumes and the cluster keep their data only under the name they have.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** `rag-stack-dev`: what the stack's names start with. */
export function stackName(project: string = pulumi.getProject(), stack: string = pulumi.getStack()): string {
    return `${project}-${stack}`;
}

// Docker host

/** Container name for a role, fixed so people and verify can find it (`rag-stack-dev-backend`). */
export function containerName(role: string): string {
    return `${stackName()}-${role}`;
}

/** The app network every container of the stack joins. */
export function appNetworkName(): string {
    return stackName();
}

/** The Neo4j data volume's name when Docker manages it (dev): fixed per stack, found again after a destroy. */
export function neo4jDataVolumeName(project: string, stack: string): string {
    return `${stackName(project, stack)}-neo4j-data`;
}

/**
 * The model store's Docker volume name: fixed per stack, so a switch back to the container finds
 * the store of the last time (`docker volume create` hands back an existing volume of that name,
 * and the volume is retained when the placement goes). A bind to a host directory carries a hash of
 * the directory: Docker would otherwise hand back the old volume, bound to the old directory, when
 * `ollama.modelsDir` changes.
 */
export function modelsVolumeName(project: string, stack: string, hostDir: string | undefined): string {
    const base = `${stackName(project, stack)}-ollama-models`;
    return hostDir === undefined ? base : `${base}-${crypto.createHash("sha256").update(hostDir).digest("hex").slice(0, 8)}`;
}

// DigitalOcean: a GPU droplet (host.provider digitalocean)

/** DigitalOcean names: lowercase letters, digits and dashes, at most 63 characters. */
function digitalOceanName(...parts: string[]): string {
    return parts.join("-").toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63);
}

/** The DigitalOcean objects of a droplet stack, all starting with `prefix`. */
export function dropletNames(prefix: string = digitalOceanName(pulumi.getProject(), pulumi.getStack())) {
    return {
        /** What every name starts with; the VPC's name. */
        prefix,
        vpc: prefix,
        /** The public key registered for the droplet. */
        sshKey: `${prefix}-deploy`,
        /** The block volumes: their device paths on the droplet follow from these (cloud-init). */
        modelsVolume: `${prefix}-models`,
        neo4jVolume: `${prefix}-neo4j`,
        /** The tag on the droplet, which the firewall selects by, and the firewall itself. */
        hostTag: `${prefix}-gpu-host`,
        firewall: `${prefix}-gpu-host`,
        droplet: `${prefix}-gpu`,
    };
}

// DigitalOcean Kubernetes (host.provider doks)

/** The DigitalOcean and cluster-wide objects of a cluster stack. */
export function clusterNames(project: string = pulumi.getProject(), stack: string = pulumi.getStack()) {
    const name = stackName(project, stack);
    return {
        cluster: name,
        cpuPool: `${name}-cpu`,
        gpuPool: `${name}-gpu`,
        /** The load balancer of the front door Service. */
        loadBalancer: name,
        /** The Let's Encrypt certificate the stack has DigitalOcean issue for the load balancer. */
        certificate: `${name}-front-door`,
        /** The storage class whose volumes outlive their claims (a cluster-wide object: one per project). */
        retainedStorageClass: `${project}-retain`,
    };
}

// DigitalOcean alerts (prod and scale)

/** The uptime check and alert names of a stack, as DigitalOcean's control panel and e-mails show them. */
export function alertNames(project: string = pulumi.getProject(), stack: string = pulumi.getStack()) {
    const prefix = stackName(project, stack);
    return {
        prefix,
        uptimeCheck: `${prefix} health`,
        down: `${prefix} down`,
        latency: `${prefix} slow`,
        sslExpiry: `${prefix} certificate expiring`,
    };
}
