/**
 * `rag-stack:digitalocean`: the GPU droplet of the `prod` stack (host.provider: digitalocean).
 */
import { baseImageFor, checkDigitalOceanPlacement, DIGITALOCEAN_GPU_SIZES } from "../hosts/digitalocean-sizes";
import { PROJECT } from "../project";
import { checkAdminSources, normaliseCidrs } from "../validation/addresses";
import type { HostProvider } from "./host";
import { localPath, Obj, Reader } from "./reader";
import { boolean, integer, list, section, SettingsOf, string } from "./schema";

/** Ports the droplet's firewall never opens to the internet: Ollama, Neo4j bolt and browser. */
export const DIGITALOCEAN_PRIVATE_PORTS: readonly number[] = [11434, 7687, 7474];

const PRIVATE_IPV4_CIDR = /^(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3})\/(1[6-9]|2[0-8])$/;
const VOLUME_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VOLUME_ID_ALLOWED = "use the volume's ID from `doctl compute volume list --format ID,Name`";
const TAGS = { pattern: /^[A-Za-z0-9:\-_]{1,255}$/, allowed: "tags are letters, digits, : - _" } as const;

export const DIGITALOCEAN = section({
    region: string({ required: true, pattern: /^[a-z]{3}\d$/, allowed: "use a region slug such as tor1, nyc2, atl1, ams3",
        doc: "The region slug; it must sell `size` (components/hosts/digitalocean-sizes.ts)." }),
    size: string({ required: true, pattern: /^\S+$/, allowed: `use one of the DigitalOcean NVIDIA GPU sizes: ${Object.keys(DIGITALOCEAN_GPU_SIZES).join(", ")}`,
        doc: "The GPU droplet size slug, e.g. gpu-4000adax1-20gb." }),
    image: string({ derived: "the size's AI/ML-ready NVIDIA base image (gpu-h100x1-base for one GPU)", pattern: /^\S+$/,
        allowed: "use a DigitalOcean image slug such as gpu-h100x1-base", doc: "The droplet image." }),
    sshPublicKey: string({ optional: true, pattern: /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/,
        allowed: "paste the public key line (ssh-ed25519 AAAA... comment)",
        doc: "A public key line to register for the droplet; this or sshKeyFingerprints." }),
    sshKeyFingerprints: list({ default: [], pattern: /^([0-9a-f]{2}:){15}[0-9a-f]{2}$|^\d+$/,
        allowed: "each item must be an MD5 fingerprint (aa:bb:...) or a numeric key id",
        doc: "Keys already in the DigitalOcean account (`doctl compute ssh-key list`)." }),
    sshPrivateKeyPath: localPath({ optional: true, doc: "The private key the Docker provider and remote commands use; unset: ssh-agent." }),
    adminCidrs: list({ default: [], allowed: "CIDRs such as 203.0.113.7/32 or 2001:db8::/48, none wider than IPv4 /16 or IPv6 /32 (unless allowSshFromAnywhere)", doc: "The CIDRs allowed to reach SSH: /32 addresses or ranges of /16 (IPv6 /32) or narrower." }),
    allowSshFromAnywhere: boolean({ default: false, doc: "Allow 0.0.0.0/0 or ::/0 in adminCidrs (refused otherwise)." }),
    vpcIpRange: string({ optional: true, pattern: PRIVATE_IPV4_CIDR, type: "CIDR",
        allowed: "use a private IPv4 range from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 that no other VPC of the account uses, or remove it to let DigitalOcean choose",
        doc: "The VPC's private range, chosen by hand; unset: DigitalOcean picks one that overlaps no other VPC of the account." }),
    modelsVolumeGb: integer({ default: 100, min: 10, max: 16384, doc: "GB of the block volume holding the Ollama models." }),
    neo4jVolumeGb: integer({ default: 20, min: 1, max: 16384, doc: "GB of the block volume holding the Neo4j data." }),
    tags: list({ default: [PROJECT], ...TAGS, doc: "Tags put on the droplet and volumes." }),
    parked: boolean({ default: false,
        doc: "Park the GPU: no droplet (nor anything on it) while true; the volumes, reserved IP, VPC, firewall and SSH key stay." }),
    importVolumeIds: section({
        models: string({ optional: true, pattern: VOLUME_ID, allowed: VOLUME_ID_ALLOWED, type: "volume ID", doc: "The models volume's ID." }),
        neo4j: string({ optional: true, pattern: VOLUME_ID, allowed: VOLUME_ID_ALLOWED, type: "volume ID", doc: "The Neo4j volume's ID." }),
    }, { optional: true,
        doc: "Retained block volumes to adopt instead of creating new ones (Pulumi's `import`): after the stack lost them from its state but they still hold the data." }),
}, { appliesTo: { providers: ["digitalocean"] }, doc: "The GPU droplet of host.provider digitalocean." });

export type DigitalOceanSettings = SettingsOf<typeof DIGITALOCEAN.keys>;

export function readDigitalOcean(problems: string[], raw: unknown, provider: HostProvider, publicPorts: number[]): DigitalOceanSettings | undefined {
    if (provider !== "digitalocean") {
        const parked = raw !== null && typeof raw === "object" && (raw as Obj).parked;
        if (parked === true || parked === "true") {
            problems.push(`${PROJECT}:digitalocean.parked: true is not allowed with ${PROJECT}:host.provider "${provider}"; ` +
                "there is nothing to park: the stack parks only a GPU droplet it created itself (host.provider: digitalocean). " +
                "Remove digitalocean.parked, or stop the app on that host with pulumi destroy");
        } else if (raw !== undefined) {
            problems.push(`${PROJECT}:digitalocean is set but ${PROJECT}:host.provider is "${provider}"; set host.provider: digitalocean or remove it`);
        }
        return undefined;
    }
    if (raw === undefined) {
        problems.push(`${PROJECT}:digitalocean is missing; host.provider "digitalocean" needs region, size, adminCidrs and an ssh key`);
    }
    const r = Reader.of(problems, "digitalocean", raw, DIGITALOCEAN.keys);
    r.rejectUnknown();
    const size = r.get("size");
    const settings: DigitalOceanSettings = {
        region: r.get("region"),
        size,
        image: r.get("image", baseImageFor(size)),
        sshPublicKey: r.get("sshPublicKey"),
        sshKeyFingerprints: r.get("sshKeyFingerprints"),
        sshPrivateKeyPath: r.get("sshPrivateKeyPath"),
        adminCidrs: r.get("adminCidrs"),
        allowSshFromAnywhere: r.get("allowSshFromAnywhere"),
        vpcIpRange: r.get("vpcIpRange"),
        modelsVolumeGb: r.get("modelsVolumeGb"),
        neo4jVolumeGb: r.get("neo4jVolumeGb"),
        tags: r.get("tags"),
        parked: r.get("parked"),
        importVolumeIds: readImportVolumeIds(r),
    };
    if (!settings.sshPublicKey && settings.sshKeyFingerprints.length === 0) {
        problems.push(`${PROJECT}:digitalocean.sshPublicKey is missing; set it (the public key line) or list existing keys in ${PROJECT}:digitalocean.sshKeyFingerprints`);
    }
    if (raw !== undefined && settings.adminCidrs.length === 0) {
        problems.push(`${PROJECT}:digitalocean.adminCidrs is empty; list the CIDRs allowed to reach SSH, e.g. [203.0.113.7/32]`);
    }
    // Parsed with ipaddr.js and judged by the same code as the policy pack's firewall rule.
    for (const p of checkAdminSources(settings.adminCidrs, settings.allowSshFromAnywhere, `${PROJECT}:digitalocean.allowSshFromAnywhere: true`)) {
        r.problem("adminCidrs", p.value, p.reason);
    }
    settings.adminCidrs = normaliseCidrs(settings.adminCidrs);
    if (settings.size && settings.region) {
        const placementProblem = checkDigitalOceanPlacement(settings.size, settings.region);
        if (placementProblem) problems.push(`${PROJECT}:digitalocean.${placementProblem}`);
    }
    for (const port of publicPorts) {
        if (port === 22 || DIGITALOCEAN_PRIVATE_PORTS.includes(port)) {
            problems.push(`${PROJECT}:services: host port ${port} is not allowed with host.provider "digitalocean"; the firewall opens the frontend and backend ports to the internet, ` +
                `and ${[22, ...DIGITALOCEAN_PRIVATE_PORTS].join(", ")} must stay closed: use 80, 443 or another port`);
        }
    }
    return settings;
}

/** `digitalocean.importVolumeIds: {models, neo4j}`: volume ids as `doctl compute volume list` prints them. */
function readImportVolumeIds(r: Reader<typeof DIGITALOCEAN.keys>): DigitalOceanSettings["importVolumeIds"] {
    if (!r.has("importVolumeIds")) return {};
    const ids = r.child("importVolumeIds");
    ids.rejectUnknown();
    return { models: ids.get("models"), neo4j: ids.get("neo4j") };
}
