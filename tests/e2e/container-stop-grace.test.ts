/**
 * The rendered containers' own stop timeout on a real engine. The provider's delete grace
 * (destroyGraceSeconds) never runs on a park or a replaced droplet (`deletedWith` skips the
 * delete): whoever stops the container then is `docker stop` without -t, a restart or dockerd's
 * shutdown, and they wait the container's StopTimeout. Each container is created as the provider
 * creates it: Config.StopTimeout from `stopTimeout`, only when set (kreuzwerker/terraform-provider-
 * docker v4.5.0 resourceDockerContainerCreate). The stand-in traps SIGTERM and needs 15 s to shut
 * down cleanly: longer than Docker's default of 10 s, shorter than Neo4j's 60 s.
 */
import { Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { CONTAINER_TYPE } from "./support/rendered-containers";

jest.setTimeout(180_000);

const SHUTDOWN_SECONDS = 15;
let rendered: Rendered;
let image: string;

beforeAll(async () => {
    requireDockerEngine();
    image = await ensureStandinImage();
    rendered = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" } }));
});

afterAll(() => {
    const problems = removeRunObjects();
    if (problems.length) console.warn(`cleanup: ${problems.join("; ")}`);
});

/** `docker run -d` of the stand-in with the rendered container's stop timeout, as the provider creates it. */
function runWithRenderedStopTimeout(name: string, resource: string): string {
    const stopTimeout = rendered.named(resource, CONTAINER_TYPE).inputs.stopTimeout as number | undefined;
    const script = `trap 'sleep ${SHUTDOWN_SECONDS}; echo closed cleanly; exit 0' TERM; while :; do sleep 1; done`;
    docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`,
        ...(stopTimeout ? ["--stop-timeout", String(stopTimeout)] : []), image, "sh", "-c", script]);
    return name;
}

test("Neo4j: `docker stop` without -t waits for its 60 s grace, so a store that takes 15 s to close is not killed", () => {
    const name = runWithRenderedStopTimeout(`rag-stack-e2e-stop-neo4j-${RUN_ID}`, "app-neo4j");
    const started = Date.now();
    docker(["stop", name], 90_000);
    const seconds = (Date.now() - started) / 1000;
    expect(docker(["inspect", "-f", "{{.State.ExitCode}}", name])).toBe("0"); // 137 when killed
    expect(docker(["logs", name])).toContain("closed cleanly");
    expect(seconds).toBeGreaterThanOrEqual(SHUTDOWN_SECONDS - 1);
    expect(seconds).toBeLessThan(60);
    expect(docker(["inspect", "-f", "{{.Config.StopTimeout}}", name])).toBe("60");
});

test("the backend: Docker's 10 s, written out; a process that has not stopped by then is killed", () => {
    const name = runWithRenderedStopTimeout(`rag-stack-e2e-stop-backend-${RUN_ID}`, "app-backend");
    expect(docker(["inspect", "-f", "{{.Config.StopTimeout}}", name])).toBe("10");
    const started = Date.now();
    docker(["stop", name], 60_000);
    const seconds = (Date.now() - started) / 1000;
    expect(docker(["inspect", "-f", "{{.State.ExitCode}}", name])).toBe("137");
    expect(seconds).toBeGreaterThanOrEqual(9);
    expect(seconds).toBeLessThan(SHUTDOWN_SECONDS);
});
