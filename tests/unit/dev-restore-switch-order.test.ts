/**
 * dev, the switch `npm run restore` makes after restoring into a new volume
 * (`services.neo4j.volumeName: <restored>`, then `up`), in the engine's order
 * (tests/e2e/support/engine-order.ts) from two renders of the real Pulumi.dev.yaml: Neo4j is
 * replaced onto the restored volume (the old container stopped first: its name is fixed), the
 * precheck proves the restored volume exists before that, and the volume the graph was in is only
 * dropped from the state, never deleted. Going back (volumeName set to the old volume) is the same
 * shape. Each render runs in its own process (Pulumi's runtime is global to one).
 */
import { RenderOptions, renderStackInChildProcess, RenderResult } from "../../tools/render";
import { describeSteps, EngineStep, engineSteps } from "../e2e/support/engine-order";

const base: RenderOptions = { stack: "dev", secrets: { neo4jPassword: "dev-password-1" } };
const RESTORED = "rag-stack-dev-neo4j-data-restored-20261204-201509";
const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

let managed: RenderResult;
let restored: RenderResult;
let back: RenderResult;

beforeAll(() => {
    managed = renderStackInChildProcess(base);
    restored = renderStackInChildProcess({ ...base, overrides: { "services.neo4j.volumeName": RESTORED } });
    back = renderStackInChildProcess({ ...base, overrides: { "services.neo4j.volumeName": "rag-stack-dev-neo4j-data" } });
}, 90_000);

const at = (steps: EngineStep[], op: string, name: string, type?: string) =>
    steps.findIndex((s) => s.op === op && s.resource.name === name && (!type || s.resource.type === type));

test("switch to the restored volume: precheck, then Neo4j replaced onto it (delete first), the old volume dropped, not deleted", () => {
    const steps = engineSteps(managed, restored);
    const log = describeSteps(steps);
    const precheck = at(steps, "update", "app-host-precheck");
    const deleteOld = at(steps, "delete", "app-neo4j", CONTAINER);
    const createNew = at(steps, "create", "app-neo4j", CONTAINER);
    expect([log, precheck >= 0, deleteOld >= 0, createNew >= 0]).toEqual([log, true, true, true]);
    expect(precheck).toBeLessThan(deleteOld);
    expect(deleteOld).toBeLessThan(createNew);
    expect(steps[createNew].resource.inputs.volumes).toEqual([expect.objectContaining({ volumeName: RESTORED, containerPath: "/data" })]);
    expect((steps[precheck].resource.inputs.environment as Record<string, string>).RAG_NEO4J_VOLUME).toBe(RESTORED);
    // The volume the graph was in stays on the engine: only the state forgets it (retainOnDelete).
    expect(steps.filter((s) => s.resource.type === VOLUME).map((s) => [s.op, s.resource.name])).toEqual([["drop", "app-neo4j-data"]]);
});

test("going back: the old volume by name, Neo4j replaced onto it; the restored volume, adopted, is never deleted either", () => {
    const steps = engineSteps(restored, back);
    const createNew = at(steps, "create", "app-neo4j", CONTAINER);
    expect(steps[createNew].resource.inputs.volumes).toEqual([expect.objectContaining({ volumeName: "rag-stack-dev-neo4j-data" })]);
    expect(steps.some((s) => s.resource.type === VOLUME && s.op === "delete")).toBe(false);
});
