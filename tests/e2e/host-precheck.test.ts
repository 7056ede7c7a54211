/**
 * First `up` next to the old compose stack: host-precheck.sh run as a real process against the
 * real Docker engine, with containers this test creates (labelled, removed after) publishing the
 * ports the stack needs, and volumes it creates. No image is pulled: the stand-in image.
 */
import { execFileSync } from "child_process";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { docker, E2E_LABEL, removeRunObjects, RUN_ID } from "./support/docker-cli";
import { freePort, runCommand } from "../scripts/support/native";

const SCRIPT = "sh components/app/scripts/host-precheck.sh";
const hasDocker = (() => {
    try { execFileSync("docker", ["version"], { stdio: "ignore", timeout: 20_000 }); return true; } catch { return false; }
})();
const OWN = "rag-stack-dev-neo4j rag-stack-dev-backend rag-stack-dev-frontend rag-stack-dev-ollama";
let image: string;
let composePort: number;
let loopbackPort: number;
let freeHostPort: number;
const volume = `rag-stack-precheck-${RUN_ID}`;
const composeName = `docker-backend-1-${RUN_ID}`;
const env = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", RAG_OWN_CONTAINERS: OWN });

(hasDocker ? describe : describe.skip)("host precheck on the real engine", () => {
    beforeAll(async () => {
        image = await ensureStandinImage();
        [composePort, loopbackPort, freeHostPort] = [await freePort(), await freePort(), await freePort()];
        // An "old compose" backend on all interfaces, and one of our own containers on loopback.
        docker(["run", "-d", "--name", composeName, "--label", `${E2E_LABEL}=${RUN_ID}`, "-p", `${composePort}:8000`, image, "sleep", "300"]);
        docker(["run", "-d", "--name", `rag-stack-dev-neo4j-${RUN_ID}`, "--label", `${E2E_LABEL}=${RUN_ID}`, "-p", `127.0.0.1:${loopbackPort}:7687`, image, "sleep", "300"]);
        docker(["volume", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, volume]);
    }, 240_000);

    afterAll(() => {
        removeRunObjects();
        try { docker(["volume", "rm", volume]); } catch { /* already gone */ }
    });

    test("a port published by another container fails up, naming the container and how to stop it keeping volumes", async () => {
        const r = await runCommand(SCRIPT, { ...env(), RAG_HOST_PORTS: `${freeHostPort} ${composePort}` }, 30_000);
        expect(r.code).toBe(8);
        expect(r.stderr).toContain(`host port ${composePort} is already published by container ${composeName}`);
        expect(r.stderr).not.toContain(`host port ${freeHostPort}`);
        expect(r.stderr).toContain("never -v");
    });

    test("the stack's own containers may hold their ports (they are replaced in place)", async () => {
        const own = `rag-stack-dev-neo4j-${RUN_ID}`;
        const r = await runCommand(SCRIPT, { ...env(), RAG_OWN_CONTAINERS: `${OWN} ${own}`, RAG_HOST_PORTS: `${loopbackPort} ${freeHostPort}` }, 30_000);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        // ...but the same container under another name is someone else's.
        const other = await runCommand(SCRIPT, { ...env(), RAG_HOST_PORTS: `${loopbackPort}` }, 30_000);
        expect(other.code).toBe(8);
        expect(other.stderr).toContain(`host port ${loopbackPort} is already published by container ${own}`);
    });

    test("an adopted volume must exist; an existing one is announced", async () => {
        const ok = await runCommand(SCRIPT, { ...env(), RAG_HOST_PORTS: `${freeHostPort}`, RAG_NEO4J_VOLUME: volume }, 30_000);
        expect(ok.code).toBe(0);
        expect(ok.stdout).toContain(`adopting the existing volume ${volume}`);
        const missing = await runCommand(SCRIPT, { ...env(), RAG_HOST_PORTS: `${freeHostPort}`, RAG_NEO4J_VOLUME: `${volume}-typo` }, 30_000);
        expect(missing.code).toBe(8);
        expect(missing.stderr).toContain(`volumeName is ${volume}-typo, but there is no such volume`);
        expect(docker(["volume", "ls", "-q", "--filter", `name=${volume}-typo`])).toBe("");
    });
});
