/**
 * Adopting the old compose stack's Neo4j volume (services.neo4j.volumeName): the stack creates no
 * volume (so it can never delete one), mounts the named one, and runs the host precheck (ports,
 * volume exists) before any app container. Rendered from the real dev stack file.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile } from "../../components/config";
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER, LOCAL_COMMAND, VOLUME } from "./support/containers";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        overrides: { "services.neo4j.volumeName": "docker_neo4j_data" },
    }));
});

test("no Neo4j volume resource; the container mounts the adopted volume at /data", () => {
    expect(r.maybeNamed("app-neo4j-data", VOLUME)).toBeUndefined();
    expect(r.named("app-neo4j", CONTAINER).inputs.volumes).toEqual([{ volumeName: "docker_neo4j_data", containerPath: "/data" }]);
});

test("the precheck gets the host ports, the stack's own container names and the volume, and comes before every app container", () => {
    const precheck = r.named("app-host-precheck", LOCAL_COMMAND);
    expect(precheck.inputs.create).toBe("sh components/app/scripts/host-precheck.sh");
    expect(precheck.inputs.environment).toMatchObject({
        RAG_HOST_PORTS: "8000 3000 7687 7474",
        RAG_OWN_CONTAINERS: "rag-stack-dev-neo4j rag-stack-dev-backend rag-stack-dev-frontend rag-stack-dev-ollama rag-stack-dev-proxy",
        RAG_NEO4J_VOLUME: "docker_neo4j_data",
    });
    for (const role of ["app-neo4j", "app-backend", "app-frontend"]) {
        expect(r.dependsOn(r.named(role, CONTAINER), precheck)).toBe(true);
    }
});

test("validation: a bad volume name is refused, and adoption with a DigitalOcean host is refused", () => {
    const problems = (services: unknown, host: unknown = undefined): string[] => {
        try {
            parseProfile("dev", { ollama: { mode: "container", model: "qwen2.5:7b-instruct-q8_0", accelerator: "cpu" }, services, host },
                { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } }, {});
            return [];
        } catch (err) {
            return (err as ConfigError).problems;
        }
    };
    expect(problems({ neo4j: { volumeName: "docker_neo4j_data" } })).toEqual([]);
    expect(problems({ neo4j: { volumeName: "bad name" } })[0]).toMatch(/^rag-stack:services\.neo4j\.volumeName: "bad name" is not allowed/);
    expect(problems({ neo4j: { volumeName: "docker_neo4j_data" } }, { provider: "digitalocean" }).join("\n"))
        .toContain('services.neo4j.volumeName: "docker_neo4j_data" is not allowed with rag-stack:host.provider "digitalocean"');
});
