/**
 * The inputs a user types, refused before anything registers, each with the key, the value and what
 * is allowed (components/validation/*). One file on purpose: every test file pays for loading
 * @pulumi/pulumi (about 2 s of CPU under jest), and these three groups need only parseProfile.
 *
 * 1. Addresses, one table, two judges: every admin-CIDR case runs through the profile validation
 *    (rag-stack:digitalocean.adminCidrs) and through the policy pack's firewall rule (port 22 of the
 *    firewall the host renders from the same list), and both must agree. Listen/publish addresses
 *    likewise through the validation and the Ollama port policy.
 * 2. Values with a grammar of their own: image references (distribution/reference), OLLAMA_ORIGINS
 *    entries and environment variable names; the policy's origin rule agrees with the validation.
 * 3. Nothing silently ignored: keys of the namespace nothing reads (typos, a key set without --path)
 *    are refused; keys without effect in the current placement are warned about; two services on
 *    one host port are refused; accelerator metal off a Mac is refused. loadProfile is called
 *    directly on the config map Pulumi gives the program (pulumi.runtime.allConfig).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RESERVED_BACKEND_VARIABLES } from "../../components/app/backend-env";
import { ConfigError, loadProfile, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { keepAliveAsDuration, parseKeepAlive } from "../../components/validation/keep-alive";
import { modelsDirContentProblem, modelsDirNameProblem } from "../../components/validation/models-dir";
import { prodProfileRaw, TEST_SECRETS } from "./support/profiles";
import { firewallRules } from "../../components/hosts/digitalocean-firewall";
import { checkAdminSources, coversWholeFamily, parseCidr, parseIp, parseListenAddress } from "../../components/validation/addresses";
import { hostPortClashes } from "../../components/validation/host-ports";
import { parseImageReference } from "../../components/validation/image-reference";
import { isWildcardOrigin, originProblem } from "../../components/validation/origins";
import { ineffectiveKeyWarnings } from "../../components/validation/placement";
import { metalPlatformProblem, nvidiaPlatformProblem, renderAsPlatform } from "../../components/validation/platform";
import { closestKey, unknownKeyProblems } from "../../components/validation/unknown-keys";
import { policyContext } from "../../policy/context";
import { checkResources, CheckedResource } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { FIREWALL } from "../../policy/rules/firewall";

describe("addresses", () => {
    const secrets = TEST_SECRETS;

    const prodRaw = (digitalocean: Record<string, unknown>): RawConfig => prodProfileRaw({ digitalocean });

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
        const rules = firewallRules({ adminCidrs, publicPorts: [80, 8000] });
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

    test("every /16 of IPv4: each narrow enough, together the whole internet (the shared check both judges call; 65,536 ranges, so once)", () => {
        const problems = checkAdminSources(everyIpv4Slash16, false, "rag-stack:digitalocean.allowSshFromAnywhere: true");
        expect(problems).toEqual([{
            value: "0.0.0.0/16, 0.1.0.0/16, 0.2.0.0/16, ... (65536 ranges)",
            reason: "together these ranges cover every IPv4 address, which is the whole internet; list only your own ranges, or set rag-stack:digitalocean.allowSshFromAnywhere: true to accept that",
        }]);
        expect(checkAdminSources(everyIpv4Slash16.slice(1), false)).toEqual([]);
        expect(checkAdminSources(everyIpv4Slash16, true)).toEqual([]);
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

});

describe("values with a grammar of their own", () => {
    const password: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };

    function devRaw(ollama: Record<string, unknown> = {}, services: Record<string, unknown> = {}): RawConfig {
        return {
            ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", ...ollama },
            services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" }, ...services },
        };
    }

    function problemsOf(raw: RawConfig): string[] {
        try {
            parseProfile("dev", raw, password, {});
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems;
        }
        return [];
    }

    describe("image references follow the distribution/reference grammar", () => {
        test.each([
            "ollama/ollama:0.12.6", "neo4j:5.26-community", "neo4j", "registry.digitalocean.com/rag-stack/rag-backend:1.0.0",
            "localhost:5000/rag-backend:dev", "localhost/rag-backend", "[::1]:5000/rag/backend:1", "192.168.1.10:5000/a_b__c-d.e:v1.2_3",
            `ollama/ollama@sha256:${"a".repeat(64)}`, `ollama/ollama:0.12.6@sha512:${"0".repeat(128)}`, "My.Registry:443/x/y:1",
        ])("%s parses", (ref) => {
            expect(parseImageReference(ref)).toMatchObject({ ok: true });
        });
        test.each([
            ["Rag-Backend:1", 'the repository part "Rag-Backend" is not lower-case'],
            ["rag backend:1", 'the repository part "rag backend" is not lower-case'],
            ["rag-backend:", 'the tag "" is not 1-128 letters'],
            ["rag-backend:-1", 'the tag "-1" is not'],
            [`rag-backend:${"x".repeat(129)}`, "is not 1-128 letters"],
            ["rag-backend@sha256:abc", 'the digest "sha256:abc" is not sha256: followed by exactly 64 lower-case hex digits'],
            [`rag-backend@sha256:${"a".repeat(63)}`, "exactly 64 lower-case hex digits"],
            [`rag-backend@sha256:${"A".repeat(64)}`, "exactly 64 lower-case hex digits"],
            [`rag-backend@md5:${"a".repeat(32)}`, 'is not sha256:<64 hex digits> (or sha512:<128>)'],
            ["rag--backend_:1", 'the repository part "rag--backend_"'],
            ["a..b:1", 'the repository part "a..b"'],
            ["-bad.example.com/x:1", 'the registry "-bad.example.com" is not a host name'],
            ["[zz]:5000/x:1", 'the registry "[zz]:5000" has no valid IPv6 address'],
            ["/x:1", 'the repository part ""'],
            ["", "the reference is empty"],
            [`${"a".repeat(256)}:1`, "longer than 255 characters"],
        ])("%s is refused: %s", (ref, reason) => {
            const parsed = parseImageReference(ref);
            expect(parsed.ok).toBe(false);
            if (!parsed.ok) expect(parsed.reason).toContain(reason);
        });
        test("a bad image is refused in the profile with key, value and what is allowed", () => {
            expect(problemsOf(devRaw({ mode: "container", accelerator: "cpu", image: "ollama/ollama@sha256:abc" }))).toEqual([
                'rag-stack:ollama.image: "ollama/ollama@sha256:abc" is not allowed; the digest "sha256:abc" is not sha256: followed by exactly 64 lower-case hex digits; ' +
                    "expected an image reference such as ollama/ollama:0.12.6 (name[:tag][@sha256:<64 hex digits>])",
            ]);
            expect(problemsOf(devRaw({}, { backend: { image: "Rag-Backend:dev" }, neo4j: { image: "neo4j:5.26 community" } }))).toEqual([
                'rag-stack:services.backend.image: "Rag-Backend:dev" is not allowed; the repository part "Rag-Backend" is not lower-case letters and digits joined by single . _ __ or dashes; ' +
                    "expected an image reference such as rag-backend:1.4.2 (name[:tag][@sha256:<64 hex digits>])",
                'rag-stack:services.neo4j.image: "neo4j:5.26 community" is not allowed; the tag "5.26 community" is not 1-128 letters, digits, _ . - (not starting with . or -); ' +
                    "expected an image reference such as neo4j:5.26-community (name[:tag][@sha256:<64 hex digits>])",
            ]);
        });
    });

    describe("OLLAMA_ORIGINS entries: no wildcard web origin, no control characters, no smuggled second entry", () => {
        const ALLOWED = "each origin must be scheme://host[:port] such as http://localhost:3000 or https://rag.example.com (no *, no path)";
        test.each([
            ["*", "a wildcard lets any web page drive your Ollama"],
            ["http://*", "a wildcard lets any web page drive your Ollama"],
            ["https://*", "a wildcard"],
            ["https://*.example.com", "a wildcard"],
            ["http://localhost:3000/", "it is not scheme://host[:port]"],
            ["http://localhost:3000/app", "it is not scheme://host[:port]"],
            ["http://user@localhost:3000", "it is not scheme://host[:port]"],
            ["http://localhost:3000\n", "it holds a control character"],
            ["http://local\u0007host", "it holds a control character"],
            ["http://localhost:3000,*", "it holds a comma"],
            ["localhost:3000", "it is not scheme://host[:port]"],
            ["ftp://example.com", "it is not scheme://host[:port]"],
            ["http://-bad-.example.com", '"-bad-.example.com" is not a host name or IP address'],
            ["http://300.1.1.1:3000", '"300.1.1.1" is not a host name or IP address'],
            ["http://localhost:70000", "the port 70000 is not from 1 to 65535"],
        ])("%j is refused: %s", (origin, reason) => {
            const problems = problemsOf(devRaw({ origins: [origin] }));
            expect(problems).toHaveLength(1);
            expect(problems[0].startsWith(`rag-stack:ollama.origins: ${JSON.stringify(origin)} is not allowed; ${reason}`)).toBe(true);
            expect(problems[0].endsWith(`; ${ALLOWED}`)).toBe(true);
        });
        test.each(["http://localhost:3000", "https://rag.example.com", "http://127.0.0.1:3000", "http://[::1]:3000", "app://*", "tauri://*"])(
            "%s is allowed", (origin) => {
                expect(originProblem(origin)).toBeUndefined();
                expect(problemsOf(devRaw({ origins: [origin] }))).toEqual([]);
            });
        test("the policy pack flags exactly the wildcard web origins the validation refuses as wildcards", () => {
            for (const origin of ["*", "http://*", "https://*", "https://*.example.com", " http://* "]) expect(isWildcardOrigin(origin)).toBe(true);
            for (const origin of ["http://localhost:3000", "app://*", "tauri://*"]) expect(isWildcardOrigin(origin)).toBe(false);
        });
    });

    describe("services.backend.env names", () => {
        test.each(["API-KEY", "1X", "A B", "A=B", "LOG\nLEVEL", ""])("%j is refused with key, value and what is allowed", (name) => {
            expect(problemsOf(devRaw({}, { backend: { image: "rag-backend:dev", env: { [name]: "x", LOG_LEVEL: "info" } } }))).toEqual([
                `rag-stack:services.backend.env: ${JSON.stringify(name)} is not allowed; it is not a valid environment variable name; a variable name is a letter or _, then letters, digits and _ (e.g. LOG_LEVEL)`,
            ]);
        });
        test("ordinary names pass", () => {
            expect(problemsOf(devRaw({}, { backend: { image: "rag-backend:dev", env: { LOG_LEVEL: "info", _X1: "y", lower_case: "z" } } }))).toEqual([]);
        });
    });

});

describe("nothing silently ignored", () => {
    const KNOWN = ["ollama", "host", "docker", "services", "digitalocean", "neo4jPassword", "digitaloceanToken"];
    const KNOWN_TEXT = KNOWN.join(", ");

    describe("unknown keys of the rag-stack namespace", () => {
        test.each([
            ["rag-stack:ollma", '{"mode":"container"}', 'rag-stack:ollma: {"mode":"container"} is not allowed; rag-stack:ollma is not a setting of this project (did you mean rag-stack:ollama?); known: ' + KNOWN_TEXT],
            ["rag-stack:servics", '{"backend":{}}', 'rag-stack:servics: {"backend":{}} is not allowed; rag-stack:servics is not a setting of this project (did you mean rag-stack:services?); known: ' + KNOWN_TEXT],
            ["rag-stack:digitalOcean", "{}", "(did you mean rag-stack:digitalocean?)"],
            ["rag-stack:neo4jPasword", "x", "(did you mean rag-stack:neo4jPassword?)"],
            ["rag-stack:frobnicate", "1", "rag-stack:frobnicate: 1 is not allowed; rag-stack:frobnicate is not a setting of this project; known: " + KNOWN_TEXT],
        ])("%s is refused with a did-you-mean hint", (key, value, message) => {
            const problems = unknownKeyProblems("rag-stack", { [key]: value, "rag-stack:ollama": "{}" }, KNOWN);
            expect(problems).toHaveLength(1);
            expect(problems[0]).toContain(message);
        });
        test("the literal key left by `pulumi config set ollama.mode container` (no --path) names the --path form", () => {
            expect(unknownKeyProblems("rag-stack", { "rag-stack:ollama.mode": "container" }, KNOWN)).toEqual([
                'rag-stack:ollama.mode: "container" is not allowed; it is a literal key with a dot, left by `pulumi config set ollama.mode ...` without --path, and nothing reads it. ' +
                    "Run: pulumi config rm ollama.mode && pulumi config set --path ollama.mode container",
            ]);
            // A typo in the top-level part too: the --path form names the real key.
            expect(unknownKeyProblems("rag-stack", { "rag-stack:servics.backend.port": "8001" }, KNOWN)[0])
                .toContain("Run: pulumi config rm servics.backend.port && pulumi config set --path services.backend.port 8001");
            expect(unknownKeyProblems("rag-stack", { "rag-stack:services.publicHost": "my host's" }, KNOWN)[0]).toContain("--path services.publicHost 'my host'\\''s'");
            expect(unknownKeyProblems("rag-stack", { "rag-stack:ollama.image": "x" }, KNOWN, ["rag-stack:ollama.image"])[0]).toMatch(/: \[secret\] is not allowed; .* --path ollama\.image <value> --secret$/);
        });
        test("secret values are never shown; other namespaces are left alone; known keys pass", () => {
            expect(unknownKeyProblems("rag-stack", { "rag-stack:neo4jPasswrd": "hunter2-secret" }, KNOWN, ["rag-stack:neo4jPasswrd"])[0])
                .toMatch(/^rag-stack:neo4jPasswrd: \[secret\] is not allowed/);
            expect(unknownKeyProblems("rag-stack", { "digitalocean:token": "x", "pulumi:tags": "{}", "rag-stack:services": "{}" }, KNOWN)).toEqual([]);
        });
        test("closestKey: case, one or two edits; nothing for unrelated words", () => {
            expect(closestKey("OLLAMA", KNOWN)).toBe("ollama");
            expect(closestKey("dokcer", KNOWN)).toBe("docker");
            expect(closestKey("zzz", KNOWN)).toBeUndefined();
        });
    });

    describe("keys without effect in the current placement are warned about", () => {
        test("container placement: the native keys are named", () => {
            expect(ineffectiveKeyWarnings("rag-stack", { mode: "container", provider: "local" }, ["mode", "bindAddress", "binary", "adoptExisting", "stateDir", "modelsDir"])).toEqual([
                'rag-stack:ollama.bindAddress has no effect with rag-stack:ollama.mode "container" (it sets the native server\'s listen address; a container listens inside its own network); it applies again if you switch back to mode: native',
                'rag-stack:ollama.binary has no effect with rag-stack:ollama.mode "container" (it sets the ollama executable the native server runs); it applies again if you switch back to mode: native',
                'rag-stack:ollama.adoptExisting has no effect with rag-stack:ollama.mode "container" (it sets adopting an Ollama already running on this machine); it applies again if you switch back to mode: native',
                'rag-stack:ollama.stateDir has no effect with rag-stack:ollama.mode "container" (it sets the native server\'s pidfile and log directory); it applies again if you switch back to mode: native',
            ]);
            expect(ineffectiveKeyWarnings("rag-stack", { mode: "container", provider: "digitalocean" }, ["modelsDir"])).toEqual([
                'rag-stack:ollama.modelsDir has no effect with rag-stack:host.provider "digitalocean" (a directory on this machine cannot back a remote engine\'s model store)',
            ]);
        });
        test("native placement: image is named; keys that apply are not", () => {
            expect(ineffectiveKeyWarnings("rag-stack", { mode: "native", provider: "local" }, ["image", "bindAddress", "modelsDir"])).toEqual([
                'rag-stack:ollama.image has no effect with rag-stack:ollama.mode "native" (the native server runs the installed ollama); it applies again if you switch to mode: container',
            ]);
            expect(ineffectiveKeyWarnings("rag-stack", { mode: "container", provider: "local" }, ["image", "modelsDir", "port"])).toEqual([]);
        });
    });

    describe("host-port clashes between services", () => {
        const password: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };
        const devRaw = (services: Record<string, unknown>, ollama: Record<string, unknown> = {}): RawConfig => ({
            ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", ...ollama },
            services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" }, ...services },
        });
        const problemsOf = (raw: RawConfig): string[] => {
            try {
                parseProfile("dev", raw, password, {});
            } catch (err) {
                if (!(err instanceof ConfigError)) throw err;
                return err.problems;
            }
            return [];
        };
        test("frontend on the backend's port", () => {
            expect(problemsOf(devRaw({ frontend: { image: "rag-frontend:dev", hostPort: 8000 } }))).toEqual([
                "rag-stack:services.frontend.hostPort: 8000 is not allowed; rag-stack:services.backend.hostPort already takes host port 8000. Give each service its own port",
            ]);
        });
        test("Neo4j bolt and http on the native Ollama's port; a dev Ollama container publishes no port, so no clash", () => {
            expect(problemsOf(devRaw({ neo4j: { boltPort: 11434 } }))).toEqual([
                "rag-stack:services.neo4j.boltPort: 11434 is not allowed; rag-stack:ollama.port already takes host port 11434. Give each service its own port",
            ]);
            expect(problemsOf(devRaw({ neo4j: { httpPort: 7000 } }, { mode: "container", accelerator: "cpu", port: 7000 }))).toEqual([]);
        });
        test("bolt and http on one port; distinct ports pass", () => {
            expect(hostPortClashes([{ key: "a", port: 1 }, { key: "b", port: 2 }, { key: "c", port: 1 }])).toEqual([
                "c: 1 is not allowed; a already takes host port 1. Give each service its own port",
            ]);
            expect(problemsOf(devRaw({ neo4j: { boltPort: 7000, httpPort: 7000 } }))).toEqual([
                "rag-stack:services.neo4j.httpPort: 7000 is not allowed; rag-stack:services.neo4j.boltPort already takes host port 7000. Give each service its own port",
            ]);
            expect(problemsOf(devRaw({ backend: { image: "rag-backend:dev", hostPort: 8080 }, frontend: { image: "rag-frontend:dev", hostPort: 8081 } }))).toEqual([]);
        });
    });

    describe("accelerator metal and the machine's platform", () => {
        test("refused on Linux and Windows with the reason; fine on macOS and for other accelerators", () => {
            expect(metalPlatformProblem("rag-stack", "metal", "linux")).toBe(
                'rag-stack:ollama.accelerator: "metal" is not allowed on this machine (linux); Metal is Apple\'s GPU API and exists only on macOS, ' +
                    "so Ollama would run on the CPU and the GPU check would fail after the model download. Run this stack from the Mac, or use accelerator: nvidia or cpu here");
            expect(metalPlatformProblem("rag-stack", "metal", "win32")).toContain("(win32)");
            expect(metalPlatformProblem("rag-stack", "metal", "darwin")).toBeUndefined();
            expect(metalPlatformProblem("rag-stack", "nvidia", "linux")).toBeUndefined();
        });
    });

    describe("loadProfile sees every key Pulumi passes and warns through pulumi.log", () => {
        const base = {
            "rag-stack:ollama": JSON.stringify({ mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal" }),
            "rag-stack:neo4jPassword": "pw-123456",
        };
        beforeAll(async () => {
            await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "rag-stack", "dev", false);
        });
        afterEach(() => renderAsPlatform(undefined));
        const load = (config: Record<string, string>, platform: NodeJS.Platform): { problems: string[]; warnings: string[] } => {
            pulumi.runtime.setAllConfig(config, ["rag-stack:neo4jPassword"]);
            renderAsPlatform(platform);
            const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
            try {
                loadProfile();
                return { problems: [], warnings: warn.mock.calls.map((c) => String(c[0])) };
            } catch (err) {
                if (!(err instanceof ConfigError)) throw err;
                return { problems: err.problems, warnings: [] };
            } finally {
                warn.mockRestore();
            }
        };
        test("a clean dev config on a Mac loads with no warning", () => {
            expect(load(base, "darwin")).toEqual({ problems: [], warnings: [] });
        });
        test("the literal key from `pulumi config set ollama.mode container` is refused, with the value", () => {
            expect(load({ ...base, "rag-stack:ollama.mode": "container" }, "darwin").problems).toEqual([
                'rag-stack:ollama.mode: "container" is not allowed; it is a literal key with a dot, left by `pulumi config set ollama.mode ...` without --path, and nothing reads it. ' +
                    "Run: pulumi config rm ollama.mode && pulumi config set --path ollama.mode container",
            ]);
        });
        test("unknown keys come first, with every other problem at once", () => {
            const config = { ...base, "rag-stack:ollma": "{}", "rag-stack:ollama": JSON.stringify({ mode: "native", model: "bad", accelerator: "metal" }) };
            const { problems } = load(config, "linux");
            expect(problems.map((p) => p.slice(0, p.indexOf(":", 10)))).toEqual(["rag-stack:ollma", "rag-stack:ollama.accelerator", "rag-stack:ollama.model"]);
        });
        test("a key without effect is warned about by name", () => {
            const config = { ...base, "rag-stack:ollama": JSON.stringify({ mode: "container", model: "qwen2.5:7b-instruct-q8_0", accelerator: "cpu", bindAddress: "127.0.0.1" }) };
            expect(load(config, "linux")).toEqual({
                problems: [],
                warnings: ['rag-stack:ollama.bindAddress has no effect with rag-stack:ollama.mode "container" (it sets the native server\'s listen address; a container listens inside its own network); it applies again if you switch back to mode: native'],
            });
        });
        test("metal on Linux is refused in a real run's loadProfile (platform from process.platform unless a render says otherwise)", () => {
            expect(load(base, "linux").problems).toEqual([expect.stringContaining('rag-stack:ollama.accelerator: "metal" is not allowed on this machine (linux)')]);
        });
    });

});

describe("what a new user's first stack file gets wrong", () => {
    const password: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };
    const devRaw = (ollama: Record<string, unknown> = {}, services: Record<string, unknown> = {}): RawConfig => ({
        ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", ...ollama },
        services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" }, ...services },
    });
    const problemsOf = (stack: string, raw: RawConfig, env: NodeJS.ProcessEnv = {}): string[] => {
        try {
            parseProfile(stack, raw, stack === "dev" ? password : TEST_SECRETS, env);
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems;
        }
        return [];
    };
    const installMocks = () => pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "rag-stack", "dev", false);
    /** loadProfile on the config map Pulumi would pass for this `rag-stack:ollama` (as JSON, as the CLI passes it), rendered as on `platform`. */
    const loadProblems = (ollama: Record<string, unknown>, platform: NodeJS.Platform, extra: Record<string, string> = {}): string[] => {
        pulumi.runtime.setAllConfig({ "rag-stack:ollama": JSON.stringify(ollama), "rag-stack:neo4jPassword": "pw-123456", ...extra }, ["rag-stack:neo4jPassword"]);
        renderAsPlatform(platform);
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        try {
            loadProfile();
            return [];
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems;
        } finally {
            warn.mockRestore();
            renderAsPlatform(undefined);
        }
    };

    describe("ollama.keepAlive: what Ollama's OLLAMA_KEEP_ALIVE reads, as the stack file delivers it", () => {
        test.each([
            // YAML `keepAlive: -1` reaches the program as the number -1 (Pulumi keeps an object value as JSON).
            [-1, "-1"], ["-1", "-1"], [-30, "-1"], ["-30", "-1"], [300, "300"], ["300", "300"], [0, "0"], ["+5", "5"],
            ["24h", "24h"], ["1h30m", "1h30m"], ["-5m", "-5m"], [".5h", ".5h"], ["1.5h", "1.5h"], ["+10m", "+10m"], ["300ms", "300ms"],
            ["2\u00b5s", "2\u00b5s"], ["0", "0"],
        ])("%p is accepted as %p", (value, text) => {
            expect(parseKeepAlive(value)).toEqual({ ok: true, text });
            expect(parseProfile("dev", devRaw({ keepAlive: value }), password, {}).ollama.keepAlive).toBe(text);
        });
        test.each([
            [1.5, "1.5 is not allowed; a number of seconds must be whole (Ollama reads 1.5 as neither a duration nor seconds and keeps its default, 5 minutes)"],
            ["1.5", '"1.5" is not allowed; use a duration such as 24h, 30m or 1h30m, a number of seconds, or -1 to keep the model loaded forever (Ollama reads anything else as its default, 5 minutes)'],
            ["5 minutes", '"5 minutes" is not allowed; use a duration such as 24h'],
            ["1d", '"1d" is not allowed; use a duration'],
            ["h", '"h" is not allowed; use a duration'],
            ["1hm", '"1hm" is not allowed; use a duration'],
            ["", '"" is not allowed; use a duration'],
            [true, "true is not allowed; use a duration"],
            [1e12, "1000000000000 is not allowed; it is longer than Ollama can count (about 292 years)"],
            ["3000000h", '"3000000h" is not allowed; use a duration'],
        ])("%p is refused: %s", (value, message) => {
            const problems = problemsOf("dev", devRaw({ keepAlive: value }));
            expect(problems).toHaveLength(1);
            expect(problems[0].startsWith(`rag-stack:ollama.keepAlive: ${message}`)).toBe(true);
        });
        test("through loadProfile: `keepAlive: -1` in the stack file arrives as the number -1 and is kept as -1", async () => {
            await installMocks();
            // What the Pulumi CLI passes for `rag-stack:ollama: {..., keepAlive: -1}`: the mapping as JSON, -1 a JSON number.
            pulumi.runtime.setAllConfig({
                "rag-stack:ollama": '{"mode":"native","model":"qwen2.5:7b-instruct-q8_0","accelerator":"metal","keepAlive":-1}',
                "rag-stack:neo4jPassword": "pw-123456",
            }, ["rag-stack:neo4jPassword"]);
            expect(new pulumi.Config("rag-stack").getObject<{ keepAlive: unknown }>("ollama")?.keepAlive).toBe(-1);
            renderAsPlatform("darwin");
            try {
                expect(loadProfile().ollama.keepAlive).toBe("-1");
            } finally {
                renderAsPlatform(undefined);
            }
        });
        test("the container warm-up's `ollama run --keepalive` gets a Go duration: seconds get their unit", () => {
            expect(["300", "-1", "0", "24h", "-5m"].map(keepAliveAsDuration)).toEqual(["300s", "-1s", "0s", "24h", "-5m"]);
        });
    });

    describe("ollama.modelsDir: a directory of its own, never a system or home directory", () => {
        const home = os.homedir();
        test.each([
            ["/", "it is a system directory holding other things"], ["/etc", "it is inside /etc, which belongs to the operating system"],
            ["/etc/ollama", "it is inside /etc"], ["/usr", "it is a system directory"], ["/usr/local", "it is a system directory"],
            ["/usr/bin/models", "it is inside /usr/bin"], ["/System", "it is inside /System"], ["/System/Library/x", "it is inside /System"],
            ["/Library", "it is a system directory"], ["/bin", "it is inside /bin"], ["/tmp", "it is a system directory"],
            ["/tmp/", "it is a system directory"], ["/private/tmp", "it is a system directory"], ["/var", "it is a system directory"],
            ["/var/lib", "it is a system directory"], ["/opt", "it is a system directory"], ["/Volumes", "it is a system directory"],
            ["/Users", "it is a system directory"], ["/home", "it is a system directory"], ["/Users/ana", "it is a home directory"],
            ["/home/ana/", "it is a home directory"], ["/proc/self", "it is inside /proc"], ["/dev/shm", "it is inside /dev"],
            ["~", "it is your home directory"], ["~/", "it is your home directory"], ["~/Documents", "it is your ~/Documents folder"],
            ["~/Library", "it is your ~/Library folder"], ["~/.ollama", "it is Ollama's own directory (its key and history); its model store is ~/.ollama/models"],
            ["/usr/../etc", "it is inside /etc"],
        ])("%s is refused: %s", (dir, reason) => {
            const problems = problemsOf("dev", devRaw({ modelsDir: dir }));
            expect(problems).toHaveLength(1);
            expect(problems[0].startsWith(`rag-stack:ollama.modelsDir: ${JSON.stringify(dir)} is not allowed; ${reason}`)).toBe(true);
        });
        test("the message says what Ollama does there and what to use instead", () => {
            expect(problemsOf("dev", devRaw({ modelsDir: "/" }))).toEqual([
                'rag-stack:ollama.modelsDir: "/" is not allowed; it is a system directory holding other things, and Ollama keeps blobs/ and manifests/ there ' +
                    "and at every start deletes any file in blobs/ that is not one of its own; use a directory of its own for the models, " +
                    "e.g. ~/.ollama/models (Ollama's default) or a new, empty directory",
            ]);
        });
        test.each(["~/.ollama/models", "~/models/ollama", "/tmp/rag-stack-models", "/usr/share/ollama/.ollama/models", "/Volumes/External/ollama",
            "/opt/ollama/models", "/var/lib/ollama/models", "/srv/models", "/mnt/disk/ollama", "/Users/ana/ollama-models"])("%s is accepted", (dir) => {
            expect(problemsOf("dev", devRaw({ modelsDir: dir }))).toEqual([]);
            expect(modelsDirNameProblem(dir.replace(/^~/, home), home)).toBeUndefined();
        });

        describe("by content, on this machine (loadProfile): an existing directory must be an Ollama store or empty", () => {
            let dir = "";
            beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-models-dir-")); });
            afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
            const make = (name: string, files: Record<string, string>): string => {
                const root = path.join(dir, name);
                for (const [file, text] of Object.entries(files)) {
                    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
                    fs.writeFileSync(path.join(root, file), text);
                }
                fs.mkdirSync(root, { recursive: true });
                return root;
            };
            const blob = `sha256-${"a".repeat(64)}`;
            test("missing, empty, an Ollama store (with a partial download), Finder's litter: accepted", () => {
                expect(modelsDirContentProblem(path.join(dir, "not-yet"), os.homedir())).toBeUndefined();
                expect(modelsDirContentProblem(make("empty", {}), os.homedir())).toBeUndefined();
                expect(modelsDirContentProblem(make("store", { [`blobs/${blob}`]: "x", [`blobs/${blob}-partial-0`]: "x", "manifests/registry.ollama.ai/library/qwen2.5/7b": "{}", ".DS_Store": "" }), os.homedir())).toBeUndefined();
            });
            test("a file, a blobs/ with someone's files, a folder of other things: refused, naming what is there", () => {
                fs.writeFileSync(path.join(dir, "a-file"), "x");
                expect(modelsDirContentProblem(path.join(dir, "a-file"), os.homedir())).toBe("it is a file, not a directory");
                expect(modelsDirContentProblem(make("foreign-blobs", { [`blobs/${blob}`]: "x", "blobs/thesis.pdf": "x", "manifests/x": "{}" }), os.homedir()))
                    .toBe("its blobs/ holds files that are not Ollama blobs (thesis.pdf), and Ollama deletes those at every start");
                expect(modelsDirContentProblem(make("projects", { "a/x": "", "b.txt": "", "c.md": "", "d.ts": "" }), os.homedir()))
                    .toBe("it already holds other things (a, b.txt, c.md, ... (4)) and no Ollama store (blobs/, manifests/)");
            });
            test("a symlink to a system directory is judged by where it leads", () => {
                fs.symlinkSync("/", path.join(dir, "root-link"));
                expect(modelsDirContentProblem(path.join(dir, "root-link"), os.homedir())).toBe("it leads to /: it is a system directory holding other things");
            });
            test("loadProfile refuses it where Ollama runs on this machine, not for a remote engine", async () => {
                await installMocks();
                const store = make("thesis", { "blobs/thesis.pdf": "x" });
                const load = (ollama: Record<string, unknown>, extra: Record<string, string> = {}) => loadProblems(ollama, "darwin", extra);
                const native = { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", modelsDir: store };
                expect(load(native)).toEqual([
                    `rag-stack:ollama.modelsDir: ${JSON.stringify(store)} is not allowed; its blobs/ holds files that are not Ollama blobs (thesis.pdf), ` +
                        "and Ollama deletes those at every start; use a directory of its own for the models, e.g. ~/.ollama/models (Ollama's default) or a new, empty directory",
                ]);
                expect(load({ ...native, mode: "container", accelerator: "cpu" })).toHaveLength(1);
                expect(load({ ...native, mode: "container", accelerator: "cpu" }, { "rag-stack:host": JSON.stringify({ provider: "existing" }), "rag-stack:docker": JSON.stringify({ host: "ssh://me@build-box" }) })).toEqual([]);
            });
        });
    });

    describe("accelerator nvidia where Ollama would run on a Mac", () => {
        beforeAll(installMocks);
        const load = (ollama: Record<string, unknown>, platform: NodeJS.Platform, extra: Record<string, string> = {}) =>
            loadProblems({ model: "qwen2.5:7b-instruct-q8_0", ...ollama }, platform, extra);
        test("native on a Mac: refused with the reason and what to use", () => {
            expect(load({ mode: "native", accelerator: "nvidia" }, "darwin")).toEqual([
                'rag-stack:ollama.accelerator: "nvidia" is not allowed with rag-stack:ollama.mode "native" on a Mac; a Mac has no NVIDIA GPU Ollama can use ' +
                    "(Ollama for macOS uses Metal only, and Docker Desktop's VM passes no GPU to containers), so the GPU check would fail after the model download. " +
                    "Use accelerator: metal with mode: native for the Mac's GPU, or deploy nvidia to a Linux host with an NVIDIA GPU (host.provider digitalocean or existing)",
            ]);
        });
        test("a container of the Mac's own engine: refused; a remote engine or Linux: accepted", () => {
            expect(load({ mode: "container", accelerator: "nvidia" }, "darwin", { "rag-stack:docker": JSON.stringify({ host: "unix:///var/run/docker.sock" }) }))
                .toEqual([expect.stringContaining('rag-stack:ollama.accelerator: "nvidia" is not allowed with rag-stack:ollama.mode "container" on this Mac\'s Docker engine')]);
            expect(load({ mode: "container", accelerator: "nvidia" }, "darwin", { "rag-stack:docker": JSON.stringify({ host: "ssh://me@gpu-box" }) })).toEqual([]);
            expect(load({ mode: "native", accelerator: "nvidia" }, "linux")).toEqual([]);
            expect(nvidiaPlatformProblem("rag-stack", "metal", "darwin", "native")).toBeUndefined();
        });
    });

    describe("services.backend.env: none of the variables the stack sets for the backend itself", () => {
        test.each(RESERVED_BACKEND_VARIABLES.map((name) => [name]))("%s is refused, naming where the stack takes it from", (name) => {
            const problems = problemsOf("dev", devRaw({}, { backend: { image: "rag-backend:dev", env: { LOG_LEVEL: "info", [name]: "mine" } } }));
            expect(problems).toEqual([expect.stringMatching(new RegExp(`^rag-stack:services\\.backend\\.env\\.${name}: .* is not allowed; this variable is wired by the stack itself \\(from .+\\); remove it from services\\.backend\\.env$`))]);
        });
        test("OLLAMA_MODEL names the key it comes from; a password in NEO4J_PASSWORD is not repeated", () => {
            expect(problemsOf("dev", devRaw({}, { backend: { image: "rag-backend:dev", env: { OLLAMA_MODEL: "llama3:8b", NEO4J_PASSWORD: "hunter2-hunter2" } } }))).toEqual([
                'rag-stack:services.backend.env.OLLAMA_MODEL: "llama3:8b" is not allowed; this variable is wired by the stack itself (from rag-stack:ollama.model); remove it from services.backend.env',
                "rag-stack:services.backend.env.NEO4J_PASSWORD: (a password, not shown) is not allowed; this variable is wired by the stack itself (from the secret rag-stack:neo4jPassword); remove it from services.backend.env",
            ]);
        });
        test("the list holds every variable both placements set (the renders check the same list)", () => {
            expect(RESERVED_BACKEND_VARIABLES).toEqual(["OLLAMA_BASE_URL", "OLLAMA_MODEL", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_USERNAME"]);
        });
    });

    describe("accelerator cpu on a paid GPU droplet", () => {
        test("refused on host.provider digitalocean, with the size and its price", () => {
            expect(problemsOf("prod", prodProfileRaw({ ollama: { accelerator: "cpu" } }), { DIGITALOCEAN_TOKEN: "x" })).toEqual([
                'rag-stack:ollama.accelerator: "cpu" is not allowed with rag-stack:host.provider "digitalocean"; the droplet is a GPU droplet ' +
                    "(gpu-4000adax1-20gb, 1x NVIDIA RTX 4000 Ada at $0.76/h) and must pass its GPU check before anything deploys, while Ollama would leave the GPU idle " +
                    "and answer at CPU speed. Use accelerator: nvidia; to stop paying for the GPU, park it (digitalocean.parked: true)",
            ]);
        });
        test("nvidia on the droplet, cpu on a local or an existing engine: accepted", () => {
            expect(problemsOf("prod", prodProfileRaw({}), { DIGITALOCEAN_TOKEN: "x" })).toEqual([]);
            expect(problemsOf("dev", devRaw({ mode: "container", accelerator: "cpu" }))).toEqual([]);
            expect(problemsOf("dev", { ...devRaw({ mode: "container", accelerator: "cpu" }), host: { provider: "existing" }, docker: { host: "ssh://me@box" } })).toEqual([]);
        });
    });
});
