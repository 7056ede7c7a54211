/**
 * The engine's order the switch rehearsal executes (tests/e2e/support/engine-order.ts): creates,
 * updates and replacements in dependency order, delete-before-replace honoured, removed and
 * replaced resources deleted last in reverse order, retained ones only dropped.
 */
import { RenderedResource, RenderResult } from "../../tools/render";
import { engineSteps } from "../e2e/support/engine-order";

function res(name: string, type: string, inputs: Record<string, unknown>, opts: Partial<RenderedResource> = {}): RenderedResource {
    return { type, name, urn: `urn:${type}::${name}`, custom: true, inputs, secretPaths: [], dependencies: [], protect: false,
        deleteBeforeReplace: false, replaceOnChanges: [], retainOnDelete: false, replaceWith: [], ...opts };
}
const render = (...resources: RenderedResource[]): RenderResult => ({ stack: "dev", resources, outputs: {}, secretOutputs: [], invented: [] });
const C = "docker:index/container:Container";
const CMD = "command:local:Command";
const V = "docker:index/volume:Volume";

const before = render(
    res("net", "docker:index/network:Network", { name: "n" }),
    res("server", CMD, { create: "start", environment: { A: "1" } }),
    res("store", V, { name: "s" }, { retainOnDelete: true }),
    res("backend", C, { envs: ["URL=host"] }, { deleteBeforeReplace: true }),
    res("sidecar", C, { envs: ["X=1"] }),
);
const after = render(
    res("net", "docker:index/network:Network", { name: "n" }),
    res("ollama", C, { name: "o" }, { deleteBeforeReplace: true }),
    res("backend", C, { envs: ["URL=ollama"] }, { deleteBeforeReplace: true }),
    res("sidecar", C, { envs: ["X=2"] }),
);

test("a switch: new placement first, the backend replaced delete-before-create, the old placement deleted last, retained store dropped", () => {
    expect(engineSteps(before, after).map((s) => `${s.op} ${s.resource.name}`)).toEqual([
        "create ollama",
        "delete backend", "create backend",
        "create sidecar",
        // end of the update, reverse dependency order of the old state
        "delete sidecar", "drop store", "delete server",
    ]);
});

test("a command changes in place unless its triggers change; an empty stack creates everything in order", () => {
    const a = render(res("gpu", CMD, { create: "check", triggers: ["1"], environment: { A: "1" } }));
    const envOnly = render(res("gpu", CMD, { create: "check", triggers: ["1"], environment: { A: "2" } }));
    const trigger = render(res("gpu", CMD, { create: "check", triggers: ["2"], environment: { A: "1" } }));
    expect(engineSteps(a, envOnly).map((s) => s.op)).toEqual(["update"]);
    expect(engineSteps(a, trigger).map((s) => s.op)).toEqual(["create", "delete"]);
    expect(engineSteps(undefined, before).map((s) => `${s.op} ${s.resource.name}`)).toEqual(
        ["create net", "create server", "create store", "create backend", "create sidecar"]);
    expect(engineSteps(before, before)).toEqual([]);
});

test("ignoreChanges: an ignored property's change is no change (the engine keeps the old value), a real change still replaces", () => {
    const volume = (inputs: Record<string, unknown>) => res("data", V, inputs, { retainOnDelete: true, deleteBeforeReplace: true, ignoreChanges: ["name"] });
    // A stack deployed with an auto-named volume (no name in its inputs), now rendered with a fixed name.
    expect(engineSteps(render(res("data", V, {}, { retainOnDelete: true })), render(volume({ name: "fixed" })))).toEqual([]);
    expect(engineSteps(render(res("data", V, { name: "old" })), render(volume({ name: "fixed", driver: "local" })))
        .map((s) => `${s.op} ${s.resource.name} ${JSON.stringify(s.resource.inputs)}`)).toEqual([
        'delete data {"name":"old"}', 'create data {"name":"old","driver":"local"}',
    ]);
});
