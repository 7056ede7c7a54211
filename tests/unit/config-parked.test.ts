/**
 * `digitalocean.parked`: a boolean, false unless set; refused where there is nothing to park.
 */
import { ConfigError, parseProfile, RawConfig } from "../../components/config";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";

const secrets = TEST_SECRETS;
const tokenEnv = DO_TOKEN_ENV;

function raw(digitalocean: Record<string, unknown>, host: Record<string, unknown> = { provider: "digitalocean" }, docker?: unknown): RawConfig {
    return prodProfileRaw({ digitalocean, host, docker });
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
