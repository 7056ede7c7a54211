/** The policies on the rendered dev stack: advisory, and the one thing dev does differently from prod is reported. */
import { policyContext } from "../../policy/context";
import { checkResources, Violation } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { readStackConfig, renderStack } from "../../tools/render";

let violations: Violation[];

beforeAll(async () => {
    const options = { stack: "dev", secrets: { neo4jPassword: "dev-password-1" } };
    const render = await renderStack(options);
    const context = policyContext("dev", readStackConfig(options).config);
    violations = await checkResources(createPolicies(context), render.resources);
});

test("dev: only the unprotected Neo4j data volume is reported, as advisory", () => {
    expect(violations.map((v) => [v.policy, v.name, v.enforcementLevel])).toEqual([
        ["data-volumes-protected", "app-neo4j-data", "advisory"],
    ]);
});
