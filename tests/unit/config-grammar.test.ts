/**
 * Values with a grammar of their own: image references (distribution/reference), OLLAMA_ORIGINS
 * entries and environment variable names. Each refused case names the key, the value and what is
 * allowed; the policy pack's origin rule agrees with the validation.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { parseImageReference } from "../../components/validation/image-reference";
import { isWildcardOrigin, originProblem } from "../../components/validation/origins";

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
