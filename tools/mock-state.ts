/**
 * Output properties the mocks add to a resource's inputs, per type: what the real provider would
 * compute (ids, digests, addresses). Deterministic, so renders can be diffed.
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
    // DOKS: a kubeconfig shaped like the real one (no credentials), the cluster's endpoint.
    "digitalocean:index/kubernetesCluster:KubernetesCluster": (name) => ({
        kubeConfigs: [{ rawConfig: `apiVersion: v1\nkind: Config\nclusters:\n- name: ${name}\n  cluster:\n    server: https://${name}.k8s.ondigitalocean.com\n`, token: "mock-token" }],
        endpoint: `https://${name}.k8s.ondigitalocean.com`,
        clusterUrn: `do:kubernetes:${name}`,
        status: "running",
    }),
    "digitalocean:index/certificate:Certificate": (name, inputs) => ({ name: inputs.name ?? name, state: "verified" }),
    // A LoadBalancer Service gets its address from DigitalOcean's cloud controller.
    "kubernetes:core/v1:Service": (_name, inputs) => ((inputs.spec as State | undefined)?.type === "LoadBalancer"
        ? { status: { loadBalancer: { ingress: [{ ip: "203.0.113.80" }] } } }
        : {}),
};

/** Results of provider functions (invokes) the program calls, per token. */
const invoked: Record<string, (inputs: State) => State> = {
    // DOKS versions: the newest patch of the asked minor, shaped like `doctl kubernetes options versions`.
    "digitalocean:index/getKubernetesVersions:getKubernetesVersions": (inputs) => {
        const prefix = String(inputs.versionPrefix ?? "1.33.");
        return { versionPrefix: prefix, latestVersion: `${prefix}1-do.0`, validVersions: [`${prefix}1-do.0`, `${prefix}0-do.0`] };
    },
};

export function mockCall(token: string, inputs: State): State {
    return invoked[token]?.(inputs) ?? inputs;
}

export function mockState(type: string, name: string, inputs: State): State {
    return computed[type]?.(name, inputs) ?? {};
}
