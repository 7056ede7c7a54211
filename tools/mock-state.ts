/**
 * Output properties the mocks add to a resource's inputs, per type: what the real provider would
 * compute (ids, digests, addresses). Deterministic, so renders can be diffed. The ids, addresses,
 * digests and URNs among them exist only under the mocks: `inventedValues` lists them so
 * `npm run plan` can mark them as such.
 */
type State = Record<string, unknown>;

const computed: Record<string, (name: string, inputs: State) => State> = {
    "docker:index/remoteImage:RemoteImage": (_name, inputs) => ({
        imageId: `${String(inputs.name)}`,
        repoDigest: `${String(inputs.name)}@sha256:${"0".repeat(64)}`,
    }),
    "docker:index/image:Image": (_name, inputs) => ({ repoDigest: `${String(inputs.imageName)}@sha256:${"0".repeat(64)}` }),
    "docker:index/volume:Volume": (name, inputs) => ({ name: inputs.name ?? `${name}-volume` }),
    "docker:index/network:Network": (name, inputs) => ({ name: inputs.name ?? name }),
    "docker:index/container:Container": (name, inputs) => ({ name: inputs.name ?? name }),
    "command:local:Command": () => ({ stdout: "", stderr: "" }),
    "command:remote:Command": () => ({ stdout: "", stderr: "" }),
    // DigitalOcean: documentation addresses (RFC 5737), the VPC's first private address, fixed ids.
    "digitalocean:index/droplet:Droplet": (name) => ({
        ipv4Address: "203.0.113.10",
        ipv4AddressPrivate: "10.110.0.2",
        dropletUrn: `do:droplet:${name}`,
        status: "active",
    }),
    "digitalocean:index/reservedIp:ReservedIp": (name) => ({ ipAddress: "203.0.113.50", reservedIpUrn: `do:reservedip:${name}` }),
    "digitalocean:index/vpc:Vpc": (name, inputs) => ({ ipRange: inputs.ipRange ?? "10.110.0.0/20", vpcUrn: `do:vpc:${name}` }),
    "digitalocean:index/volume:Volume": (name, inputs) => ({
        name: inputs.name ?? name,
        filesystemType: inputs.initialFilesystemType ?? "",
        volumeUrn: `do:volume:${name}`,
    }),
    "digitalocean:index/sshKey:SshKey": () => ({ fingerprint: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa" }),
    "digitalocean:index/tag:Tag": (name, inputs) => ({ name: inputs.name ?? name }),
    "digitalocean:index/firewall:Firewall": () => ({ status: "succeeded" }),
};

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
