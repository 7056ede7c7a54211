/**
 * The password change is wired where the engine's order makes it work: before the Neo4j container
 * (replaced when NEO4J_AUTH changes) and so before the backend; re-run by a password change (its
 * environment or stdin), not by a container replacement; the password only in secret inputs. The
 * password check comes after Neo4j and before the backend, again for every new container.
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
    // With no container yet it looks into the volume with the Neo4j image's own shell.
    const neo4j = dev.named("app-neo4j", CONTAINER).inputs as { image: string; volumes: { volumeName: string }[] };
    expect(sync.inputs.environment).toMatchObject({ NEO4J_VOLUME: neo4j.volumes[0].volumeName, NEO4J_IMAGE: neo4j.image });
});

test("dev: the password check runs `check` after Neo4j, before the backend, again for a new container; the password secret", () => {
    const check = dev.named("app-neo4j-password-check", LOCAL_COMMAND);
    expect(check.inputs.create).toBe("sh components/app/scripts/neo4j-password.sh check");
    expect(check.inputs.environment).toMatchObject({ NEO4J_CONTAINER: "rag-stack-dev-neo4j", NEO4J_USER: "neo4j", NEO4J_NEW_PASSWORD: "dev-password-1" });
    expect(check.secretPaths.some((p) => p === "environment" || p === "environment.NEO4J_NEW_PASSWORD")).toBe(true);
    expect(dev.dependsOn(check, dev.named("app-neo4j", CONTAINER))).toBe(true);
    expect(dev.dependsOn(dev.named("app-backend", CONTAINER), check)).toBe(true);
    expect(check.inputs.triggers).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/), "app-neo4j-id"]);
});
