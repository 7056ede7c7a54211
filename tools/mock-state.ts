/**
 * Output properties the mocks add to a resource's inputs, per type: what the real provider would
 * compute (ids, digests, addresses). Deterministic, so renders can be diffed. The ids, addresses,
 * digests and URNs among them exist only under the mocks: `inventedValues` lists them so
 * `npm run plan` can mark them as such.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

type State = Record<string, unknown>;

/** The SSH host key (ed25519, base64) the mock droplet reports. */
export const MOCK_DROPLET_HOST_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

/** The range the mock DigitalOcean gives a VPC created without `ipRange`. */
export const MOCK_DIGITALOCEAN_VPC_RANGE = "10.124.16.0/20";

/** `sha256:<hex>` over the build inputs and every file under the context (when it exists here). */
function localImageId(inputs: State): string {
    const hash = crypto.createHash("sha256").update(JSON.stringify(inputs.build ?? {}));
    const context = (inputs.build as { context?: string } | undefined)?.context;
    const walk = (dir: string, depth: number): void => {
        if (depth > 8) return;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory() && entry.name !== "node_modules" && entry.name !== ".git") walk(full, depth + 1);
            else if (entry.isFile()) hash.update(entry.name).update(fs.readFileSync(full));
        }
    };
    if (context && fs.existsSync(context) && fs.statSync(context).isDirectory()) walk(context, 0);
    return `sha256:${hash.digest("hex")}`;
}

const computed: Record<string, (name: string, inputs: State) => State> = {
    "docker:index/remoteImage:RemoteImage": (_name, inputs) => ({
        imageId: `${String(inputs.name)}`,
        repoDigest: `${String(inputs.name)}@sha256:${"0".repeat(64)}`,
    }),
    // A local build (skipPush) reports the built image's ID as repoDigest (@pulumi/docker 5.2.0 docs):
    // here a hash of the build inputs and the context's files, so a changed context renders a new ID.
    "docker:index/image:Image": (_name, inputs) => ({
        repoDigest: inputs.skipPush ? localImageId(inputs) : `${String(inputs.imageName)}@sha256:${"0".repeat(64)}`,
    }),
    "docker:index/volume:Volume": (name, inputs) => ({ name: inputs.name ?? `${name}-volume` }),
    "docker:index/network:Network": (name, inputs) => ({ name: inputs.name ?? name }),
    "docker:index/container:Container": (name, inputs) => ({ name: inputs.name ?? name }),
    "command:local:Command": () => ({ stdout: "", stderr: "" }),
    // The droplet's answer to components/hosts/scripts/host-keys.sh; other remote commands print nothing.
    "command:remote:Command": (_name, inputs) => ({
        stdout: String(inputs.stdin ?? "").includes('echo "hostkey: ') ? `hostkey: ssh-ed25519 ${MOCK_DROPLET_HOST_KEY}\n` : "",
        stderr: "",
    }),
    "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials": (_name, inputs) => ({
        dockerCredentials: JSON.stringify({ auths: { "registry.digitalocean.com": { auth: Buffer.from(`mock-${String(inputs.registryName)}-token:mock-${String(inputs.registryName)}-token`).toString("base64") } } }),
        credentialExpirationTime: "2076-11-25T00:00:00Z",
    }),
    // DigitalOcean: documentation addresses (RFC 5737), the VPC's first private address, fixed ids.
    "digitalocean:index/droplet:Droplet": (name) => ({
        ipv4Address: "203.0.113.10",
        ipv4AddressPrivate: "10.124.16.2",
        dropletUrn: `do:droplet:${name}`,
        status: "active",
    }),
    "digitalocean:index/reservedIp:ReservedIp": (name) => ({ ipAddress: "203.0.113.50", reservedIpUrn: `do:reservedip:${name}` }),
    // Without an ipRange input DigitalOcean picks a free range; the mock picks one no config uses.
    "digitalocean:index/vpc:Vpc": (name, inputs) => ({ ipRange: inputs.ipRange ?? MOCK_DIGITALOCEAN_VPC_RANGE, vpcUrn: `do:vpc:${name}` }),
    "digitalocean:index/volume:Volume": (name, inputs) => ({
        name: inputs.name ?? name,
        filesystemType: inputs.initialFilesystemType ?? "",
        volumeUrn: `do:volume:${name}`,
    }),
    "digitalocean:index/sshKey:SshKey": () => ({ fingerprint: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa" }),
    "digitalocean:index/tag:Tag": (name, inputs) => ({ name: inputs.name ?? name }),
    "digitalocean:index/firewall:Firewall": () => ({ status: "succeeded" }),
    // An autonamed bucket: the name plus a random suffix, as the bridge autonames.
    "digitalocean:index/spacesBucket:SpacesBucket": (name, inputs) => ({
        name: inputs.name ?? `${name}-a1b2c3d`, bucketDomainName: `${String(inputs.name ?? `${name}-a1b2c3d`)}.${String(inputs.region)}.digitaloceanspaces.com`,
    }),
    "digitalocean:index/spacesKey:SpacesKey": () => ({ accessKey: "DO00MOCKACCESSKEY0000", secretKey: "mock-spaces-secret-key-not-real" }),
    // DOKS: a kubeconfig shaped like the real one (a placeholder token), the cluster's endpoint.
    "digitalocean:index/kubernetesCluster:KubernetesCluster": (name) => ({
        kubeConfigs: [{ rawConfig: `apiVersion: v1\nkind: Config\nclusters:\n- name: ${name}\n  cluster:\n    server: https://${name}.k8s.ondigitalocean.com\nusers:\n- name: ${name}-admin\n  user:\n    token: mock-token-in-state\n`, token: "mock-token-in-state" }],
        endpoint: `https://${name}.k8s.ondigitalocean.com`,
        clusterUrn: `do:kubernetes:${name}`,
        status: "running",
    }),
    "digitalocean:index/certificate:Certificate": (name, inputs) => ({ name: inputs.name ?? name, state: "verified" }),
    "digitalocean:index/dnsRecord:DnsRecord": (_name, inputs) => ({ fqdn: inputs.name === "@" ? inputs.domain : `${String(inputs.name)}.${String(inputs.domain)}` }),
    // A LoadBalancer Service gets its address from DigitalOcean's cloud controller.
    "kubernetes:core/v1:Service": (_name, inputs) => ((inputs.spec as State | undefined)?.type === "LoadBalancer"
        ? { status: { loadBalancer: { ingress: [{ ip: "203.0.113.80" }] } } }
        : {}),
};

/** Results of provider functions (invokes) the program calls, per token. */
const invoked: Record<string, (inputs: State) => State> = {
    // A DOKS cluster read by name: its kubeconfig with a token of this run.
    "digitalocean:index/getKubernetesCluster:getKubernetesCluster": (inputs) => {
        const name = String(inputs.name);
        return {
            name,
            kubeConfigs: [{ rawConfig: `apiVersion: v1\nkind: Config\nclusters:\n- name: ${name}\n  cluster:\n    server: https://${name}.k8s.ondigitalocean.com\nusers:\n- name: ${name}-admin\n  user:\n    token: mock-token-fetched-this-run\n`, token: "mock-token-fetched-this-run" }],
        };
    },
    // The account's DNS domains, filtered by name: the mock account holds every two-label name asked for
    // (example.com for rag.example.com), as a real account holds the registered domain.
    "digitalocean:index/getDomains:getDomains": (inputs) => {
        const values = ((inputs.filters as { key: string; values: string[] }[] | undefined) ?? []).filter((f) => f.key === "name").flatMap((f) => f.values);
        return { domains: values.filter((v) => v.split(".").length === 2).map((name) => ({ name, ttl: 1800, urn: `do:domain:${name}` })) };
    },
    // The records of a zone: the mock zones are empty (no other address for the public host).
    "digitalocean:index/getRecords:getRecords": (inputs) => ({ domain: inputs.domain, records: [] }),
    // DOKS versions, newest first, as the provider lists them (`doctl kubernetes options versions`);
    // filtered by versionPrefix when one is given, latestVersion the first (or absent).
    "digitalocean:index/getKubernetesVersions:getKubernetesVersions": (inputs) => {
        const offered = ["1.35.1-do.0", "1.35.0-do.0", "1.34.2-do.0", "1.33.1-do.0", "1.33.0-do.0"];
        const prefix = inputs.versionPrefix === undefined ? "" : String(inputs.versionPrefix);
        const validVersions = offered.filter((v) => v.startsWith(prefix));
        return { ...(prefix ? { versionPrefix: prefix } : {}), validVersions, ...(validVersions[0] ? { latestVersion: validVersions[0] } : {}) };
    },
};

export function mockCall(token: string, inputs: State): State {
    return invoked[token]?.(inputs) ?? inputs;
}

export function mockState(type: string, name: string, inputs: State): State {
    return computed[type]?.(name, inputs) ?? {};
}

/** DigitalOcean types whose real ids are integers (the API's droplet and SSH key ids). */
const NUMERIC_ID_TYPES = new Set(["digitalocean:index/droplet:Droplet", "digitalocean:index/sshKey:SshKey"]);

/** A stable 9-digit number for `name` (FNV-1a), so numeric ids look like the provider's and diff cleanly. */
function stableNumber(name: string): number {
    let h = 0x811c9dc5;
    for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return 100_000_000 + (h % 900_000_000);
}

/** The id the mocks give a resource: numeric where the real provider's ids are numbers (no NaN downstream). */
export function mockId(type: string, name: string): string {
    return NUMERIC_ID_TYPES.has(type) ? String(stableNumber(name)) : `${name}-id`;
}

/** State keys whose mock values stand in for what only a real deployment knows. */
const INVENTED_KEYS = ["ipv4Address", "ipv4AddressPrivate", "ipAddress", "dropletUrn", "reservedIpUrn", "vpcUrn", "volumeUrn", "fingerprint", "repoDigest"];

/** The values the mocks invent for one resource: its id and the addresses, URNs and digests above. */
export function inventedValues(id: string | undefined, type: string, name: string, inputs: State): string[] {
    const state = mockState(type, name, inputs);
    const values = INVENTED_KEYS.filter((k) => k in state && !(k in inputs)).map((k) => String(state[k]));
    return id === undefined ? values : [id, ...values];
}
