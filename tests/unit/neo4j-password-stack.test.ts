/**
 * The password change is wired where the engine's order makes it work: before the Neo4j container
 * (replaced when NEO4J_AUTH changes) and so before the backend; re-run by a password change (its
 * environment or stdin), not by a container replacement; the password only in secret inputs.
 */
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER, LOCAL_COMMAND } from "./support/containers";

let dev: Rendered;
beforeAll(async () => {
    dev = new Rendered(await renderStack({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" } }));
});

test("dev: a local command with the password in a secret environment; Neo4j and the backend come after it", () => {
    const sync = dev.named("app-neo4j-password", LOCAL_COMMAND);
    expect(sync.inputs.create).toBe("sh components/app/scripts/neo4j-password.sh");
    expect(sync.inputs.environment).toMatchObject({
        NEO4J_CONTAINER: "rag-stack-dev-neo4j", NEO4J_USER: "neo4j", NEO4J_NEW_PASSWORD: "dev-password-1",
        DOCKER_HOST: dev.result.outputs.dockerHost,
    });
    expect(sync.secretPaths.some((p) => p === "environment" || p === "environment.NEO4J_NEW_PASSWORD")).toBe(true);
    expect(dev.dependsOn(dev.named("app-neo4j", CONTAINER), sync)).toBe(true);
    expect(dev.dependsOn(dev.named("app-backend", CONTAINER), sync)).toBe(true);
    // Only the script's hash: a Neo4j container replaced for another reason does not re-run it.
    expect(sync.inputs.triggers).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]);
});
