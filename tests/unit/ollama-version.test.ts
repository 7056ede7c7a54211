/**
 * ollama.minVersion: the release the stack is tested with is the default, and a value that is not
 * X.Y.Z is refused naming the key. The comparison is the scripts' (native-lib.sh), tested under
 * every awk in tests/scripts/native-version-compare.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { DEFAULT_OLLAMA_IMAGE } from "../../components/config/ollama";
import { OLLAMA_TESTED_VERSION } from "../../components/ollama/version";

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
