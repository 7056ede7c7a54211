/**
 * ollama.minVersion: the release the stack is tested with is the default, a value that is not X.Y.Z
 * is refused naming the key, and versions compare numerically per component with a pre-release
 * before its release (components/ollama/version.ts; the scripts' awk twin is checked against the
 * same table in tests/scripts/native-version-compare.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { DEFAULT_OLLAMA_IMAGE } from "../../components/config/ollama";
import { OLLAMA_TESTED_VERSION, parseVersion, versionAtLeast } from "../../components/ollama/version";
import { VERSION_CASES } from "./support/version-cases";

const secrets: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };
const raw = (ollama: Record<string, unknown> = {}): RawConfig => ({
    ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", ...ollama },
    docker: { host: "unix:///var/run/docker.sock" },
    services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" } },
});
function problemsOf(config: RawConfig): string[] {
    try {
        parseProfile("dev", config, secrets, {});
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

test("the default minimum is the release the stack is tested with, the pinned image's", () => {
    expect(OLLAMA_TESTED_VERSION).toBe("0.12.6");
    expect(DEFAULT_OLLAMA_IMAGE).toBe(`ollama/ollama:${OLLAMA_TESTED_VERSION}`);
    expect(parseProfile("dev", raw(), secrets, {}).ollama.minVersion).toBe(OLLAMA_TESTED_VERSION);
    expect(parseProfile("dev", raw({ minVersion: "0.6.7" }), secrets, {}).ollama.minVersion).toBe("0.6.7");
});

test.each(["v0.12.6", "0.12", "0.12.6-rc1", "latest", "0.12.6 ", "01.2.3", "", 12])("minVersion %p is refused, naming the key and what is allowed", (value) => {
    const problems = problemsOf(raw({ minVersion: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rag-stack:ollama\.minVersion: /);
    expect(problems[0]).toContain("use a release number X.Y.Z such as 0.12.6");
});

test.each(VERSION_CASES)("versionAtLeast(%p, %p) is %p", (found, minimum, expected) => {
    expect(versionAtLeast(found, minimum)).toBe(expected === "error" ? undefined : expected === "at-least");
});

test("parseVersion: the numeric core and the pre-release; a build suffix is dropped", () => {
    expect(parseVersion("0.12.6")).toEqual({ core: [0, 12, 6], preRelease: undefined });
    expect(parseVersion("0.12.6-rc1+abc")).toEqual({ core: [0, 12, 6], preRelease: "rc1" });
    expect(parseVersion("ollama version is 0.12.6")).toBeUndefined();
});
