/**
 * The Neo4j password steps as the prod render registers them (remote commands: `... sh -s` and
 * `... sh -s check`, the script and the password on stdin), run here against a real engine:
 *   - the sync, with no Neo4j container yet (a new droplet), looks into the real bind volume the
 *     stack's Neo4j data volume is on the droplet (driver local, o=bind) with the image's shell, and
 *     tells a new store from one that holds a database (Neo4j 5's databases/system);
 *   - the check, against a running container with the cypher-shell stand-in inside (its state in a
 *     mounted directory), refuses a store that keeps another password and accepts the configured one.
 * Only names are this run's: the container, the volume, the image (the stand-in for the Neo4j image).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";

jest.setTimeout(180_000);

const PASSWORD = "prod-password-1";
const CONTAINER = `rag-stack-e2e-neo4j-${RUN_ID}`;
const VOLUME = `rag-stack-e2e-neo4j-data-${RUN_ID}`;
let rendered: Rendered;
let image: string;
let dir: string;
let store: string;

beforeAll(async () => {
    requireDockerEngine();
    image = await ensureStandinImage();
    rendered = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: PASSWORD, backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" } }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-neo4j-store-"));
    store = path.join(dir, "data");
    fs.mkdirSync(store);
    // As the prod render's app-neo4j-data: a local volume bound to the block volume's directory.
    const bind = rendered.named("app-neo4j-data").inputs as { driver: string; driverOpts: Record<string, string> };
    docker(["volume", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, "--driver", bind.driver,
        ...Object.entries({ ...bind.driverOpts, device: store }).flatMap(([k, v]) => ["--opt", `${k}=${v}`]), VOLUME]);
});

afterAll(() => {
    const problems = removeRunObjects();
    if (problems.length) console.warn(`cleanup: ${problems.join("; ")}`);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a rendered remote command here, its stdin as rendered, with this run's names for the container, volume and image. */
function runRendered(resource: string): { code: number | null; out: string } {
    const c = rendered.named(resource, "command:remote:Command").inputs as { create: string; stdin: string };
    const neo4j = rendered.named("app-neo4j", "docker:index/container:Container").inputs as { image: string; volumes: { volumeName: string }[] };
    const create = c.create
        .replace("NEO4J_CONTAINER='rag-stack-prod-neo4j'", `NEO4J_CONTAINER='${CONTAINER}'`)
        .replace(`NEO4J_VOLUME='${neo4j.volumes[0].volumeName}'`, `NEO4J_VOLUME='${VOLUME}'`)
        .replace(`NEO4J_IMAGE='${neo4j.image}'`, `NEO4J_IMAGE='${image}'`);
    const r = spawnSync("/bin/sh", ["-c", create], {
        input: c.stdin, cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000,
        env: { PATH: process.env.PATH ?? "", HOME: dir, RAG_NEO4J_WAIT_SECONDS: "10" },
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("a new droplet, an empty volume: the sync says the new database takes NEO4J_AUTH's password", () => {
    const r = runRendered("app-neo4j-password");
    expect(r.out).toContain(`no container ${CONTAINER} yet and volume ${VOLUME} holds no database`);
    expect(r.code).toBe(0);
});

test("a new droplet, a volume with a database (a park, a replacement): the sync says NEO4J_AUTH will not change its password", () => {
    // What Neo4j 5 leaves after its first start, owned by its user as on the droplet.
    fs.mkdirSync(path.join(store, "databases", "system"), { recursive: true });
    fs.chownSync(path.join(store, "databases"), 7474, 7474);
    const r = runRendered("app-neo4j-password");
    expect(r.out).toContain(`no container ${CONTAINER} yet, but volume ${VOLUME} holds a database: NEO4J_AUTH does not change its password`);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain(PASSWORD);
});

test("once Neo4j runs: the check refuses a store that keeps another password (exit 7, the way out), accepts the configured one", () => {
    const state = path.join(dir, "cypher-shell");
    fs.mkdirSync(state);
    fs.writeFileSync(path.join(state, "password"), "the-store-password");
    docker(["run", "-d", "--name", CONTAINER, "--label", `${E2E_LABEL}=${RUN_ID}`, "-e", `NEO4J_AUTH=neo4j/${PASSWORD}`,
        "-e", "NEO4J_STANDIN_DIR=/standin", "-v", `${state}:/standin`, "-v", `${VOLUME}:/data`,
        "-v", `${path.join(PROJECT_ROOT, "tests/fixtures/neo4j/cypher-shell")}:/usr/local/bin/cypher-shell:ro`,
        image, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]);
    const refused = runRendered("app-neo4j-password-check");
    expect(refused.code).toBe(7);
    expect(refused.out).toContain(`the database in ${CONTAINER} refuses the configured password of neo4j: The client is unauthorized due to authentication failure.`);
    expect(refused.out).toContain("Its store is not new");
    expect(refused.out).not.toContain(PASSWORD);
    fs.writeFileSync(path.join(state, "password"), PASSWORD);
    fs.rmSync(path.join(state, "failed-logins"), { force: true });
    const accepted = runRendered("app-neo4j-password-check");
    expect(accepted.out).toContain("the database accepts the configured password of neo4j");
    expect(accepted.code).toBe(0);
});
