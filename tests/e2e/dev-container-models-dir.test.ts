/**
 * The dev container placement on a machine that has no model store directory yet (a Mac that never
 * ran native Ollama has no ~/.ollama/models): the stack binds ollama.modelsDir into the Ollama
 * container through a local bind volume, and Docker cannot mount a missing directory. Rehearsed in
 * the engine's order on a real Docker engine (support/rehearsal-engine.ts), from an empty stack.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { freePort } from "./support/app-stub";
import { docker, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { describeSteps, engineSteps } from "./support/engine-order";
import { RehearsalEngine } from "./support/rehearsal-engine";
import { renderInChild } from "./support/render-child";

jest.setTimeout(240_000);

let dir: string;

beforeAll(() => {
    requireDockerEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-models-dir-"));
});

afterAll(() => {
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("first up of the container placement with a model directory that does not exist: created before Docker binds it, the model lands in it", async () => {
    const image = await ensureStandinImage();
    const models = path.join(dir, "home", ".ollama", "models");
    const ledgerDir = path.join(dir, "ledger");
    fs.mkdirSync(ledgerDir, { mode: 0o777 });
    const [backendPort, frontendPort, boltPort, httpPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const target = await renderInChild({
        stack: "dev", secrets: { neo4jPassword: "e2e-password-1" },
        overrides: {
            "ollama.mode": "container", "ollama.accelerator": "cpu", "ollama.modelsDir": models,
            "services.backend.hostPort": backendPort, "services.frontend.hostPort": frontendPort,
            "services.neo4j.boltPort": boltPort, "services.neo4j.httpPort": httpPort,
        },
    });
    expect(fs.existsSync(models)).toBe(false);
    const engine = new RehearsalEngine({
        image, suffix: `e2e-${RUN_ID}-models`, ledgerDir,
        baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" },
    });
    const log: string[] = [];
    try {
        const steps = engineSteps(undefined, target);
        log.push(describeSteps(steps));
        const names = steps.map((s) => s.resource.name);
        expect(names.indexOf("ollama-container-models-dir")).toBeGreaterThanOrEqual(0);
        expect(names.indexOf("ollama-container-models-dir")).toBeLessThan(names.indexOf("ollama-container-models"));
        await engine.up(steps, (l) => log.push(l), target.invokes);
        expect(fs.statSync(models).isDirectory()).toBe(true);
        // The model was pulled into the container's store, which is that directory.
        expect(fs.existsSync(path.join(models, "manifests", "registry.ollama.ai", "library", "qwen2.5", "7b-instruct-q8_0"))).toBe(true);
    } finally {
        console.log(log.join("\n"));
        const problems = await engine.destroy();
        if (problems.length) console.warn(`rehearsal cleanup: ${problems.join("; ")}`);
        for (const v of engine.createdVolumes) {
            try { docker(["volume", "rm", "-f", v.name]); } catch { /* removed already */ }
        }
    }
});
