/**
 * Addresses, one table, two judges: every admin-CIDR case runs through the profile validation
 * (rag-stack:digitalocean.adminCidrs) and through the policy pack's firewall rule (port 22 of the
 * firewall the host renders from the same list), and both must agree. Listen/publish addresses
 * likewise through the validation and the Ollama port policy.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { firewallRules } from "../../components/hosts/digitalocean-firewall";
import { checkAdminSources, coversWholeFamily, parseCidr, parseIp, parseListenAddress } from "../../components/validation/addresses";
import { policyContext } from "../../policy/context";
import { checkResources, CheckedResource } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { FIREWALL } from "../../policy/rules/firewall";

const secrets: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2fHw6ZSe1pPsc9iNhOE7PZQRmLk5VLwZa8ePuKJ8e replace-me";

function prodRaw(digitalocean: Record<string, unknown>): RawConfig {
    return {
        host: { provider: "digitalocean" },
        ollama: { mode: "container", model: "qwen2.5:7b-instruct-q8_0", accelerator: "nvidia", image: "ollama/ollama:0.12.6" },
        services: {
            publishAddress: "0.0.0.0",
            backend: { image: "rag-backend:1.0.0" },
            frontend: { image: "rag-frontend:1.0.0", hostPort: 80 },
            neo4j: { image: "neo4j:5.26.2-community" },
        },
        digitalocean: { region: "tor1", size: "gpu-4000adax1-20gb", sshPublicKey: PUBLIC_KEY, ...digitalocean },
    };
}

function problemsOf(raw: RawConfig): string[] {
    try {
        parseProfile("prod", raw, secrets, { DIGITALOCEAN_TOKEN: "dop_v1_env" });
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return err.problems;
    }
    return [];
}

/** The firewall as components/hosts/digitalocean.ts renders it, checked by the policy pack. */
async function policyMessages(adminCidrs: string[], allowSshFromAnywhere: boolean): Promise<string[]> {
    const rules = firewallRules({ adminCidrs, publicPorts: [80, 8000], vpcIpRange: "10.110.0.0/20" });
    const context = policyContext("prod", { "rag-stack:digitalocean": JSON.stringify({ vpcIpRange: "10.110.0.0/20", allowSshFromAnywhere }) });
    const firewall: CheckedResource = {
        type: "digitalocean:index/firewall:Firewall", name: "host-firewall", urn: "urn:pulumi:prod::rag-stack::digitalocean:index/firewall:Firewall::host-firewall",
        inputs: { inboundRules: rules.inbound, outboundRules: rules.outbound }, secretPaths: [], protect: false,
    };
    const violations = await checkResources(createPolicies(context), [firewall]);
    return violations.filter((v) => v.policy === FIREWALL).map((v) => v.message);
}

const everyIpv4Slash16 = Array.from({ length: 65536 }, (_, i) => `${i >> 8}.${i & 255}.0.0/16`);

/** [label, adminCidrs, allowSshFromAnywhere, refused, words the config message must hold] */
const CASES: [string, string[], boolean, boolean, string][] = [
    ["one address /32", ["203.0.113.7/32"], false, false, ""],
    ["a bare address (one address)", ["203.0.113.7"], false, false, ""],
    ["an office /24 and an IPv6 /48", ["198.51.100.0/24", "2001:db8:1234::/48"], false, false, ""],
    ["IPv6 written long-hand", ["2001:0db8:0000:0000:0000:0000:0000:0001/128"], false, false, ""],
    ["exactly the IPv4 limit /16", ["172.20.0.0/16"], false, false, ""],
    ["exactly the IPv6 limit /32", ["2001:db8::/32"], false, false, ""],
    ["0.0.0.0/0", ["0.0.0.0/0"], false, true, '"0.0.0.0/0" is not allowed; it is the whole internet; use your own address (/32) or a range of /16 or narrower, or set rag-stack:digitalocean.allowSshFromAnywhere: true'],
    ["::/0", ["::/0"], false, true, '"::/0" is not allowed; it is the whole internet'],
    ["::/0 written another way", ["0:0:0:0:0:0:0:0/0"], false, true, '"0:0:0:0:0:0:0:0/0" is not allowed; it is the whole internet'],
    ["::/0 as 0::0/0", ["0::0/0"], false, true, '"0::0/0" is not allowed; it is the whole internet'],
    ["/0 on another address", ["203.0.113.7/0"], false, true, '"203.0.113.7/0" is not allowed; it has host bits set: it means all of 0.0.0.0/0'],
    ["two halves of IPv4", ["0.0.0.0/1", "128.0.0.0/1"], false, true, '"0.0.0.0/1" is not allowed; /1 is broader than /16, the broadest admin range allowed for IPv4'],
    ["two halves of IPv6", ["::/1", "8000::/1"], false, true, '"::/1" is not allowed; /1 is broader than /32, the broadest admin range allowed for IPv6'],
    ["a /8", ["10.0.0.0/8"], false, true, '"10.0.0.0/8" is not allowed; /8 is broader than /16'],
    ["an IPv6 /16", ["2001::/16"], false, true, '"2001::/16" is not allowed; /16 is broader than /32'],
    ["every /16 of IPv4: narrow each, the whole internet together", everyIpv4Slash16, false, true, "together these ranges cover every IPv4 address, which is the whole internet"],
    ["prefix beyond 32", ["203.0.113.7/33"], false, true, '"203.0.113.7/33" is not allowed; the prefix length /33 is beyond 32'],
    ["prefix beyond 128", ["2001:db8::/129"], false, true, '"2001:db8::/129" is not allowed; the prefix length /129 is beyond 128'],
    ["negative prefix", ["203.0.113.7/-1"], false, true, '"203.0.113.7/-1" is not allowed; the prefix length "-1" is not a number from 0 to 32'],
    ["empty prefix", ["203.0.113.7/"], false, true, 'the prefix length "" is not a number'],
    ["prefix with a leading zero", ["203.0.113.0/024"], false, true, 'the prefix length "024" is not a number'],
    ["octet beyond 255", ["256.0.0.1/32"], false, true, '"256.0.0.1" is not an IPv4 address (four decimal numbers 0-255) or an IPv6 address'],
    ["three-part IPv4", ["203.0.113/24"], false, true, '"203.0.113" is not an IPv4 address'],
    ["hex IPv4", ["0xcb.0.113.7/32"], false, true, '"0xcb.0.113.7" is not an IPv4 address'],
    ["a word", ["abc"], false, true, '"abc" is not an IPv4 address'],
    ["an IPv6 zone id", ["fe80::1%eth0/128"], false, true, '"fe80::1%eth0" is not an IPv4 address'],
    ["host bits set", ["203.0.113.7/24"], false, true, "it has host bits set: it means all of 203.0.113.0/24; write 203.0.113.0/24, or 203.0.113.7/32 for that one address"],
    ["0.0.0.0/0 with allowSshFromAnywhere", ["0.0.0.0/0", "::/0"], true, false, ""],
    ["two halves with allowSshFromAnywhere", ["0.0.0.0/1", "128.0.0.0/1"], true, false, ""],
    ["invalid even with allowSshFromAnywhere", ["0.0.0.0/33"], true, true, "the prefix length /33 is beyond 32"],
];

describe.each(CASES)("adminCidrs: %s", (_label, adminCidrs, allowSshFromAnywhere, refused, words) => {
    test(`validation ${refused ? "refuses" : "accepts"} it`, () => {
        const problems = problemsOf(prodRaw({ adminCidrs, allowSshFromAnywhere }));
        if (!refused) {
            expect(problems).toEqual([]);
            return;
        }
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.every((p) => p.startsWith("rag-stack:digitalocean.adminCidrs: "))).toBe(true);
        expect(problems.join("\n")).toContain(words);
    });
    test(`the policy pack ${refused ? "refuses" : "accepts"} the firewall rendered from it`, async () => {
        const messages = await policyMessages(adminCidrs, allowSshFromAnywhere);
        if (!refused) {
            expect(messages).toEqual([]);
            return;
        }
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(/^Firewall "host-firewall" inbound rule 0 \(tcp 22 from .*\) opens SSH \(22\) too widely: /);
        expect(messages[0]).toContain(words.replace(/^"([^"]*)" is not allowed; /, '"$1": '));
    });
});

test("the profile keeps the normalised form of each CIDR (what the firewall gets)", () => {
    const p = parseProfile("prod", prodRaw({ adminCidrs: ["203.0.113.7", "2001:0db8:0000::/48"] }), secrets, { DIGITALOCEAN_TOKEN: "x" });
    expect(p.digitalocean?.adminCidrs).toEqual(["203.0.113.7/32", "2001:db8::/48"]);
});

test("union arithmetic: overlaps, gaps and both families", () => {
    const cidrs = (texts: string[]) => texts.map((t) => { const p = parseCidr(t); if (!p.ok) throw new Error(p.reason); return p.cidr; });
    expect(coversWholeFamily(cidrs(["0.0.0.0/1", "64.0.0.0/2", "128.0.0.0/1"]), "ipv4")).toBe(true);
    expect(coversWholeFamily(cidrs(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"]), "ipv4")).toBe(false); // 224/3 missing
    expect(coversWholeFamily(cidrs(["::/1", "8000::/1"]), "ipv6")).toBe(true);
    expect(coversWholeFamily(cidrs(["::/1", "8000::/1"]), "ipv4")).toBe(false);
    expect(coversWholeFamily(cidrs(["::/1", "8000::/2", "c000::/2"]), "ipv6")).toBe(true);
    expect(checkAdminSources(["203.0.113.7/32"], false)).toEqual([]);
});

describe("listen and publish addresses: strict IP addresses, not hex words", () => {
    test.each([
        ["abc", undefined], ["0xabc", undefined], ["127.1", undefined], ["010.0.0.1", undefined], ["1.2.3.4.5", undefined],
        ["fe80::1%eth0", undefined], ["", undefined], ["127.0.0.1", "127.0.0.1"], ["0.0.0.0", "0.0.0.0"],
        ["::", "::"], ["0:0:0:0:0:0:0:0", "::"], ["::1", "::1"], ["auto", "auto"],
    ])("%s → %s", (text, expected) => {
        expect(parseListenAddress(text, ["auto"])).toBe(expected);
    });
    test("parseIp normalises IPv6 to RFC 5952", () => {
        expect(parseIp("2001:0DB8:0000:0000:0000:0000:0000:0001")?.text).toBe("2001:db8::1");
    });
});

describe("ollama.bindAddress and services.publishAddress: validation and the Ollama port policy agree", () => {
    const devRaw = (ollama: Record<string, unknown>, services: Record<string, unknown> = {}): RawConfig => ({
        ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", ...ollama },
        services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" }, ...services },
    });
    const devProblems = (raw: RawConfig): string[] => {
        try {
            parseProfile("dev", raw, secrets, {});
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems;
        }
        return [];
    };
    async function policyRefuses(bindAddress: string): Promise<boolean> {
        const native: CheckedResource = {
            type: "command:local:Command", name: "ollama-native-server", urn: "urn:pulumi:dev::rag-stack::command:local:Command::ollama-native-server",
            inputs: { environment: { OLLAMA_HOST: `${bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress}:11434` } }, secretPaths: [], protect: false,
        };
        const v = await checkResources(createPolicies(policyContext("dev", {})), [native]);
        return v.some((x) => x.policy === "ollama-port-not-public");
    }
    test.each([
        // [bindAddress, validation refuses, the dev policy refuses]
        ["abc", true, true],
        ["0xabc", true, true],
        ["127.1", true, true],
        ["300.1.1.1", true, true],
        ["127.0.0.1", false, false],
        ["172.17.0.1", false, false],
        ["::1", false, false],
        ["0.0.0.0", false, true], // valid, but every interface: the policy advises against it
        ["203.0.113.10", false, true],
    ])("bindAddress %s: validation refuses %s, policy refuses %s", async (address, configRefuses, policyRefusesIt) => {
        const problems = devProblems(devRaw({ bindAddress: address }));
        expect(problems.length > 0).toBe(configRefuses);
        if (configRefuses) {
            expect(problems).toEqual([
                `rag-stack:ollama.bindAddress: "${address}" is not allowed; it is not an IP address; use auto (narrowest address the backend container can reach), an IP address of this host (127.0.0.1, 172.17.0.1, ::1), or 0.0.0.0`,
            ]);
        }
        expect(await policyRefuses(address)).toBe(policyRefusesIt);
    });
    test("publishAddress: a hex word is refused with the key, the value and what is allowed; IPv6 is normalised", () => {
        expect(devProblems(devRaw({}, { publishAddress: "abc" }))).toEqual([
            'rag-stack:services.publishAddress: "abc" is not allowed; it is not an IP address; use an IP address of the Docker host: 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces, behind a firewall)',
        ]);
        expect(parseProfile("dev", devRaw({}, { publishAddress: "0:0::0" }), secrets, {}).services.publishAddress).toBe("::");
    });
});
