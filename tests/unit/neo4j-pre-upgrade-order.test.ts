/**
 * prod, a Neo4j upgrade in the engine's order (tests/e2e/support/engine-order.ts): the real
 * Pulumi.prod.yaml rendered with one Neo4j image, then another; the steps of the `up` between them.
 * The backup before the upgrade (components/backup/pre-upgrade.ts) is created (replaced: its
 * trigger is the image id) before the old Neo4j container is deleted and the new one created, and
 * the Neo4j container's dependency on it is what makes the engine wait for it. With
 * backup.beforeNeo4jUpgrade: false the upgrade goes straight to the container.
 * Each render runs in its own process (Pulumi's runtime is global to one).
 */
import { RenderOptions, renderStackInChildProcess, RenderResult } from "../../tools/render";
import { describeSteps, EngineStep, engineSteps } from "../e2e/support/engine-order";

const base: RenderOptions = {
    stack: "prod",
    secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "do-token" },
};
const OLD = "neo4j:5.26.2-community";
const NEW = "neo4j:5.26.9-community";
const STEP = "app-neo4j-pre-upgrade-backup";
const NEO4J = "app-neo4j";
const CONTAINER = "docker:index/container:Container";

let a: RenderResult;
let b: RenderResult;

beforeAll(() => {
    a = renderStackInChildProcess({ ...base, overrides: { "services.neo4j.image": OLD } });
    b = renderStackInChildProcess({ ...base, overrides: { "services.neo4j.image": NEW } });
}, 60_000);

const at = (steps: EngineStep[], op: string, name: string, type?: string) =>
    steps.findIndex((s) => s.op === op && s.resource.name === name && (!type || s.resource.type === type));

test("the image changes: the backup's create runs before the old Neo4j container is deleted and before the new one is created", () => {
    const steps = engineSteps(a, b);
    const log = describeSteps(steps);
    const backup = at(steps, "create", STEP);
    const deleteOld = at(steps, "delete", NEO4J, CONTAINER);
    const createNew = at(steps, "create", NEO4J, CONTAINER);
    expect([log, backup >= 0, deleteOld >= 0, createNew >= 0]).toEqual([log, true, true, true]);
    expect(steps[backup].reason).toBe("replace (create before delete)");
    expect(steps[deleteOld].reason).toBe("replace (delete before create)");
    expect(backup).toBeLessThan(deleteOld);
    expect(deleteOld).toBeLessThan(createNew);
    // The step gets the new image's id; the old step goes at the end and runs nothing (no delete command).
    expect(steps[backup].resource.inputs.triggers).toEqual([NEW]);
    expect(String(steps[backup].resource.inputs.create)).toContain(`NEO4J_NEW_IMAGE='${NEW}'`);
    const oldStep = steps.filter((s) => s.op === "delete" && s.resource.name === STEP);
    expect(oldStep.map((s) => [s.reason, s.resource.inputs.delete])).toEqual([["replaced, old one last", undefined]]);
    // The order is the engine's because the container depends on the step: it is registered only after the step's create finished.
    const container = b.resources.find((r) => r.name === NEO4J && r.type === CONTAINER);
    const stepUrn = b.resources.find((r) => r.name === STEP)?.urn;
    expect(container?.dependencies).toContain(stepUrn);
});

test("nothing else changes: the same image again is no step at all (the backup does not run at every up)", () => {
    expect(engineSteps(b, b).filter((s) => s.resource.name === STEP)).toEqual([]);
    // The first up of a stack creates it before the first Neo4j container (the script then says there is none yet).
    const first = engineSteps(undefined, a);
    expect(at(first, "create", STEP)).toBeLessThan(at(first, "create", NEO4J, CONTAINER));
});

test("backup.beforeNeo4jUpgrade: false: no backup step, the old container deleted and the new one created straight away", () => {
    const off = renderStackInChildProcess({ ...base, overrides: { "services.neo4j.image": NEW, "backup.beforeNeo4jUpgrade": false } });
    expect(off.resources.find((r) => r.name === STEP)).toBeUndefined();
    const steps = engineSteps(a, off);
    expect(at(steps, "create", STEP)).toBe(-1);
    expect(at(steps, "delete", STEP)).toBeGreaterThan(at(steps, "create", NEO4J, CONTAINER));
}, 60_000);
