/**
 * `digitalocean.parked`: a boolean, false unless set; refused where there is nothing to park.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, RawConfig, RawSecrets } from "../../components/config";

const secrets: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };
const tokenEnv = { DIGITALOCEAN_TOKEN: "dop_v1_env" };
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2fHw6ZSe1pPsc9iNhOE7PZQRmLk5VLwZa8ePuKJ8e replace-me";
const SERVICES = {
    publishAddress: "0.0.0.0",
    publicHost: "rag.example.com",
    proxy: { acmeEmail: "ops@example.org" },
    backend: { image: "rag-backend:1.0.0" },
    frontend: { image: "rag-frontend:1.0.0" },
    neo4j: { image: "neo4j:5.26.2-community" },
};
const OLLAMA = { mode: "container", model: "qwen2.5:7b-instruct-q8_0", accelerator: "nvidia", image: "ollama/ollama:0.12.6" };

function raw(digitalocean: Record<string, unknown>, host: Record<string, unknown> = { provider: "digitalocean" }, docker?: unknown): RawConfig {
    return {
        host, docker, ollama: OLLAMA, services: SERVICES,
        digitalocean: { region: "tor1", size: "gpu-4000adax1-20gb", sshPublicKey: PUBLIC_KEY, adminCidrs: ["203.0.113.7/32"], ...digitalocean },
    };
}

function problemsOf(config: RawConfig): string[] {
    try {
        parseProfile("prod", config, secrets, tokenEnv);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

test("parked defaults to false and takes true or false (as YAML or as the string `pulumi config set` may store)", () => {
    expect(parseProfile("prod", raw({}), secrets, tokenEnv).digitalocean?.parked).toBe(false);
    expect(parseProfile("prod", raw({ parked: true }), secrets, tokenEnv).digitalocean?.parked).toBe(true);
    expect(parseProfile("prod", raw({ parked: "false" }), secrets, tokenEnv).digitalocean?.parked).toBe(false);
    expect(parseProfile("prod", raw({ parked: "true" }), secrets, tokenEnv).digitalocean?.parked).toBe(true);
});

test.each([["yes"], [1], [["true"]], [{ until: "monday" }]])("parked %j is refused: the key, the value and what is allowed", (value) => {
    expect(problemsOf(raw({ parked: value }))).toEqual([`rag-stack:digitalocean.parked: ${JSON.stringify(value)} is not allowed; expected true or false`]);
});

test("parked: true with host.provider existing: nothing to park, said once, with what to do", () => {
    const problems = problemsOf(raw({ parked: true }, { provider: "existing" }, { host: "ssh://root@gpu.example.internal" }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^rag-stack:digitalocean\.parked: true is not allowed with rag-stack:host\.provider "existing"; there is nothing to park/);
    expect(problems[0]).toContain("host.provider: digitalocean");
});

test("parked: true on the local engine is refused the same way; parked: false there is the usual stray-section problem", () => {
    expect(problemsOf(raw({ parked: "true" }, { provider: "local" }))[0]).toMatch(/digitalocean\.parked: true is not allowed with rag-stack:host\.provider "local"/);
    expect(problemsOf(raw({ parked: false }, { provider: "local" }))).toEqual([
        'rag-stack:digitalocean is set but rag-stack:host.provider is "local"; set host.provider: digitalocean or remove it',
    ]);
});
