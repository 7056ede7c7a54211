/**
 * `rag-stack:digitalocean`: the GPU droplet of the `prod` stack (host.provider: digitalocean).
 */
import { baseImageFor, checkDigitalOceanPlacement, DIGITALOCEAN_GPU_SIZES } from "../hosts/digitalocean-sizes";
import { PROJECT } from "../project";
import { checkAdminSources, normaliseCidrs } from "../validation/addresses";
import type { HostProvider } from "./host";
import { expandHome, Obj, Reader } from "./reader";

export interface DigitalOceanSettings {
    /** Region slug (tor1, nyc2...): must offer `size` (see components/hosts/digitalocean-sizes.ts). */
    region: string;
    /** GPU droplet size slug, e.g. gpu-4000adax1-20gb. */
    size: string;
    /** Droplet image; defaults to the size's AI/ML-ready NVIDIA base image (gpu-h100x1-base for one GPU). */
    image: string;
    /** Public key text to register, or existing key fingerprints (at least one of the two). */
    sshPublicKey?: string;
    sshKeyFingerprints: string[];
    /** Path of the private key the Docker provider and remote commands use (ssh-agent when unset). */
    sshPrivateKeyPath?: string;
    /** CIDRs allowed to reach SSH. */
    adminCidrs: string[];
    /** Allow 0.0.0.0/0 or ::/0 in adminCidrs (refused otherwise). */
    allowSshFromAnywhere: boolean;
    /**
     * Private IPv4 range of the stack's VPC, when chosen by hand. Unset (the default): DigitalOcean
     * picks a range that does not overlap the account's other VPCs, and the firewall opens Ollama
     * and Neo4j to the range the VPC really got.
     */
    vpcIpRange?: string;
    /** Size of the block volume holding the Ollama models, GB. */
    modelsVolumeGb: number;
    /** Size of the block volume holding the Neo4j data, GB. */
    neo4jVolumeGb: number;
    /** Tags put on the droplet and volumes. */
    tags: string[];
    /**
     * Park the GPU: no droplet (nor anything on it) while true; the volumes, reserved IP, VPC,
     * firewall and SSH key stay. See README, "Park the GPU".
     */
    parked: boolean;
    /**
     * DigitalOcean ids of retained block volumes to adopt instead of creating new ones (Pulumi's
     * `import` option): after the stack lost them from its state but they still hold the data.
     */
    importVolumeIds?: { models?: string; neo4j?: string };
}

/** Ports the droplet's firewall never opens to the internet: Ollama, Neo4j bolt and browser. */
export const DIGITALOCEAN_PRIVATE_PORTS: readonly number[] = [11434, 7687, 7474];

const PRIVATE_IPV4_CIDR = /^(10\.\d{1,3}\.\d{1,3}\.\d{1,3}|172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3}\.\d{1,3})\/(1[6-9]|2[0-8])$/;

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
    const r = Reader.of(problems, "digitalocean", raw);
    r.rejectUnknown([
        "region", "size", "image", "sshPublicKey", "sshKeyFingerprints", "sshPrivateKeyPath", "adminCidrs",
        "allowSshFromAnywhere", "vpcIpRange", "modelsVolumeGb", "neo4jVolumeGb", "tags", "parked", "importVolumeIds",
    ]);
    const sizeSlugs = Object.keys(DIGITALOCEAN_GPU_SIZES);
    const size = r.string("size", undefined, /^\S+$/, `use one of the DigitalOcean NVIDIA GPU sizes: ${sizeSlugs.join(", ")}`);
    const settings: DigitalOceanSettings = {
        region: r.string("region", undefined, /^[a-z]{3}\d$/, "use a region slug such as tor1, nyc2, atl1, ams3"),
        size,
        image: r.string("image", baseImageFor(size), /^\S+$/, "use a DigitalOcean image slug such as gpu-h100x1-base"),
        sshPublicKey: r.optionalString("sshPublicKey", /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/,
            "paste the public key line (ssh-ed25519 AAAA... comment)"),
        sshKeyFingerprints: r.stringList("sshKeyFingerprints", [], /^([0-9a-f]{2}:){15}[0-9a-f]{2}$|^\d+$/,
            "each item must be an MD5 fingerprint (aa:bb:...) or a numeric key id"),
        sshPrivateKeyPath: r.optionalString("sshPrivateKeyPath", /^(~|~\/.*|\/.*)$/, "use an absolute path or one starting with ~/"),
        adminCidrs: r.stringList("adminCidrs", []),
        allowSshFromAnywhere: r.boolean("allowSshFromAnywhere", false),
        vpcIpRange: r.optionalString("vpcIpRange", PRIVATE_IPV4_CIDR,
            "use a private IPv4 range from /16 to /28 inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 that no other VPC of the account uses, or remove it to let DigitalOcean choose"),
        modelsVolumeGb: r.integer("modelsVolumeGb", 100, 10, 16384),
        neo4jVolumeGb: r.integer("neo4jVolumeGb", 20, 1, 16384),
        tags: r.stringList("tags", ["rag-stack"], /^[A-Za-z0-9:\-_]{1,255}$/, "tags are letters, digits, : - _"),
        parked: r.boolean("parked", false),
        importVolumeIds: readImportVolumeIds(r),
    };
    if (settings.sshPrivateKeyPath) settings.sshPrivateKeyPath = expandHome(settings.sshPrivateKeyPath);
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
function readImportVolumeIds(r: Reader): { models?: string; neo4j?: string } {
    if (!r.has("importVolumeIds")) return {};
    const ids = r.child("importVolumeIds");
    ids.rejectUnknown(["models", "neo4j"]);
    const VOLUME_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const allowed = "use the volume's ID from `doctl compute volume list --format ID,Name`";
    return { models: ids.optionalString("models", VOLUME_ID, allowed), neo4j: ids.optionalString("neo4j", VOLUME_ID, allowed) };
}
