/**
 * DoksCluster: the `scale` stack's host, a DigitalOcean Kubernetes cluster.
 *
 * Resources and why each is shaped so:
 * - `KubernetesCluster` with a small CPU pool inline (the API requires a default pool; it runs Neo4j,
 *   the backend, the frontend and the router). The NVIDIA device plugin is DigitalOcean's managed
 *   component, enabled explicitly (`nvidiaGpuDevicePlugin`; the provider documents it as "enabled by
 *   default for clusters with NVIDIA GPU nodes"), so the stack installs no device plugin of its own.
 *   `autoUpgrade` stays off: a version change is a reviewed `pulumi up`, as every other change here;
 *   a minor version keeps the patch the cluster runs (hosts/doks-version.ts), so no `up` starts an
 *   upgrade nobody asked for.
 * - A separate `KubernetesNodePool` for the GPUs, autoscaled between minNodes and maxNodes, with no
 *   node count of its own (the autoscaler's). DOKS labels GPU nodes `doks.digitalocean.com/gpu-brand:
 *   nvidia` and taints them `nvidia.com/gpu:NoSchedule` by itself; the pool declares that taint too,
 *   so that an edit of the pool keeps it. The Ollama pods carry the matching selector and toleration
 *   (components/ollama/kubernetes.ts). Changing the GPU pool never touches the cluster.
 * - The CPU pool is the cluster's inline default pool at a fixed count: no autoscaling, so the count
 *   the cluster's update sends for it (resource_kubernetes_cluster.go) is always the configured one.
 * - A `kubernetes.Provider` from the cluster's kubeconfig (a secret), and the app's namespace.
 * - A `StorageClass` with reclaimPolicy Retain on DigitalOcean's block storage CSI driver, for the
 *   Neo4j graph: deleting the claim (or the stack) keeps the volume.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DoksSettings } from "../config/doks";
import { clusterNames } from "../names";
import { DIGITALOCEAN_GPU_SIZES } from "./digitalocean-sizes";
import { lookupZone } from "./doks-dns";
import { chooseDoksVersion, isClusterNotFound } from "./doks-version";

/** Label DOKS puts on GPU nodes, and the taint it puts on them, `nvidia.com/gpu:NoSchedule` (the toleration's key). */
export const DOKS_GPU_NODE_LABEL = { key: "doks.digitalocean.com/gpu-brand", value: "nvidia" };
export const DOKS_GPU_TAINT_KEY = "nvidia.com/gpu";
export const DOKS_GPU_TAINT = { key: DOKS_GPU_TAINT_KEY, value: "", effect: "NoSchedule" } as const;
/** DigitalOcean's block storage CSI provisioner (what `do-block-storage` uses). */
export const DO_BLOCK_STORAGE_PROVISIONER = "dobs.csi.digitalocean.com";
/** The storage class DOKS installs as default: per-replica model volumes. */
export const DO_BLOCK_STORAGE_CLASS = "do-block-storage";

export interface DoksClusterArgs {
    settings: DoksSettings;
    /** API token from secret config; when absent the provider reads DIGITALOCEAN_TOKEN. */
    token?: pulumi.Input<string>;
    /** Resolves once the pre-flight checks pass; the DigitalOcean provider waits for it (preflight.ts). */
    billingGate?: pulumi.Output<unknown>;
    /**
     * Let the cluster pull from the account's DigitalOcean Container Registry (DOKS then adds the
     * registry's pull secret to every namespace). Needs a registry in the account.
     */
    registryIntegration: boolean;
    /**
     * A Let's Encrypt certificate DigitalOcean issues for the public host (the load balancer's),
     * created before the cluster: DigitalOcean issues it only for a domain on its DNS, and a domain
     * that is not fails here, before the billed cluster and GPU nodes exist. Unset: an existing
     * certificate is named in config.
     */
    certificate?: { name: string; domain: string };
    /**
     * A host whose DigitalOcean DNS zone the stack needs (its A record, hosts/doks-dns.ts): looked up
     * first, and the certificate waits for it, so a name outside DigitalOcean DNS fails before the
     * cluster is created. Unset: no record is kept.
     */
    dnsRecordFor?: string;
}

/** What the cluster reports about itself (stack outputs). */
export interface DoksClusterFacts {
    clusterName: pulumi.Output<string>;
    kubernetesVersion: pulumi.Output<string>;
    gpuNodeSize: string;
    gpu: string;
    gpuNodes: { min: number; max: number };
    /** List price of one GPU node, USD per hour (the droplet table). */
    gpuNodePricePerHourUsd: number;
}

export class DoksCluster extends pulumi.ComponentResource {
    /** DigitalOcean provider of the stack (certificates, anything else in the account). */
    public readonly doProvider: digitalocean.Provider;
    public readonly cluster: digitalocean.KubernetesCluster;
    public readonly gpuPool: digitalocean.KubernetesNodePool;
    public readonly provider: k8s.Provider;
    /** Name of the certificate this cluster's stack created for its load balancer, when it did. */
    public readonly certificateName?: pulumi.Output<string>;
    /** The DigitalOcean DNS zone of `dnsRecordFor`, when one was asked for. */
    public readonly dnsZone?: pulumi.Output<string>;
    /** A kubeconfig with a token fetched on this run (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly namespace: k8s.core.v1.Namespace;
    /** Name of the retained storage class (Neo4j's graph). */
    public readonly retainedStorageClass: pulumi.Output<string>;
    public readonly facts: DoksClusterFacts;

    constructor(name: string, args: DoksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:hosts:DoksCluster", name, {}, opts);
        const s = args.settings;
        const token = args.token === undefined ? undefined : pulumi.secret(args.token);
        const doProvider = new digitalocean.Provider(`${name}-do`, {
            // Every DigitalOcean resource of the cluster goes through this provider, and its
            // configuration waits for the pre-flight checks: nothing billable before they pass.
            token: args.billingGate ? pulumi.all([args.billingGate, token]).apply(([, value]) => value) : token,
        }, { parent: this });
        this.doProvider = doProvider;
        const doOpts = { parent: this, provider: doProvider };

        const names = clusterNames();
        // The version the cluster runs now, read by name (none before it is created): a minor keeps
        // it, so a new DOKS patch is never an upgrade nobody asked for (doks-version.ts).
        const running = digitalocean.getKubernetesCluster({ name: names.cluster }, doOpts).then(
            (c) => (c.version ? c.version : undefined),
            (err: unknown) => {
                if (isClusterNotFound(err)) return undefined;
                throw err;
            });
        // All offered versions (no prefix), so that a minor DigitalOcean no longer offers fails with the list.
        const version = pulumi.all([digitalocean.getKubernetesVersionsOutput({}, doOpts).validVersions, running])
            .apply(([offered, current]) => chooseDoksVersion(s.kubernetesVersion, offered, current));

        this.dnsZone = args.dnsRecordFor === undefined ? undefined : lookupZone(args.dnsRecordFor, doOpts);
        const zone = this.dnsZone;
        const certificate = args.certificate && new digitalocean.Certificate("front-door-certificate", {
            name: args.certificate.name,
            type: "lets_encrypt",
            domains: [zone ? zone.apply(() => args.certificate!.domain) : args.certificate.domain],
        }, doOpts);
        this.certificateName = certificate?.name;

        this.cluster = new digitalocean.KubernetesCluster(`${name}-cluster`, {
            name: names.cluster,
            region: s.region,
            version,
            ha: s.haControlPlane,
            autoUpgrade: false,
            surgeUpgrade: true,
            registryIntegration: args.registryIntegration,
            nvidiaGpuDevicePlugin: { enabled: true },
            nodePool: {
                name: names.cpuPool,
                size: s.cpuPool.size,
                nodeCount: s.cpuPool.count,
                labels: { "rag-stack.pool": "cpu" },
                tags: s.tags,
            },
            tags: s.tags,
        }, {
            ...doOpts,
            // Protected: some of its inputs (the default pool's size among them) replace the whole
            // cluster, with every pod and claim on it; `up` refuses that instead of doing it. The
            // GPU pool is its own resource precisely so that changing it never touches the cluster.
            protect: true,
            dependsOn: certificate ? [certificate] : [],
        });

        // No nodeCount: the autoscaler owns the count. The provider's update sends `node_count`
        // whenever it has one (terraform-provider-digitalocean v2.99.1, which @pulumi/digitalocean
        // 4.80.1 bridges: kubernetes/resource_kubernetes_node_pool.go Update, `d.GetOk("node_count")`),
        // and DigitalOcean then resets the pool to it ("should only be set if the desired result is to
        // explicitly reset the number of nodes", docs/resources/kubernetes_node_pool.md): a count in
        // the program, even under ignoreChanges (which resends the old one), deleted the GPU nodes the
        // autoscaler had added on any pool edit. Without it the pool is created at minNodes (the
        // provider's own autoscaling example and TestAccDigitalOceanKubernetesNodePool_MinNodesZero
        // create it so). What the update still sends is the count in state, which only a create, an
        // update or a refresh of the pool reads: docs/scale.md, "The GPU pool", says to refresh before an edit.
        // The taint DOKS puts on GPU nodes is declared: the update always sends the pool's whole taint
        // list (`_, newTaint := d.GetChange("taint")`, an empty one clears them; DigitalOcean's API:
        // "When a taint is removed, it is removed from all nodes in the pool"), so a pool edit must
        // carry it. An empty value is `key:effect`, the form `doctl ... node-pool update --taint` takes.
        this.gpuPool = new digitalocean.KubernetesNodePool(`${name}-gpu-pool`, {
            clusterId: this.cluster.id,
            name: names.gpuPool,
            size: s.gpuPool.size,
            autoScale: true,
            minNodes: s.gpuPool.minNodes,
            maxNodes: s.gpuPool.maxNodes,
            labels: { "rag-stack.pool": "gpu" },
            taints: [DOKS_GPU_TAINT],
            tags: s.tags,
        }, doOpts);

        // The cluster resource's kubeConfigs are the ones in state, and DigitalOcean's token in them
        // expires after 7 days: the provider fetches new credentials only when it reads the cluster
        // and finds them expired (terraform-provider-digitalocean kubernetes/resource_kubernetes_cluster.go),
        // which a plain `up` never does. The data source reads the cluster on every run, so the
        // Kubernetes provider and the `kubeconfig` output always carry a live token; a new token for
        // the same API server updates the provider in place (its identity is the cluster, not the user).
        const live = digitalocean.getKubernetesClusterOutput({ name: this.cluster.name }, { ...doOpts, dependsOn: [this.cluster] });
        const kubeconfig = pulumi.secret(live.kubeConfigs.apply((configs) => configs?.[0]?.rawConfig ?? ""));
        this.kubeconfig = kubeconfig;
        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig,
            // The provider (and every object through it) is replaced only when the cluster itself
            // is; a kubeconfig with a new token, or a rotated CA, is an update.
            clusterIdentifier: this.cluster.id,
            // Objects go to the namespace they name; nothing lands in `default` by accident.
            namespace: s.namespace,
        }, { parent: this, dependsOn: [this.gpuPool] });
        const k8sOpts = { parent: this, provider: this.provider };

        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: s.namespace, labels: { "app.kubernetes.io/part-of": pulumi.getProject() } },
        }, k8sOpts);

        const retained = new k8s.storage.v1.StorageClass(`${name}-retained-storage`, {
            metadata: { name: names.retainedStorageClass },
            provisioner: DO_BLOCK_STORAGE_PROVISIONER,
            reclaimPolicy: "Retain",
            allowVolumeExpansion: true,
            volumeBindingMode: "WaitForFirstConsumer",
        }, k8sOpts);
        this.retainedStorageClass = retained.metadata.name;

        const gpu = DIGITALOCEAN_GPU_SIZES[s.gpuPool.size];
        this.facts = {
            clusterName: this.cluster.name,
            kubernetesVersion: this.cluster.version,
            gpuNodeSize: s.gpuPool.size,
            gpu: gpu ? `${gpu.gpuCount}x ${gpu.gpu}` : "unknown",
            gpuNodes: { min: s.gpuPool.minNodes, max: s.gpuPool.maxNodes },
            gpuNodePricePerHourUsd: gpu?.pricePerHourUsd ?? Number.NaN,
        };
        this.registerOutputs({ clusterName: this.facts.clusterName, kubernetesVersion: this.facts.kubernetesVersion });
    }
}
