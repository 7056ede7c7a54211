/**
 * The real dev stack, rendered with DOCKER_HOST set: the provider and the outputs follow it and
 * say why (before, Pulumi.dev.yaml pinned unix:///var/run/docker.sock whatever the machine had).
 */
import { Rendered, renderStack } from "../../tools/render";

const COLIMA = "unix:///tmp/rag-stack-test-colima/docker.sock";
let r: Rendered;
const saved = process.env.DOCKER_HOST;

beforeAll(async () => {
    process.env.DOCKER_HOST = COLIMA;
    r = new Rendered(await renderStack({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" } }));
});
afterAll(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
});

test("the Docker provider, the outputs and the reason follow DOCKER_HOST", () => {
    expect(r.named("host-docker", "pulumi:providers:docker").inputs.host).toBe(COLIMA);
    expect(r.result.outputs.dockerHost).toBe(COLIMA);
    expect(r.result.outputs.dockerHostReason).toBe(`DOCKER_HOST is set to ${COLIMA}`);
});
