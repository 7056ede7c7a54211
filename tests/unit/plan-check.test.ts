/** `npm run plan -- --check`: the policy pack offline on a rendered stack (one render in this file). */
import { parseArgs } from "../../tools/plan/args";
import { checkExitCode, checkSide, formatCheck, PolicyCheck } from "../../tools/plan/policy-check";

let check: PolicyCheck;

beforeAll(async () => {
    // The seed's binding: native Ollama on every interface.
    check = await checkSide({ stack: "dev", overrides: { "ollama.bindAddress": "0.0.0.0" }, label: "dev+ollama.bindAddress=0.0.0.0" });
});

test("--check is a one-stack command", () => {
    expect(parseArgs(["--stack", "prod", "--check"])).toMatchObject({ kind: "check", side: { stack: "prod" } });
    expect(() => parseArgs(["--diff", "a", "b", "--check"])).toThrow(/--check runs on one stack/);
});

test("the seed's OLLAMA_HOST=0.0.0.0 is reported on dev, advisory, so the exit code stays 0", () => {
    expect(check.enforcement).toBe("advisory");
    expect(check.violations.map((v) => [v.policy, v.name])).toEqual([
        ["ollama-port-not-public", "ollama-native-server"],
        ["data-volumes-protected", "app-neo4j-data"],
    ]);
    expect(checkExitCode(check)).toBe(0);
    const text = formatCheck(check);
    expect(text).toMatch(/^Policy check of dev\+ollama.bindAddress=0.0.0.0 \(offline, policy pack policy\/, advisory for this stack\)/);
    expect(text).toContain("[advisory] ollama-port-not-public (command:local:Command ollama-native-server): ollama-native-server starts Ollama with OLLAMA_HOST=0.0.0.0:11434");
    expect(text.split("\n").pop()).toBe("2 violation(s), 0 mandatory.");
});

test("a mandatory violation makes the exit code 1", () => {
    const mandatory: PolicyCheck = { ...check, enforcement: "mandatory", violations: check.violations.map((v) => ({ ...v, enforcementLevel: "mandatory" })) };
    expect(checkExitCode(mandatory)).toBe(1);
    expect(formatCheck(mandatory)).toMatch(/2 mandatory: pulumi up would stop\.$/);
});
