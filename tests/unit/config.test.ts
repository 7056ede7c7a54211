/**
 * Profile validation: every bad value is refused with a message naming the key, the value and
 * what is allowed; all problems are reported at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { isPinnedImage } from "../../components/images";

const password: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };

function devRaw(ollama: Record<string, unknown> = {}): RawConfig {
    return {
        ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", ...ollama },
        docker: { host: "unix:///var/run/docker.sock" },
        services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" } },
    };
}

function problemsOf(stack: string, raw: RawConfig, secrets: RawSecrets = password): string[] {
    try {
        parseProfile(stack, raw, secrets, {});
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

test("a valid dev profile parses with defaults filled in", () => {
    const p = parseProfile("dev", devRaw(), password, {});
    expect(p.ollama).toMatchObject({ mode: "native", port: 11434, keepAlive: "24h", bindAddress: "auto", origins: ["http://localhost:3000"] });
    expect(p.services.backend).toMatchObject({ image: "rag-backend:dev", port: 8000, hostPort: 8000, healthPath: "/health" });
    expect(p.host).toMatchObject({ provider: "local", dockerHost: "unix:///var/run/docker.sock" });
    expect(p.production).toBe(false);
});

test.each([
    ["unknown mode", { mode: "docker" }, 'rag-stack:ollama.mode: "docker" is not allowed; use one of: native, container'],
    ["bad model tag (no tag)", { model: "qwen2.5" }, 'rag-stack:ollama.model: "qwen2.5" is not allowed; use name:tag'],
    ["bad model tag (empty tag)", { model: "qwen2.5:" }, 'rag-stack:ollama.model: "qwen2.5:" is not allowed'],
    ["bad model tag (spaces, capitals)", { model: "Qwen 2.5:7b" }, 'rag-stack:ollama.model: "Qwen 2.5:7b" is not allowed'],
    ["port out of range", { port: 70000 }, "rag-stack:ollama.port: 70000 is not allowed; expected an integer from 1 to 65535"],
    ["port zero", { port: 0 }, "rag-stack:ollama.port: 0 is not allowed; expected an integer from 1 to 65535"],
    ["unknown accelerator", { accelerator: "cuda" }, 'rag-stack:ollama.accelerator: "cuda" is not allowed; use one of: metal, nvidia, cpu'],
    ["keepAlive not a duration", { keepAlive: "one day" }, 'rag-stack:ollama.keepAlive: "one day" is not allowed; use a duration'],
    ["origins *", { origins: ["*"] }, 'rag-stack:ollama.origins: "*" is not allowed; a wildcard lets any web page drive your Ollama'],
    ["typo in a key", { acelerator: "metal" }, "rag-stack:ollama.acelerator is not a known setting"],
])("%s", (_label, ollama, message) => {
    const problems = problemsOf("dev", devRaw(ollama));
    expect(problems.some((p) => p.startsWith(message))).toBe(true);
});

test("accelerator metal with mode container is refused: Docker on a Mac cannot reach Metal (the seed's trap)", () => {
    const problems = problemsOf("dev", devRaw({ mode: "container" }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('rag-stack:ollama.accelerator: "metal" is not allowed with rag-stack:ollama.mode "container"');
    expect(problems[0]).toContain("cannot reach the Metal GPU");
    expect(problems[0]).toContain("Use mode: native");
});

test.each(["native", "container"])("a quantized KV cache without flash attention is refused (%s)", (mode) => {
    const problems = problemsOf("dev", devRaw({ mode, accelerator: mode === "native" ? "metal" : "cpu", kvCacheType: "q8_0", flashAttention: false }));
    expect(problems).toEqual(['rag-stack:ollama.kvCacheType: "q8_0" needs flash attention; set rag-stack:ollama.flashAttention: true']);
    expect(problemsOf("dev", devRaw({ kvCacheType: "q8_0", flashAttention: true }))).toEqual([]);
});

test("a container on the CPU is allowed when said so explicitly", () => {
    expect(problemsOf("dev", devRaw({ mode: "container", accelerator: "cpu" }))).toEqual([]);
});

test("missing Neo4j password names the command that sets it", () => {
    const problems = problemsOf("dev", devRaw(), {});
    expect(problems).toEqual([
        "rag-stack:neo4jPassword is missing; run: pulumi config set --secret neo4jPassword <password> (at least 8 characters)",
    ]);
});

test("a Neo4j password stored in plain text is refused", () => {
    const problems = problemsOf("dev", devRaw(), { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: false } });
    expect(problems).toEqual([
        "rag-stack:neo4jPassword is stored in plain text in the stack file; run: pulumi config set --secret neo4jPassword <value>",
    ]);
});

test("the password is a secret in the profile", async () => {
    const p = parseProfile("dev", devRaw(), password, {});
    expect(await pulumi.isSecret(p.neo4jPassword)).toBe(true);
});

test("unpinned images are refused in prod, each named", () => {
    const raw: RawConfig = {
        host: { provider: "existing" },
        docker: { host: "ssh://root@gpu.example.internal" },
        ollama: { mode: "container", model: "qwen2.5:7b-instruct-q8_0", accelerator: "nvidia", image: "ollama/ollama:latest" },
        services: {
            backend: { image: "registry.example.com/rag-backend" },
            frontend: { image: "rag-frontend:1.0.0" },
            neo4j: { image: "neo4j" },
        },
    };
    const problems = problemsOf("prod", raw);
    expect(problems).toEqual([
        'rag-stack:ollama.image: "ollama/ollama:latest" is not pinned; production stacks need an explicit version tag or @sha256 digest (not :latest)',
        'rag-stack:services.backend.image: "registry.example.com/rag-backend" is not pinned; production stacks need an explicit version tag or @sha256 digest (not :latest)',
        'rag-stack:services.neo4j.image: "neo4j" is not pinned; production stacks need an explicit version tag or @sha256 digest (not :latest)',
    ]);
    // The same images are accepted in a dev stack.
    expect(problemsOf("dev", { ...raw, ollama: { ...(raw.ollama as object) } })).toEqual([]);
});

test("native Ollama on a remote Docker host is refused", () => {
    const problems = problemsOf("dev", {
        ...devRaw({ accelerator: "nvidia" }),
        host: { provider: "existing" },
        docker: { host: "ssh://root@gpu.example.internal" },
    });
    expect(problems).toEqual([
        expect.stringContaining('rag-stack:ollama.mode: "native" is not allowed with rag-stack:host.provider "existing"'),
    ]);
});

test("every problem is reported at once, not one per run", () => {
    const problems = problemsOf("dev", devRaw({ mode: "vm", port: -1, accelerator: "tpu", model: "x" }), {});
    expect(problems).toHaveLength(5);
});

test("the backend's wired variables cannot be overridden through services.backend.env", () => {
    const raw = devRaw();
    (raw.services as Record<string, Record<string, unknown>>).backend.env = { OLLAMA_BASE_URL: "http://elsewhere:1" };
    expect(problemsOf("dev", raw)).toEqual([
        expect.stringContaining('rag-stack:services.backend.env.OLLAMA_BASE_URL: "http://elsewhere:1" is not allowed'),
    ]);
});

test.each([
    ["ollama/ollama:0.12.6", true],
    ["neo4j:5.26-community", true],
    ["registry.example.com:5000/rag/backend:1.2.3", true],
    ["registry.example.com:5000/rag/backend", false],
    [`ollama/ollama@sha256:${"a".repeat(64)}`, true],
    ["ollama/ollama:latest", false],
    ["ollama/ollama", false],
    // A malformed digest or reference is never pinned (it used to count: the text after the last ':' looked like a tag).
    ["ollama/ollama@sha256:abc", false],
    ["ollama/ollama:0.12.6@sha256:short", false],
    [`ollama/ollama@sha256:${"A".repeat(64)}`, false],
    [`ollama/ollama@md5:${"a".repeat(32)}`, false],
    ["Ollama/Ollama:0.12.6", false],
    [`ollama/ollama:0.12.6@sha256:${"a".repeat(64)}`, true],
    [`sha256:${"b".repeat(64)}`, true],
])("isPinnedImage(%s) is %s", (ref, pinned) => {
    expect(isPinnedImage(ref)).toBe(pinned);
});

test("a malformed ollama.origins is one problem: the default it falls back to (derived from publicHost) is not judged as if written", () => {
    const raw = { ...devRaw({ origins: "x" }), services: { publicHost: "bad host!" } };
    expect(problemsOf("dev", raw)).toEqual([
        'rag-stack:services.publicHost: "bad host!" is not allowed; expected a DNS name such as rag.example.com, a host name such as localhost, or an IP address',
        'rag-stack:ollama.origins: "x" is not allowed; expected a list of non-empty strings',
    ]);
});
