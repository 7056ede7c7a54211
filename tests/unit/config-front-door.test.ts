/**
 * The front door's configuration: on by default on DigitalOcean, a DNS name for Let's Encrypt,
 * an ACME e-mail, and basic-auth users whose bcrypt hashes are secrets. Every bad value is refused
 * with the key, the value (never a secret's) and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, Profile, RawConfig, RawSecrets } from "../../components/config";
import { DEFAULT_PROXY_IMAGE } from "../../components/config/services";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";
import { bcryptProblem, isDnsName, isHostName, isIpAddress } from "../../components/proxy/validation";

const HASH = `$2b$12$${"abcdefghijklmnopqrstuv".padEnd(53, "x")}`;
const password = { value: pulumi.output("pw-123456"), isSecret: true };
const backupPassword = TEST_SECRETS.backupPassword;
const tokenEnv = DO_TOKEN_ENV;

function prodRaw(services: Record<string, unknown> = {}, proxy: Record<string, unknown> = {}): RawConfig {
    return prodProfileRaw({ services, proxy });
}

function hashes(value: unknown, isSecret = true): RawSecrets {
    return { neo4jPassword: password, backupPassword, authPasswordHashes: { value, isSecret } };
}

function parse(raw: RawConfig, secrets: RawSecrets = { neo4jPassword: password, backupPassword }): Profile {
    return parseProfile("prod", raw, secrets, tokenEnv);
}

function problemsOf(raw: RawConfig, secrets: RawSecrets = { neo4jPassword: password, backupPassword }): string[] {
    try {
        parse(raw, secrets);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

test("the default Caddy image is the official one, pinned by version and digest", () => {
    expect(DEFAULT_PROXY_IMAGE).toMatch(/^caddy:2\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
});

test("on DigitalOcean the front door is on by default: Let's Encrypt, /api stripped, 80/443, Ollama's origin is the https name", () => {
    const p = parse(prodRaw());
    expect(p.services.proxy).toEqual({
        enabled: true, image: DEFAULT_PROXY_IMAGE, ca: "letsencrypt", acmeEmail: "ops@example.org",
        apiPrefix: "/api", stripApiPrefix: true, httpPort: 80, httpsPort: 443,
    });
    expect(p.ollama.origins).toEqual(["https://rag.example.com"]);
    expect(p.basicAuth).toEqual([]);
});

test("dev keeps its localhost ports: no front door unless asked for", () => {
    const dev = parseProfile("dev", {
        ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal" },
        services: {},
    }, { neo4jPassword: password, backupPassword }, {});
    expect(dev.services.proxy.enabled).toBe(false);
    expect(dev.ollama.origins).toEqual(["http://localhost:3000"]);
});

test.each([
    ["publicHost not a DNS name", { publicHost: "rag_stack!.example" }, {},
        'rag-stack:services.publicHost: "rag_stack!.example" is not allowed; expected a DNS name such as rag.example.com, a host name such as localhost, or an IP address'],
    ["publicHost a URL", { publicHost: "https://rag.example.com" }, {},
        'rag-stack:services.publicHost: "https://rag.example.com" is not allowed; expected a DNS name'],
    ["an IP address as publicHost with Let's Encrypt", { publicHost: "203.0.113.50" }, {},
        'rag-stack:services.publicHost: "203.0.113.50" is not allowed; rag-stack:services.proxy.ca letsencrypt issues certificates for DNS names: point a name (an A record) at the publicIp output'],
    ["an IP address as publicHost with the staging CA", { publicHost: "2001:db8::1" }, { ca: "letsencrypt-staging" },
        'rag-stack:services.publicHost: "2001:db8::1" is not allowed; rag-stack:services.proxy.ca letsencrypt-staging issues certificates for DNS names'],
    ["localhost with Let's Encrypt", { publicHost: "localhost" }, {},
        'rag-stack:services.publicHost: "localhost" is not allowed; rag-stack:services.proxy.ca letsencrypt issues certificates for DNS names'],
    ["no ACME e-mail", {}, { acmeEmail: undefined },
        "rag-stack:services.proxy.acmeEmail: (unset) is not allowed; set the e-mail address of the Let's Encrypt account"],
    ["a malformed ACME e-mail", {}, { acmeEmail: "ops at example" },
        'rag-stack:services.proxy.acmeEmail: "ops at example" is not allowed; expected an e-mail address'],
    ["an unknown CA", {}, { ca: "zerossl" },
        'rag-stack:services.proxy.ca: "zerossl" is not allowed; use one of: letsencrypt, letsencrypt-staging, internal'],
    ["an API prefix with a trailing slash", {}, { apiPrefix: "/api/" },
        'rag-stack:services.proxy.apiPrefix: "/api/" is not allowed; expected a path prefix such as /api'],
    ["Let's Encrypt on another HTTPS port", {}, { httpsPort: 8443 },
        "rag-stack:services.proxy.httpsPort: 8443 is not allowed; Let's Encrypt validates on port 443"],
    ["an unpinned proxy image in prod", {}, { image: "caddy:latest" },
        'rag-stack:services.proxy.image: "caddy:latest" is not pinned'],
    ["the backend publishing its own port behind the door", { backend: { image: "rag-backend:1.0.0", hostPort: 8000 } }, {},
        "rag-stack:services.backend.hostPort: 8000 is not allowed; the backend publishes no port while rag-stack:services.proxy is enabled"],
    ["an unstripped prefix with a health path outside it", {}, { stripApiPrefix: false },
        'rag-stack:services.backend.healthPath: "/health" is not allowed; with rag-stack:services.proxy.stripApiPrefix false the backend is only reached under /api/'],
    ["a typo in a proxy key", {}, { acmeMail: "x@y.z" }, "rag-stack:services.proxy.acmeMail is not a known setting"],
])("%s is refused", (_label, services, proxy, message) => {
    const problems = problemsOf(prodRaw(services, proxy));
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(message)).toBe(true);
});

test("an IP address or localhost is fine with Caddy's internal CA (no e-mail needed, any ports)", () => {
    expect(problemsOf(prodRaw({ publicHost: "203.0.113.50" }, { ca: "internal", acmeEmail: undefined, httpsPort: 8443 }))).toEqual([]);
    expect(problemsOf(prodRaw({ publicHost: "localhost" }, { ca: "internal" }))).toEqual([]);
});

describe("basic auth", () => {
    const withUsers = (users: unknown) => prodRaw({ auth: { users } });

    test("each user's bcrypt hash becomes a secret", async () => {
        const p = parse(withUsers(["alice"]), hashes({ alice: HASH }));
        expect(p.basicAuth.map((u) => u.name)).toEqual(["alice"]);
        expect(await pulumi.isSecret(p.basicAuth[0].passwordHash)).toBe(true);
        // As `pulumi config set --secret authPasswordHashes '{"alice": ...}'` stores it: JSON text.
        expect(parse(withUsers(["alice"]), hashes(JSON.stringify({ alice: HASH }))).basicAuth).toHaveLength(1);
    });

    test("a user without a hash is refused, with the command that sets one", () => {
        expect(problemsOf(withUsers(["alice", "bob"]), hashes({ alice: HASH }))).toEqual([
            `rag-stack:authPasswordHashes.bob is missing; user "bob" of rag-stack:services.auth.users needs a bcrypt hash: pulumi config set --secret --path 'authPasswordHashes.bob' "$(caddy hash-password)"`,
        ]);
        expect(problemsOf(withUsers(["alice"]))[0]).toMatch(/^rag-stack:authPasswordHashes is missing; services.auth.users needs a bcrypt hash per user/);
    });

    test("a plain-text password is refused, and never printed", () => {
        const problems = problemsOf(withUsers(["alice"]), hashes({ alice: "correct horse battery staple" }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^rag-stack:authPasswordHashes\.alice: \(a secret, not shown\) is not allowed; it is not a bcrypt hash \(a 28-character value that does not start with \$2a\$, \$2b\$ or \$2y\$/);
        expect(problems[0]).toContain("a plain-text password is never accepted");
        expect(problems[0]).not.toContain("horse");
    });

    test("a weak cost, a hash for an unknown user, hashes in plain text, duplicates and auth without the door are refused", () => {
        expect(problemsOf(withUsers(["alice"]), hashes({ alice: HASH.replace("$12$", "$04$") }))[0])
            .toMatch(/^rag-stack:authPasswordHashes\.alice: \(a secret, not shown\) is not allowed; its cost is 4; use a cost from 10 to 31/);
        expect(problemsOf(withUsers(["alice"]), hashes({ alice: HASH, mallory: HASH }))).toEqual([
            "rag-stack:authPasswordHashes.mallory: a hash for a user not in rag-stack:services.auth.users (alice); add the user there or remove the hash",
        ]);
        expect(problemsOf(withUsers(["alice"]), hashes({ alice: HASH }, false))[0])
            .toMatch(/^rag-stack:authPasswordHashes is stored in plain text in the stack file/);
        expect(problemsOf(withUsers(["alice", "alice"]), hashes({ alice: HASH }))).toEqual([
            'rag-stack:services.auth.users: "alice" is not allowed; each user name once',
        ]);
        expect(problemsOf(withUsers(["al:ice"]), hashes({}))[0]).toMatch(/^rag-stack:services.auth.users: "al:ice" is not allowed; each user name is 1-64 letters/);
        const noDoor = prodRaw({ auth: { users: ["alice"] } }, { enabled: false });
        expect(problemsOf(noDoor, hashes({ alice: HASH }))).toContain(
            'rag-stack:services.auth.users: ["alice"] is not allowed; basic auth is enforced by the front door; enable rag-stack:services.proxy or remove the users');
    });
});

test("the pure checks", () => {
    for (const ok of ["rag.example.com", "a.b", "xn--bcher-kva.example", "rag-1.example.co.uk"]) expect(isDnsName(ok)).toBe(true);
    for (const bad of ["localhost", "rag..example.com", "-rag.example.com", "rag.example.com.", "203.0.113.5", "a_b.example", `${"a".repeat(64)}.com`]) {
        expect(isDnsName(bad)).toBe(false);
    }
    for (const ip of ["203.0.113.5", "2001:db8::1", "[2001:db8::1]"]) expect(isIpAddress(ip)).toBe(true);
    for (const host of ["localhost", "gpu-box", "rag.example.com"]) expect(isHostName(host)).toBe(true);
    for (const bad of ["", "gpu_box", "203.0.113.5", "a..b"]) expect(isHostName(bad)).toBe(false);
    expect(isIpAddress("rag.example.com")).toBe(false);
    expect(bcryptProblem(HASH)).toBeUndefined();
    expect(bcryptProblem(HASH.replace("$2b$", "$2y$"))).toBeUndefined();
    expect(bcryptProblem(HASH.replace("$2b$", "$2x$"))).toMatch(/not a bcrypt hash/);
    expect(bcryptProblem(HASH.slice(0, -1))).toMatch(/not a bcrypt hash/);
    expect(bcryptProblem(42)).toBe("it is empty or not a string");
});
