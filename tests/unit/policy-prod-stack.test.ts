/** The policies on the rendered prod stack: mandatory, and prod passes clean. */
import { policyContext } from "../../policy/context";
import { checkResources, formatViolations, Violation } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { readStackConfig, renderStack } from "../../tools/render";

let violations: Violation[];
let resourceTypes: string[];
let enforcement: string;

beforeAll(async () => {
    const options = { stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "do-token-placeholder" } };
    const render = await renderStack(options);
    resourceTypes = render.resources.map((r) => r.type);
    const context = policyContext("prod", readStackConfig(options).config);
    enforcement = context.enforcement;
    violations = await checkResources(createPolicies(context), render.resources);
});

test("prod: every policy is mandatory and none is violated; the only note is the advisory on the open front door", () => {
    expect(enforcement).toBe("mandatory");
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    expect(formatViolations(mandatory)).toBe("");
    // Pulumi.prod.yaml sets no services.auth users: the pack says the app is open to anyone.
    expect(violations.map((v) => [v.policy, v.enforcementLevel, v.name])).toEqual([["front-door-open-to-anyone", "advisory", "proxy-container"]]);
});

test("prod renders what the policies are about (so a clean pass means something)", () => {
    expect(resourceTypes).toContain("docker:index/container:Container");
    expect(resourceTypes).toContain("docker:index/remoteImage:RemoteImage");
    expect(resourceTypes).toContain("docker:index/volume:Volume");
    expect(resourceTypes).toContain("digitalocean:index/firewall:Firewall");
    expect(resourceTypes).toContain("digitalocean:index/volume:Volume");
});
