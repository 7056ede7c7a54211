/** Each policy on crafted resources: the violation it exists for is caught, with its message; the good shape passes. */
import { policyContext } from "../../policy/context";
import { checkResources, CheckedResource, Violation } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { FIREWALL, rangeIncludes } from "../../policy/rules/firewall";
import { IMAGES_PINNED } from "../../policy/rules/images";
import { NEO4J_PASSWORD } from "../../policy/rules/neo4j-password";
import { OLLAMA_GPU } from "../../policy/rules/ollama-gpu";
import { OLLAMA_ORIGINS } from "../../policy/rules/ollama-origins";
import { OLLAMA_PORT, ollamaHostAddress } from "../../policy/rules/ollama-port";
import { VOLUMES_PROTECTED } from "../../policy/rules/volumes";

const prod = policyContext("prod", {
    "rag-stack:ollama": JSON.stringify({ accelerator: "nvidia" }),
    "rag-stack:digitalocean": JSON.stringify({ vpcIpRange: "10.110.0.0/20" }),
});
const dev = policyContext("dev", { "rag-stack:ollama": JSON.stringify({ accelerator: "metal" }) });

let n = 0;
function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<CheckedResource> = {}): CheckedResource {
    return { type, name, urn: `urn:pulumi:prod::rag-stack::${type}::${name}-${n++}`, inputs, secretPaths: [], protect: false, ...extra };
}

const ollamaLabels = [{ label: "rag-stack.role", value: "ollama" }];
function ollamaContainer(inputs: Record<string, unknown>): CheckedResource {
    return resource("docker:index/container:Container", "ollama-container", {
        image: "ollama/ollama:0.12.6", labels: ollamaLabels, gpus: "all", ports: [],
        envs: ["OLLAMA_HOST=0.0.0.0:11434", "OLLAMA_ORIGINS=https://app.example.com"], ...inputs,
    });
}

async function check(context = prod, ...resources: CheckedResource[]): Promise<Violation[]> {
    return checkResources(createPolicies(context), resources);
}
const only = (violations: Violation[], policy: string) => violations.filter((v) => v.policy === policy);

describe("ollama-container-requests-gpus", () => {
    test("an Ollama container without gpus is caught when the accelerator is nvidia", async () => {
        const v = await check(prod, ollamaContainer({ gpus: undefined }));
        expect(v.map((x) => x.policy)).toEqual([OLLAMA_GPU]);
        expect(v[0].message).toMatch(/Ollama container "ollama-container" requests no GPUs although rag-stack:ollama.accelerator is nvidia/);
        expect(v[0].enforcementLevel).toBe("mandatory");
    });
    test("gpus: all passes; a non-nvidia accelerator makes it not applicable", async () => {
        expect(await check(prod, ollamaContainer({}))).toEqual([]);
        const cpu = policyContext("prod", { "rag-stack:ollama": JSON.stringify({ accelerator: "cpu" }) });
        expect(await check(cpu, ollamaContainer({ gpus: undefined }))).toEqual([]);
    });
});

describe("ollama-origins-not-wildcard", () => {
    test("* in a container's or a native command's OLLAMA_ORIGINS is caught", async () => {
        const container = ollamaContainer({ envs: ["OLLAMA_HOST=0.0.0.0:11434", "OLLAMA_ORIGINS=*"] });
        const native = resource("command:local:Command", "ollama-native-server", { environment: { OLLAMA_HOST: "auto:11434", OLLAMA_ORIGINS: "http://localhost:3000,http://*" } });
        const v = only(await check(dev, container, native), OLLAMA_ORIGINS);
        expect(v.map((x) => x.name)).toEqual(["ollama-container", "ollama-native-server"]);
        expect(v[0].message).toMatch(/OLLAMA_ORIGINS=\*: "\*" lets any web page call Ollama/);
        expect(v[1].message).toMatch(/"http:\/\/\*" lets any web page/);
        expect(v[0].enforcementLevel).toBe("advisory");
    });
    test("named origins (and app-scheme wildcards such as app://*) pass", async () => {
        const native = resource("command:local:Command", "ollama-native-server", { environment: { OLLAMA_ORIGINS: "http://localhost:3000,app://*" } });
        expect(only(await check(dev, native), OLLAMA_ORIGINS)).toEqual([]);
    });
});

describe("ollama-port-not-public", () => {
    test("a published Ollama port on every interface (or no ip) is caught", async () => {
        const v = only(await check(prod, ollamaContainer({ ports: [{ internal: 11434, external: 11434, ip: "0.0.0.0" }, { internal: 11434, external: 11435 }] })), OLLAMA_PORT);
        expect(v).toHaveLength(2);
        expect(v[0].message).toMatch(/publishes port 11434 on 0\.0\.0\.0; Ollama has no authentication\. Publish it on 127\.0\.0\.1 or an address in the VPC \(10\.110\.0\.0\/20\) only/);
        expect(v[1].message).toMatch(/port 11435 on 0\.0\.0\.0 \(no ip given: every interface\)/);
    });
    test("prod allows loopback and the VPC address only; dev allows any private address", async () => {
        const onVpc = ollamaContainer({ ports: [{ internal: 11434, external: 11434, ip: "10.110.0.2" }, { internal: 11434, external: 11435, ip: "127.0.0.1" }] });
        expect(only(await check(prod, onVpc), OLLAMA_PORT)).toEqual([]);
        const onLan = ollamaContainer({ ports: [{ internal: 11434, external: 11434, ip: "192.168.1.20" }] });
        expect(only(await check(prod, onLan), OLLAMA_PORT)).toHaveLength(1);
        expect(only(await check(dev, onLan), OLLAMA_PORT)).toEqual([]);
        expect(only(await check(dev, ollamaContainer({ ports: [{ internal: 11434, external: 11434, ip: "203.0.113.10" }] })), OLLAMA_PORT)).toHaveLength(1);
    });
    test("native Ollama bound to 0.0.0.0 (the seed's OLLAMA_HOST) is caught; auto and loopback pass", async () => {
        const seed = resource("command:local:Command", "ollama-native-server", { environment: { OLLAMA_HOST: "0.0.0.0:11434" } });
        const v = only(await check(dev, seed), OLLAMA_PORT);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/OLLAMA_HOST=0\.0\.0\.0:11434: it listens on 0\.0\.0\.0 \(every interface\)/);
        for (const host of ["auto:11434", "127.0.0.1:11434", "172.17.0.1:11434", "[::1]:11434"]) {
            expect(only(await check(dev, resource("command:local:Command", "s", { environment: { OLLAMA_HOST: host } })), OLLAMA_PORT)).toEqual([]);
        }
        expect(ollamaHostAddress("[::]:11434")).toBe("::");
        expect(ollamaHostAddress("http://0.0.0.0:11434")).toBe("0.0.0.0");
    });
    test("the Ollama container's own OLLAMA_HOST (inside its network namespace) is not a publication", async () => {
        expect(only(await check(prod, ollamaContainer({})), OLLAMA_PORT)).toEqual([]);
    });
});

describe("firewall-private-ports-closed", () => {
    const fw = (inboundRules: unknown[]) => resource("digitalocean:index/firewall:Firewall", "host-firewall", { inboundRules });
    test("11434, 7687, 7474 and 22 open to 0.0.0.0/0 or ::/0, directly or by a range, are caught (all rules of a port judged together)", async () => {
        const v = only(await check(prod, fw([
            { protocol: "tcp", portRange: "11434", sourceAddresses: ["0.0.0.0/0"] },
            { protocol: "tcp", portRange: "7000-8000", sourceAddresses: ["::/0"] },
            { protocol: "udp", portRange: "all", sourceAddresses: ["10.110.0.0/20", "0.0.0.0/0"] },
        ])), FIREWALL);
        expect(v.map((x) => x.message.match(/opens (.*) too widely/)?.[1])).toEqual([
            "SSH (22)", "Neo4j HTTP (7474)", "Neo4j Bolt (7687)", "Ollama (11434)",
        ]);
        expect(v[3].message).toBe(
            'Firewall "host-firewall" inbound rule 0 (tcp 11434 from 0.0.0.0/0) and inbound rule 2 (udp all from 10.110.0.0/20, 0.0.0.0/0) opens Ollama (11434) too widely: ' +
            '"0.0.0.0/0": it is the whole internet; use your own address (/32) or a range of /16 or narrower. Open it to the VPC range at most; the stack itself opens it to nobody.');
        expect(v[0].message).toMatch(/or set rag-stack:digitalocean\.allowSshFromAnywhere: true to accept that\.$/);
    });
    test("the same ports from the VPC, public web ports from anywhere, icmp and ssh from an admin CIDR pass", async () => {
        expect(only(await check(prod, fw([
            { protocol: "tcp", portRange: "11434", sourceAddresses: ["10.110.0.0/20"] },
            { protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.7/32"] },
            { protocol: "icmp", sourceAddresses: ["0.0.0.0/0"] },
        ])), FIREWALL)).toEqual([]);
        expect(rangeIncludes("1-65535", 7687)).toBe(true);
        expect(rangeIncludes("8000-9000", 7687)).toBe(false);
    });
});

describe("images-pinned", () => {
    test(":latest and missing tags are caught, on pulled, built and directly referenced images", async () => {
        const v = only(await check(prod,
            resource("docker:index/remoteImage:RemoteImage", "ollama-image", { name: "ollama/ollama:latest" }),
            resource("docker:index/image:Image", "backend-image", { imageName: "registry.example.com:5000/rag-backend" }),
            resource("docker:index/container:Container", "neo4j", { image: "neo4j", labels: [{ label: "rag-stack.role", value: "neo4j" }] }),
        ), IMAGES_PINNED);
        expect(v.map((x) => x.name)).toEqual(["ollama-image", "backend-image", "neo4j"]);
        expect(v[0].message).toBe('ollama-image uses image "ollama/ollama:latest", which is not pinned (:latest changes under you). Name a version tag or an @sha256 digest.');
        expect(v[1].message).toMatch(/no tag, i\.e\. :latest/);
    });
    test("tags, digests and image ids pass; the policy agrees with the profile's own rule", async () => {
        expect(only(await check(prod,
            resource("docker:index/remoteImage:RemoteImage", "a", { name: "ollama/ollama:0.12.6" }),
            resource("docker:index/remoteImage:RemoteImage", "b", { name: `neo4j@sha256:${"a".repeat(64)}` }),
            resource("docker:index/container:Container", "c", { image: `sha256:${"b".repeat(64)}` }),
        ), IMAGES_PINNED)).toEqual([]);
    });
});

describe("neo4j-password-secret", () => {
    const neo4j = (envs: string[], secretPaths: string[]) => resource("docker:index/container:Container", "app-neo4j",
        { image: "neo4j:5.26-community", envs, labels: [{ label: "rag-stack.role", value: "neo4j" }] }, { secretPaths });
    test("a password passed in plain text is caught, for Neo4j itself and for the backend", async () => {
        const backend = resource("docker:index/container:Container", "app-backend",
            { envs: ["OLLAMA_BASE_URL=http://ollama:11434", "NEO4J_PASSWORD=hunter2hunter2"] }, { secretPaths: ["envs.0"] });
        const v = only(await check(prod, neo4j(["NEO4J_AUTH=neo4j/hunter2hunter2"], []), backend), NEO4J_PASSWORD);
        expect(v.map((x) => x.name)).toEqual(["app-neo4j", "app-backend"]);
        expect(v[0].message).toBe("app-neo4j passes the Neo4j password in NEO4J_AUTH (envs.0) as plain text: it would be stored unencrypted in the state. Pass it as a Pulumi secret (pulumi.secret, config set --secret).");
        expect(v[1].message).toMatch(/NEO4J_PASSWORD \(envs\.1\) as plain text/);
    });
    test("auth disabled, the default and an empty password are caught", async () => {
        const v = only(await check(prod, neo4j(["NEO4J_AUTH=none"], ["envs"]), neo4j(["NEO4J_AUTH=neo4j/neo4j"], ["envs"]), neo4j(["NEO4J_AUTH=neo4j/"], ["envs"])), NEO4J_PASSWORD);
        expect(v.map((x) => x.message.split(":")[0].split(" gives")[0])).toEqual(["app-neo4j sets NEO4J_AUTH=none", "app-neo4j", "app-neo4j"]);
        expect(v[1].message).toMatch(/the default password in NEO4J_AUTH/);
        expect(v[2].message).toMatch(/an empty password/);
    });
    test("a secret password passes, whether the list or the entry is marked", async () => {
        expect(only(await check(prod, neo4j(["NEO4J_AUTH=neo4j/hunter2hunter2"], ["envs"]), neo4j(["X=1", "NEO4J_AUTH=neo4j/hunter2hunter2"], ["envs.1"])), NEO4J_PASSWORD)).toEqual([]);
    });
});

describe("data-volumes-protected", () => {
    test("an unprotected data volume (Docker or DigitalOcean) is caught", async () => {
        const v = only(await check(prod,
            resource("docker:index/volume:Volume", "app-neo4j-data", {}),
            resource("digitalocean:index/volume:Volume", "host-neo4j-data", { region: "tor1", size: 20 }),
        ), VOLUMES_PROTECTED);
        expect(v.map((x) => x.name)).toEqual(["app-neo4j-data", "host-neo4j-data"]);
        expect(v[0].message).toBe('Volume "app-neo4j-data" holds data but is not protected: a replace or destroy would delete it. Register it with protect: true (production stacks do).');
    });
    test("protected data volumes pass; model stores and binds of a host directory are exempt", async () => {
        expect(only(await check(prod,
            resource("docker:index/volume:Volume", "app-neo4j-data", {}, { protect: true }),
            resource("docker:index/volume:Volume", "ollama-container-models", {}),
            resource("docker:index/volume:Volume", "health-activity-log", {}),
            resource("docker:index/volume:Volume", "app-neo4j-data", { driver: "local", driverOpts: { type: "none", o: "bind", device: "/mnt/neo4j" } }),
        ), VOLUMES_PROTECTED)).toEqual([]);
        // A volume with other driver options (an NFS mount, say) is not a bind: still data.
        expect(only(await check(prod,
            resource("docker:index/volume:Volume", "nfs-data", { driver: "local", driverOpts: { type: "nfs", o: "addr=10.0.0.5,rw", device: ":/export" } }),
        ), VOLUMES_PROTECTED)).toHaveLength(1);
        // The activity log's exemption is for a Docker volume of that name only.
        expect(only(await check(prod, resource("digitalocean:index/volume:Volume", "host-activity-log", { region: "tor1", size: 1 })), VOLUMES_PROTECTED)).toHaveLength(1);
    });
});

test("enforcement: mandatory for prod and prod-*, advisory for other stacks, mandatory when the stack is unknown", () => {
    expect(policyContext("prod").enforcement).toBe("mandatory");
    expect(policyContext("prod-eu").enforcement).toBe("mandatory");
    expect(policyContext("dev").enforcement).toBe("advisory");
    expect(policyContext("production-test").enforcement).toBe("advisory");
    expect(policyContext(undefined).enforcement).toBe("mandatory");
    for (const p of createPolicies(policyContext("dev"))) expect(p.enforcementLevel).toBe("advisory");
});
