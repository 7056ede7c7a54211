/**
 * The Neo4j graph across `destroy` and `up`, rehearsed in the engine's order on a real Docker engine
 * (support/engine-order.ts computes the steps from two mocks renders of the real dev program,
 * support/rehearsal-engine.ts runs them: the precheck script for real, volumes and containers with
 * `docker`). A marker file in Neo4j's /data stands for the graph.
 *
 *   fixed name:  up, destroy (the volume is kept: retainOnDelete), up again: the same volume, the
 *                marker is there. With the auto-named volume of before, the second up created a new
 *                one (`app-neo4j-data-<7 hex>`) and the graph looked lost.
 *   migration:   a stack deployed before volumes had fixed names (its volume auto-named) is updated
 *                by this program: nothing is replaced (ignoreChanges on `name`), the graph stays. After
 *                a destroy, the next up refuses before Neo4j starts, naming the old volume; with
 *                services.neo4j.volumeName set to it, Neo4j gets its graph back.
 *
 * The deployed-before state is this program's render with the Neo4j volume as the earlier program
 * registered it (no `name`, no ignoreChanges, the precheck without the volume check, which it ran
 * after the volume): the only resources whose registration changed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RenderResult } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { freePort } from "./support/app-stub";
import { docker, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { describeSteps, engineSteps } from "./support/engine-order";
import { RehearsalEngine } from "./support/rehearsal-engine";
import { renderInChild } from "./support/render-child";
import { STANDIN } from "./support/standin-host";

jest.setTimeout(300_000);

const VOLUME = "docker:index/volume:Volume";
const NEO4J_VOLUME_ENV = ["RAG_NEO4J_DATA_VOLUME", "RAG_NEO4J_CONTAINER", "RAG_NEO4J_LEGACY_PREFIX"];
let image: string;
let dir: string;
let overrides: Record<string, unknown>;
const secrets = { neo4jPassword: "e2e-password-1" };

beforeAll(async () => {
    requireDockerEngine();
    image = await ensureStandinImage();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-neo4j-volume-"));
    const [ollamaPort, backendPort, frontendPort, boltPort, httpPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    // The app's containers only; Ollama native (the stand-in as a process), as dev runs it.
    overrides = {
        "ollama.port": ollamaPort, "ollama.binary": STANDIN, "ollama.bindAddress": "auto",
        "ollama.stateDir": path.join(dir, "state"), "ollama.modelsDir": path.join(dir, "models"), "ollama.readyTimeoutSeconds": 20,
        "services.backend.hostPort": backendPort, "services.frontend.hostPort": frontendPort,
        "services.neo4j.boltPort": boltPort, "services.neo4j.httpPort": httpPort,
    };
});

afterAll(() => {
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every string equal to `from` in a value, replaced by `to` (the inputs that took the volume's name output). */
function renamed(value: unknown, from: string, to: string): unknown {
    if (value === from) return to;
    if (Array.isArray(value)) return value.map((v) => renamed(v, from, to));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renamed(v, from, to)]));
    return value;
}

/**
 * The state an earlier program left: the Neo4j volume auto-named (so everything that took its name,
 * the Neo4j container's mount first, had the mocks' name of an unnamed volume, `<resource>-volume`:
 * tools/mock-state.ts), registered before the precheck, which did not check it.
 */
function deployedBeforeFixedNames(render: RenderResult): RenderResult {
    const fixed = (render.resources.find((r) => r.type === VOLUME && r.name === "app-neo4j-data")?.inputs.name) as string;
    const resources = render.resources.map((r) => {
        if (r.type === VOLUME && r.name === "app-neo4j-data") {
            const { name: _fixed, ...inputs } = r.inputs;
            return { ...r, inputs, ignoreChanges: [], deleteBeforeReplace: false };
        }
        if (r.name === "app-host-precheck") {
            const environment = { ...(r.inputs.environment as Record<string, string>) };
            for (const k of NEO4J_VOLUME_ENV) delete environment[k];
            return { ...r, inputs: { ...r.inputs, environment } };
        }
        return { ...r, inputs: renamed(r.inputs, fixed, "app-neo4j-data-volume") as Record<string, unknown> };
    });
    const volume = resources.findIndex((r) => r.type === VOLUME && r.name === "app-neo4j-data");
    const precheck = resources.findIndex((r) => r.name === "app-host-precheck");
    const [moved] = resources.splice(volume, 1);
    resources.splice(precheck, 0, moved);
    return { ...render, resources };
}

interface Run {
    engine: RehearsalEngine;
    log: string[];
    up(to: RenderResult, what: string): Promise<void>;
    neo4j(): string;
    marker(): string;
}

function rehearsal(tag: string): Run {
    const ledgerDir = path.join(dir, `ledger-${tag}`);
    fs.mkdirSync(ledgerDir, { recursive: true, mode: 0o777 });
    const engine = new RehearsalEngine({
        image, suffix: `e2e-${RUN_ID}-${tag}`, ledgerDir,
        baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" },
    });
    const log: string[] = [];
    const run: Run = {
        engine, log,
        async up(to, what) {
            const steps = engineSteps(engine.snapshot(), to);
            log.push(`up: ${what}`, describeSteps(steps));
            await engine.up(steps, (l) => log.push(l), to.invokes);
        },
        neo4j: () => engine.containerName("rag-stack-dev-neo4j") as string,
        marker: () => docker(["exec", run.neo4j(), "cat", "/data/graph-marker"]),
    };
    return run;
}

async function cleanup(run: Run): Promise<void> {
    console.log(run.log.join("\n"));
    const problems = await run.engine.destroy();
    if (problems.length) console.warn(`rehearsal cleanup: ${problems.join("; ")}`);
    for (const v of run.engine.createdVolumes) {
        try { docker(["volume", "rm", "-f", v.name]); } catch { /* removed already */ }
    }
}

test("fixed name: up, destroy, up finds the same volume and the graph in it", async () => {
    const run = rehearsal("fixed");
    try {
        const target = await renderInChild({ stack: "dev", secrets, overrides });
        await run.up(target, "first up");
        docker(["exec", run.neo4j(), "sh", "-c", `echo graph-${RUN_ID} > /data/graph-marker`]);
        const problems = await run.engine.destroy();
        expect(problems).toEqual([]);
        expect(run.log.join("\n")).not.toContain("docker volume rm");
        await run.up(target, "up after destroy");
        expect(run.marker()).toBe(`graph-${RUN_ID}`);
        const volumes = run.engine.createdVolumes.filter((v) => v.resource === "app-neo4j-data").map((v) => v.name);
        expect(volumes).toEqual([`rag-stack-dev-neo4j-data-e2e-${RUN_ID}-fixed`, `rag-stack-dev-neo4j-data-e2e-${RUN_ID}-fixed`]);
        expect(run.engine.stdoutOf("app-host-precheck")).toContain(`precheck: Neo4j's graph is in the existing volume rag-stack-dev-neo4j-data-e2e-${RUN_ID}-fixed`);
    } finally {
        await cleanup(run);
    }
});

test("migration: a stack deployed with the auto-named volume keeps it through up; after destroy, up names it and adopting it brings the graph back", async () => {
    const run = rehearsal("legacy");
    try {
        const current = await renderInChild({ stack: "dev", secrets, overrides });
        const before = deployedBeforeFixedNames(current);
        await run.up(before, "deployed before volumes had fixed names");
        const legacy = run.engine.createdVolumes.find((v) => v.resource === "app-neo4j-data")?.name as string;
        expect(legacy).toMatch(/^app-neo4j-data-[0-9a-f]{7}$/);
        docker(["exec", run.neo4j(), "sh", "-c", `echo graph-${RUN_ID} > /data/graph-marker`]);
        const neo4jId = docker(["inspect", "-f", "{{.Id}}", run.neo4j()]);

        // This program, as the engine sees it against that state: the ignored name keeps the old one.
        const updated = await renderInChild({ stack: "dev", secrets, overrides, previous: before });
        const steps = engineSteps(run.engine.snapshot(), updated);
        // Nothing that took the volume's name changes: not the volume, not Neo4j, not what mounts or names it.
        expect(steps.map((s) => s.resource.name).filter((n) => n.startsWith("app-neo4j"))).toEqual([]);
        await run.up(updated, "this program on that stack");
        expect(docker(["inspect", "-f", "{{.Id}}", run.neo4j()])).toBe(neo4jId);
        expect(run.marker()).toBe(`graph-${RUN_ID}`);
        expect(run.engine.stdoutOf("app-host-precheck")).toContain(`precheck: Neo4j keeps its graph in ${legacy}, named before the stack's volume had a fixed name`);

        expect(await run.engine.destroy()).toEqual([]);
        expect(docker(["volume", "inspect", "-f", "{{.Name}}", legacy])).toBe(legacy);

        // Fresh up after the destroy: refused before the volume and Neo4j, naming the old volume.
        let refused = "";
        await run.up(current, "up after destroy").catch((err: Error) => { refused = err.message; });
        expect(refused).toContain("app-host-precheck");
        expect(refused).toContain(`${legacy} (created `);
        expect(refused).toContain("pulumi config set --path 'services.neo4j.volumeName' <that volume>");
        expect(run.engine.snapshot().resources.some((r) => r.name === "app-neo4j")).toBe(false);
        expect(run.engine.snapshot().resources.some((r) => r.name === "app-neo4j-data")).toBe(false);

        // As the refusal says: adopt it.
        const adopted = await renderInChild({ stack: "dev", secrets, overrides: { ...overrides, "services.neo4j.volumeName": legacy } });
        await run.up(adopted, `services.neo4j.volumeName: ${legacy}`);
        expect(run.marker()).toBe(`graph-${RUN_ID}`);
    } finally {
        await cleanup(run);
    }
});
