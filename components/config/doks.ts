/**
 * `rag-stack:doks`: the DigitalOcean Kubernetes cluster of the `scale` stack (host.provider: doks).
 * Read with the same Reader as every section (reader.ts), so messages name the key, the bad value
 * and what is allowed, and every problem is reported at once before any resource registers.
 *
 * Facts behind the checks:
 * - DOKS GPU node pools are sold in the sizes below (DigitalOcean, "GPU worker nodes" in DOKS,
 *   GA 2024-10): gpu-4000adax1-20gb, gpu-6000adax1-48gb, gpu-l40sx1-48gb, gpu-h100x1-80gb,
 *   gpu-h100x8-640gb. Their regions and prices come from the droplet table
 *   (components/hosts/digitalocean-sizes.ts): a GPU node is a GPU droplet.
 * - Version slugs look like `1.33.1-do.0` (`doctl kubernetes options versions`); a bare minor
 *   (`1.33`) is resolved at deploy time to the newest patch DOKS offers for it
 *   (digitalocean.getKubernetesVersions, versionPrefix). DOKS supports the newest three minors.
 * - A cluster needs a CPU node pool besides the GPU pool (its default pool is inline in the cluster).
 */
import { checkDigitalOceanPlacement, DIGITALOCEAN_GPU_SIZES } from "../hosts/digitalocean-sizes";
import { PROJECT } from "../project";
import type { HostProvider } from "./host";
import type { OllamaSettings } from "./ollama";
import { Reader, show } from "./reader";

/** GPU droplet sizes DOKS sells as GPU node pools. */
export const DOKS_GPU_SIZES: readonly string[] = [
    "gpu-4000adax1-20gb", "gpu-6000adax1-48gb", "gpu-l40sx1-48gb", "gpu-h100x1-80gb", "gpu-h100x8-640gb",
];

/**
 * Regions where DOKS is not offered although droplets are: "Kubernetes will not be offered in NYC2,
 * AMS2, or SFO1" (docs.digitalocean.com/products/kubernetes/, Regional Availability). An older
 * version of DigitalOcean's Kubernetes overview listed NYC3 too; DOKS has been offered there since,
 * so nyc3 is judged by the GPU size's own regions (digitalocean-sizes.ts) like any other region.
 * NYC2 sells H100 droplets, but not as DOKS nodes.
 */
export const DOKS_UNAVAILABLE_REGIONS: readonly string[] = ["nyc2", "ams2", "sfo1"];

/** Oldest Kubernetes minor this stack is written for (StatefulSet PVC retention policy, sidecar-free probes). */
export const DOKS_MIN_MINOR = 31;

export interface DoksPool {
    /** Droplet size slug of every node in the pool. */
    size: string;
}

export interface DoksCpuPool extends DoksPool {
    /** Fixed node count (the cluster's default pool: backend, frontend, Neo4j, the router). */
    count: number;
}

export interface DoksGpuPool extends DoksPool {
    /** Autoscaler bounds: one Ollama pod per GPU node. */
    minNodes: number;
    maxNodes: number;
}

export interface DoksSettings {
    region: string;
    /** A full slug (1.33.1-do.0) or a minor (1.33) resolved to its newest patch at deploy time. */
    kubernetesVersion: string;
    /** Highly available control plane (DigitalOcean bills it; once on, it cannot be turned off). */
    haControlPlane: boolean;
    cpuPool: DoksCpuPool;
    gpuPool: DoksGpuPool;
    /** Namespace every app object lives in. */
    namespace: string;
    /** Per-replica model volume (do-block-storage), GB. */
    modelsVolumeGb: number;
    /** Neo4j data volume (retained storage class), GB. */
    neo4jVolumeGb: number;
    backendReplicas: number;
    frontendReplicas: number;
    /**
     * Name of a certificate already in the DigitalOcean account for the load balancer; unset: a
     * Let's Encrypt certificate for services.publicHost is created (its DNS must be on DigitalOcean).
     */
    certificateName?: string;
    /**
     * The stack keeps an A record for services.publicHost in DigitalOcean DNS pointing at the load
     * balancer (components/hosts/doks-dns.ts). Default: on when the stack issues the certificate;
     * off: point the name at the publicIp output yourself (during a move from prod, until you switch).
     */
    dnsRecord: boolean;
    tags: string[];
}

const VERSION = /^1\.(\d+)(\.\d+-do\.\d+)?$/;
const CPU_SIZE = /^(s|c|c2|g|gd|m|m3|m6|so|so1_5)-\d+vcpu-\d+gb(-intel|-amd)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Validates `rag-stack:doks` (only with host.provider doks) and its cross-checks with the Ollama settings. */
export function readDoks(problems: string[], raw: unknown, provider: HostProvider, ollama: OllamaSettings, publicHost: string): DoksSettings | undefined {
    if (provider !== "doks") {
        if (raw !== undefined) problems.push(`${PROJECT}:doks is set but ${PROJECT}:host.provider is ${show(provider)}; set host.provider: doks or remove it`);
        return undefined;
    }
    if (raw === undefined) {
        problems.push(`${PROJECT}:doks is missing; host.provider "doks" needs at least region, kubernetesVersion and gpuPool.size`);
    }
    const r = Reader.of(problems, "doks", raw);
    r.rejectUnknown([
        "region", "kubernetesVersion", "haControlPlane", "cpuPool", "gpuPool", "namespace", "modelsVolumeGb",
        "neo4jVolumeGb", "backendReplicas", "frontendReplicas", "certificateName", "dnsRecord", "tags",
    ]);
    const region = r.string("region", undefined, /^[a-z]{3}\d$/, "use a region slug such as tor1, atl1, ams3");
    if (DOKS_UNAVAILABLE_REGIONS.includes(region)) {
        r.problem("region", region, `DigitalOcean Kubernetes is not offered in ${DOKS_UNAVAILABLE_REGIONS.join(", ")}; use a region that sells both DOKS and the GPU size, such as tor1 or atl1`);
    }
    const kubernetesVersion = r.string("kubernetesVersion", undefined, VERSION,
        "use a DOKS version: a minor such as \"1.33\" (newest patch at deploy time) or a full slug such as 1.33.1-do.0 (doctl kubernetes options versions)");
    const minor = Number(VERSION.exec(kubernetesVersion)?.[1] ?? NaN);
    if (Number.isInteger(minor) && minor < DOKS_MIN_MINOR) {
        r.problem("kubernetesVersion", kubernetesVersion, `use 1.${DOKS_MIN_MINOR} or newer; DOKS supports only its newest three minor versions`);
    }

    const c = r.child("cpuPool");
    c.rejectUnknown(["size", "count"]);
    const cpuPool: DoksCpuPool = {
        size: c.string("size", "s-4vcpu-8gb", CPU_SIZE, "use a CPU droplet size slug such as s-4vcpu-8gb (Neo4j, backend, frontend and the router run there)"),
        count: c.integer("count", 2, 1, 100),
    };
    if (DIGITALOCEAN_GPU_SIZES[cpuPool.size]) {
        c.problem("size", cpuPool.size, "the CPU pool takes a CPU size such as s-4vcpu-8gb; GPU sizes go in doks.gpuPool.size");
    }

    const g = r.child("gpuPool");
    g.rejectUnknown(["size", "minNodes", "maxNodes"]);
    const gpuPool: DoksGpuPool = {
        size: g.string("size", undefined, /^\S+$/, `use one of the GPU sizes DOKS sells: ${DOKS_GPU_SIZES.join(", ")}`),
        minNodes: g.integer("minNodes", 1, 1, 100),
        maxNodes: g.integer("maxNodes", Math.max(2, ollama.replicas), 1, 100),
    };
    if (gpuPool.size && !DOKS_GPU_SIZES.includes(gpuPool.size)) {
        g.problem("size", gpuPool.size, `use one of the GPU sizes DOKS sells: ${DOKS_GPU_SIZES.join(", ")}`);
    } else if (gpuPool.size) {
        const entry = DIGITALOCEAN_GPU_SIZES[gpuPool.size];
        if (entry && entry.gpuCount > 1) {
            g.problem("size", gpuPool.size, `it has ${entry.gpuCount} GPUs per node and this placement runs one Ollama (one GPU) per node, ` +
                "leaving the others idle but billed: use a single-GPU size");
        }
        const placement = region && !DOKS_UNAVAILABLE_REGIONS.includes(region) ? checkDigitalOceanPlacement(gpuPool.size, region) : undefined;
        if (placement?.startsWith("region:")) {
            problems.push(`${PROJECT}:doks.${placement}; to use another region set ${PROJECT}:doks.region`);
        }
    }
    if (gpuPool.minNodes > gpuPool.maxNodes) {
        g.problem("minNodes", gpuPool.minNodes, `it must not exceed ${PROJECT}:doks.gpuPool.maxNodes (${gpuPool.maxNodes})`);
    }
    if (ollama.replicas > gpuPool.maxNodes) {
        problems.push(`${PROJECT}:ollama.replicas: ${ollama.replicas} is not allowed; each replica needs a GPU node of its own ` +
            `and ${PROJECT}:doks.gpuPool.maxNodes is ${gpuPool.maxNodes}: raise maxNodes or lower replicas`);
    }
    if (ollama.accelerator !== "nvidia") {
        problems.push(`${PROJECT}:ollama.accelerator: ${show(ollama.accelerator)} is not allowed with ${PROJECT}:ollama.mode "kubernetes"; ` +
            "its pods run on NVIDIA GPU nodes and are ready only when the model is 100% on the GPU: use nvidia");
    }

    const certificateName = r.optionalString("certificateName", /^[A-Za-z0-9._-]{1,255}$/, "use the name of a certificate in your DigitalOcean account (doctl compute certificate list)");
    const settings: DoksSettings = {
        region,
        kubernetesVersion,
        haControlPlane: r.boolean("haControlPlane", true),
        cpuPool,
        gpuPool,
        namespace: r.string("namespace", PROJECT, DNS_LABEL, "use a DNS label: lower-case letters, digits and -, at most 63 characters"),
        modelsVolumeGb: r.integer("modelsVolumeGb", 100, 10, 16384),
        neo4jVolumeGb: r.integer("neo4jVolumeGb", 20, 1, 16384),
        backendReplicas: r.integer("backendReplicas", 2, 1, 50),
        frontendReplicas: r.integer("frontendReplicas", 2, 1, 50),
        certificateName,
        // The stack's own Let's Encrypt certificate needs the domain on DigitalOcean DNS, so by
        // default the stack also keeps the record; with a certificate of yours it may be elsewhere.
        dnsRecord: r.boolean("dnsRecord", certificateName === undefined),
        tags: r.stringList("tags", [PROJECT], /^[A-Za-z0-9:\-_]{1,255}$/, "tags are letters, digits, : - _"),
    };
    const dnsName = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(publicHost);
    if (!settings.certificateName && !dnsName) {
        problems.push(`${PROJECT}:services.publicHost: ${show(publicHost)} is not allowed with host.provider "doks" and no ${PROJECT}:doks.certificateName; ` +
            "the load balancer's Let's Encrypt certificate needs a DNS name whose domain is on DigitalOcean DNS (e.g. rag.example.com), or name an existing certificate");
    } else if (settings.dnsRecord && !dnsName) {
        problems.push(`${PROJECT}:services.publicHost: ${show(publicHost)} is not allowed with ${PROJECT}:doks.dnsRecord true; ` +
            "the stack's DNS record needs a DNS name whose domain is on DigitalOcean DNS (e.g. rag.example.com): set one, or set doks.dnsRecord: false");
    }
    return settings;
}
