/** Policy neo4j-backed-up on the rendered prod stack: backups off is a mandatory violation unless disabledOnPurpose. */
import { policyContext } from "../../policy/context";
import { checkResources } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { NEO4J_BACKED_UP } from "../../policy/rules/neo4j-backed-up";
import { readStackConfig, renderStack, RenderedResource } from "../../tools/render";

const secrets = { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "do-token-placeholder" };
let resources: RenderedResource[];

beforeAll(async () => {
    resources = (await renderStack({ stack: "prod", secrets, overrides: { "backup.enabled": false } })).resources;
});

async function backupViolations(overrides: Record<string, unknown>) {
    const context = policyContext("prod", readStackConfig({ stack: "prod", secrets, overrides }).config);
    return (await checkResources(createPolicies(context), resources)).filter((v) => v.policy === NEO4J_BACKED_UP);
}

test("prod with backup.enabled: false is refused on the Neo4j container, mandatory, naming the opt-out key", async () => {
    const violations = await backupViolations({ "backup.enabled": false });
    expect(violations.map((v) => [v.enforcementLevel, v.name])).toEqual([["mandatory", "app-neo4j"]]);
    expect(violations[0].message).toMatch(/runs Neo4j on a production stack without backups \(rag-stack:backup\.enabled is false\).*rag-stack:backup\.disabledOnPurpose: true/);
});

test("prod with backup.disabledOnPurpose: true is accepted; prod by default (on) too", async () => {
    expect(await backupViolations({ "backup.enabled": false, "backup.disabledOnPurpose": true })).toEqual([]);
    expect(await backupViolations({})).toEqual([]);
});

test("a dev stack is not production: nothing to report", async () => {
    const context = policyContext("dev", {});
    expect((await checkResources(createPolicies(context), resources)).filter((v) => v.policy === NEO4J_BACKED_UP)).toEqual([]);
});
