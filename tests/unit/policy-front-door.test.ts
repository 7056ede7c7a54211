/**
 * The front-door policies on crafted resources: in prod only the proxy publishes ports, a firewall
 * opens nothing but 80/443 to the world, and an open door (no auth) is called out (advisory).
 */
import { policyContext } from "../../policy/context";
import { checkResources, CheckedResource, Violation } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { FIREWALL_WEB_ONLY } from "../../policy/rules/firewall-public-ports";
import { FRONT_DOOR_OPEN, readCaddyConfig } from "../../policy/rules/front-door-auth";
import { PROXY_ONLY_PUBLISHES } from "../../policy/rules/published-ports";
import { caddyConfigJson, CaddyConfigArgs } from "../../components/proxy/caddy-config";

const prod = policyContext("prod", { "rag-stack:digitalocean": JSON.stringify({ vpcIpRange: "10.110.0.0/20" }) });
const dev = policyContext("dev", {});

let n = 0;
function resource(type: string, name: string, inputs: Record<string, unknown>): CheckedResource {
    return { type, name, urn: `urn:pulumi:prod::rag-stack::${type}::${name}-${n++}`, inputs, secretPaths: [], protect: false };
}
const role = (value: string) => [{ label: "rag-stack.role", value }];
const container = (name: string, r: string, ports: unknown[], extra: Record<string, unknown> = {}) =>
    resource("docker:index/container:Container", name, { image: "x:1.0.0", labels: role(r), ports, ...extra });
const only = (violations: Violation[], policy: string) => violations.filter((v) => v.policy === policy);
const check = (context: typeof prod, ...resources: CheckedResource[]) => checkResources(createPolicies(context), resources);

const doorArgs: CaddyConfigArgs = {
    publicHost: "rag.example.com", ca: "letsencrypt", acmeEmail: "ops@example.org", apiPrefix: "/api", stripApiPrefix: true,
    backend: { host: "backend", port: 8000 }, frontend: { host: "frontend", port: 3000 }, users: [],
};
const proxy = (users: CaddyConfigArgs["users"] = []) => container("proxy-container", "proxy",
    [{ internal: 80, external: 80, ip: "0.0.0.0" }, { internal: 443, external: 443, ip: "0.0.0.0" }],
    { uploads: [{ file: "/etc/caddy/rag-stack.json", content: caddyConfigJson({ ...doorArgs, users }) }] });

describe("only-proxy-publishes-ports", () => {
    test("in prod a backend or frontend publishing on every interface (or without an ip) is caught", async () => {
        const v = only(await check(prod,
            container("app-backend", "backend", [{ internal: 8000, external: 8000, ip: "0.0.0.0" }]),
            container("app-frontend", "frontend", [{ internal: 3000, external: 80 }]),
        ), PROXY_ONLY_PUBLISHES);
        expect(v.map((x) => x.message)).toEqual([
            'Container "app-backend" (backend) publishes port 8000 on 0.0.0.0; in production only the front door publishes ports. ' +
                "Put it behind the front door (rag-stack:services.proxy.enabled: true; the proxy reaches it on the app network) or publish it on 127.0.0.1 only.",
            'Container "app-frontend" (frontend) publishes port 80 on 0.0.0.0 (no ip given: every interface); in production only the front door publishes ports. ' +
                "Put it behind the front door (rag-stack:services.proxy.enabled: true; the proxy reaches it on the app network) or publish it on 127.0.0.1 only.",
        ]);
        expect(v[0].enforcementLevel).toBe("mandatory");
    });
    test("the proxy's 80/443, loopback-only ports and unpublished containers pass; dev is not concerned", async () => {
        expect(only(await check(prod,
            proxy(),
            container("app-neo4j", "neo4j", [{ internal: 7687, external: 7687, ip: "127.0.0.1" }]),
            container("app-backend", "backend", []),
        ), PROXY_ONLY_PUBLISHES)).toEqual([]);
        expect(only(await check(dev, container("app-backend", "backend", [{ internal: 8000, external: 8000, ip: "0.0.0.0" }])), PROXY_ONLY_PUBLISHES)).toEqual([]);
    });
});

describe("firewall-only-web-ports-public", () => {
    const fw = (inboundRules: unknown[]) => resource("digitalocean:index/firewall:Firewall", "host-firewall", { inboundRules });
    test("SSH, an app port, a range around 80-443 and `all` open to the world are each caught", async () => {
        const v = only(await check(prod, fw([
            { protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] },
            { protocol: "tcp", portRange: "8000", sourceAddresses: ["::/0"] },
            { protocol: "tcp", portRange: "80-443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "udp", portRange: "all", sourceAddresses: ["0.0.0.0/0"] },
        ])), FIREWALL_WEB_ONLY);
        expect(v.map((x) => x.message.match(/opens (.*?) to /)?.[1])).toEqual(["tcp 22", "tcp 8000", "tcp 80-443", "udp all"]);
        expect(v[0].message).toBe('Firewall "host-firewall" inbound rule 0 opens tcp 22 to 0.0.0.0/0; only 80 and 443 (the front door) may be open to the internet. ' +
            "Allow other ports from named sources only (rag-stack:digitalocean.adminCidrs for SSH).");
    });
    test("80 and 443 from anywhere, SSH from an admin CIDR, ICMP pass", async () => {
        expect(only(await check(prod, fw([
            { protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.7/32"] },
            { protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "icmp", sourceAddresses: ["0.0.0.0/0", "::/0"] },
        ])), FIREWALL_WEB_ONLY)).toEqual([]);
    });
});

describe("front-door-open-to-anyone", () => {
    test("a door without auth is called out, advisory even in prod, naming the host", async () => {
        const v = only(await check(prod, proxy()), FRONT_DOOR_OPEN);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("advisory");
        expect(v[0].message).toMatch(/^The front door "proxy-container" for rag\.example\.com has no access control: anyone who finds the address can use the app/);
    });
    test("a door with basic auth passes", async () => {
        expect(only(await check(prod, proxy([{ name: "alice", passwordHash: `$2a$12$${"Q".repeat(53)}` }])), FRONT_DOOR_OPEN)).toEqual([]);
        expect(readCaddyConfig("not json")).toBeUndefined();
    });
});
