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
import { boolean, integer, list, section, SettingsOf, string } from "./schema";

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

const VERSION = /^1\.(\d+)(\.\d+-do\.\d+)?$/;
const CPU_SIZE = /^(s|c|c2|g|gd|m|m3|m6|so|so1_5)-\d+vcpu-\d+gb(-intel|-amd)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const GPU_SIZES_ALLOWED = `use one of the GPU sizes DOKS sells: ${DOKS_GPU_SIZES.join(", ")}`;

export const DOKS = section({
    region: string({ required: true, pattern: /^[a-z]{3}\d$/, allowed: "use a region slug such as tor1, atl1, ams3",
        doc: "The region slug; it must offer DOKS and the GPU pool's size." }),
    kubernetesVersion: string({ required: true, pattern: VERSION, type: "version",
        allowed: "use a DOKS version: a minor such as \"1.33\" (newest patch at deploy time) or a full slug such as 1.33.1-do.0 (doctl kubernetes options versions)",
        doc: `A full slug (1.33.1-do.0), or a minor (1.33) resolved to its newest patch at deploy time; 1.${DOKS_MIN_MINOR} or newer.` }),
    haControlPlane: boolean({ default: true, doc: "A highly available control plane (DigitalOcean bills it; once on, it cannot be turned off)." }),
    cpuPool: section({
        size: string({ default: "s-4vcpu-8gb", pattern: CPU_SIZE, allowed: "use a CPU droplet size slug such as s-4vcpu-8gb (Neo4j, backend, frontend and the router run there)",
            doc: "The CPU droplet size of every node." }),
        count: integer({ default: 2, min: 1, max: 100, doc: "The fixed node count." }),
    }, { doc: "The cluster's default pool: Neo4j, the backend, the frontend and the router." }),
    gpuPool: section({
        size: string({ required: true, pattern: /^\S+$/, allowed: GPU_SIZES_ALLOWED, doc: "The GPU droplet size of every node, a single-GPU size DOKS sells." }),
        minNodes: integer({ default: 1, min: 1, max: 100, doc: "The autoscaler's lower bound." }),
        maxNodes: integer({ derived: "the larger of 2 and ollama.replicas", min: 1, max: 100, doc: "The autoscaler's upper bound: one Ollama pod per GPU node." }),
    }, { doc: "The autoscaled GPU pool: one Ollama pod per node." }),
    namespace: string({ default: PROJECT, pattern: DNS_LABEL, allowed: "use a DNS label: lower-case letters, digits and -, at most 63 characters",
        doc: "The namespace every app object lives in." }),
    modelsVolumeGb: integer({ default: 100, min: 10, max: 16384, doc: "GB of each Ollama replica's model volume (do-block-storage)." }),
    neo4jVolumeGb: integer({ default: 20, min: 1, max: 16384, doc: "GB of the Neo4j data volume (a retained storage class)." }),
    backendReplicas: integer({ default: 2, min: 1, max: 50, doc: "Backend pods." }),
    frontendReplicas: integer({ default: 2, min: 1, max: 50, doc: "Frontend pods." }),
    certificateName: string({ optional: true, pattern: /^[A-Za-z0-9._-]{1,255}$/,
        allowed: "use the name of a certificate in your DigitalOcean account (doctl compute certificate list)",
        doc: "A certificate already in the DigitalOcean account for the load balancer; unset: a Let's Encrypt certificate for services.publicHost (its DNS on DigitalOcean)." }),
    dnsRecord: boolean({ derived: "true when the stack issues the certificate (no certificateName)",
        doc: "Keep an A record for services.publicHost in DigitalOcean DNS pointing at the load balancer; off: point the name at the publicIp output yourself." }),
    tags: list({ default: [PROJECT], pattern: /^[A-Za-z0-9:\-_]{1,255}$/, allowed: "tags are letters, digits, : - _", doc: "Tags put on the cluster and its pools." }),
}, { appliesTo: { providers: ["doks"] }, doc: "The DigitalOcean Kubernetes cluster of host.provider doks." });

export type DoksSettings = SettingsOf<typeof DOKS.keys>;

/** Validates `rag-stack:doks` (only with host.provider doks) and its cross-checks with the Ollama settings. */
export function readDoks(problems: string[], raw: unknown, provider: HostProvider, ollama: OllamaSettings, publicHost: string): DoksSettings | undefined {
    if (provider !== "doks") {
        if (raw !== undefined) problems.push(`${PROJECT}:doks is set but ${PROJECT}:host.provider is ${show(provider)}; set host.provider: doks or remove it`);
        return undefined;
    }
    if (raw === undefined) {
        problems.push(`${PROJECT}:doks is missing; host.provider "doks" needs at least region, kubernetesVersion and gpuPool.size`);
    }
    const r = Reader.of(problems, "doks", raw, DOKS.keys);
    r.rejectUnknown();
    const region = r.get("region");
    if (DOKS_UNAVAILABLE_REGIONS.includes(region)) {
        r.problem("region", region, `DigitalOcean Kubernetes is not offered in ${DOKS_UNAVAILABLE_REGIONS.join(", ")}; use a region that sells both DOKS and the GPU size, such as tor1 or atl1`);
    }
    const kubernetesVersion = r.get("kubernetesVersion");
    const minor = Number(VERSION.exec(kubernetesVersion)?.[1] ?? NaN);
    if (Number.isInteger(minor) && minor < DOKS_MIN_MINOR) {
        r.problem("kubernetesVersion", kubernetesVersion, `use 1.${DOKS_MIN_MINOR} or newer; DOKS supports only its newest three minor versions`);
    }

    const c = r.child("cpuPool");
    c.rejectUnknown();
    const cpuPool: DoksSettings["cpuPool"] = { size: c.get("size"), count: c.get("count") };
    if (DIGITALOCEAN_GPU_SIZES[cpuPool.size]) {
        c.problem("size", cpuPool.size, "the CPU pool takes a CPU size such as s-4vcpu-8gb; GPU sizes go in doks.gpuPool.size");
    }

    const g = r.child("gpuPool");
    g.rejectUnknown();
    const gpuPool: DoksSettings["gpuPool"] = { size: g.get("size"), minNodes: g.get("minNodes"), maxNodes: g.get("maxNodes", Math.max(2, ollama.replicas)) };
    if (gpuPool.size && !DOKS_GPU_SIZES.includes(gpuPool.size)) {
        g.problem("size", gpuPool.size, GPU_SIZES_ALLOWED);
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

    const certificateName = r.get("certificateName");
    const settings: DoksSettings = {
        region,
        kubernetesVersion,
        haControlPlane: r.get("haControlPlane"),
        cpuPool,
        gpuPool,
        namespace: r.get("namespace"),
        modelsVolumeGb: r.get("modelsVolumeGb"),
        neo4jVolumeGb: r.get("neo4jVolumeGb"),
        backendReplicas: r.get("backendReplicas"),
        frontendReplicas: r.get("frontendReplicas"),
        certificateName,
        // The stack's own Let's Encrypt certificate needs the domain on DigitalOcean DNS, so by
        // default the stack also keeps the record; with a certificate of yours it may be elsewhere.
        dnsRecord: r.get("dnsRecord", certificateName === undefined),
        tags: r.get("tags"),
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
