/**
 * The steps a real `pulumi up` takes from one desired state to the next, in the engine's order,
 * computed from two mocks renders of the real program:
 *   - creates, updates and replacements first, in dependency order (the order the program
 *     registered the resources in: a resource can only depend on resources registered before it);
 *   - a replacement deletes the old resource right before creating the new one when it has
 *     `deleteBeforeReplace`, else creates the new one there and deletes the old one at the end;
 *   - resources no longer declared (and replaced ones) are deleted last, in reverse dependency
 *     order; `retainOnDelete` ones are only dropped from the state (pulumi/pulumi#9979).
 * Run sequentially, this is one valid schedule of what the engine runs in parallel.
 *
 * Which changes replace and which update, per type (as the providers decide at our pinned versions):
 *   command:local:Command  a change of `triggers` replaces; any other input change is an update
 *                          (the `update` command, or `create` again when there is none);
 *   docker:*               any input change replaces (the container, network, volume and image
 *                          properties the program sets are ForceNew in kreuzwerker/terraform-provider-docker).
 * `ignoreChanges` properties take their old values before the comparison, as the engine resets them
 * (pulumi/pulumi v3.248.0 pkg/resource/deploy/step_generator.go processIgnoreChanges).
 */
import { RenderedResource, RenderResult } from "../../../tools/render";

export type StepOp = "create" | "update" | "delete" | "drop";

export interface EngineStep {
    op: StepOp;
    /** The resource as the step's side renders it (the old one for delete and drop). */
    resource: RenderedResource;
    /** For update and for the create half of a replacement: the resource as it was. */
    previous?: RenderedResource;
    /** Why, for the log: "new", "replace (delete before create)", "removed", ... */
    reason: string;
}

const isManaged = (r: RenderedResource) => r.custom && !r.type.startsWith("pulumi:providers:");
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The inputs the engine compares: ignored top-level properties reset to the old resource's (or absent). */
function withIgnoredChanges(r: RenderedResource, before: RenderedResource): RenderedResource {
    if (!r.ignoreChanges?.length) return r;
    const inputs = { ...r.inputs };
    for (const key of r.ignoreChanges) {
        if (key in before.inputs) inputs[key] = before.inputs[key];
        else delete inputs[key];
    }
    return { ...r, inputs };
}

/** Whether an input change of this resource replaces it (else it is an update in place). */
export function replacesOnChange(before: RenderedResource, after: RenderedResource): boolean {
    if (after.type === "command:local:Command" || after.type === "command:remote:Command") {
        return !same(before.inputs.triggers, after.inputs.triggers);
    }
    return true;
}

/** The engine's steps from `from` (undefined: an empty stack) to `to`. */
export function engineSteps(from: RenderResult | undefined, to: RenderResult): EngineStep[] {
    const old = new Map((from?.resources ?? []).filter(isManaged).map((r) => [r.urn, r]));
    const steps: EngineStep[] = [];
    const deleteAtEnd: RenderedResource[] = [];
    for (const declaredResource of to.resources.filter(isManaged)) {
        const before = old.get(declaredResource.urn);
        const r = before ? withIgnoredChanges(declaredResource, before) : declaredResource;
        if (!before) {
            steps.push({ op: "create", resource: r, reason: "new" });
        } else if (same(before.inputs, r.inputs)) {
            continue;
        } else if (!replacesOnChange(before, r)) {
            steps.push({ op: "update", resource: r, previous: before, reason: "changed in place" });
        } else if (r.deleteBeforeReplace) {
            steps.push({ op: before.retainOnDelete ? "drop" : "delete", resource: before, reason: "replace (delete before create)" });
            steps.push({ op: "create", resource: r, previous: before, reason: "replace (delete before create)" });
        } else {
            steps.push({ op: "create", resource: r, previous: before, reason: "replace (create before delete)" });
            deleteAtEnd.push(before);
        }
    }
    const declared = new Set(to.resources.map((r) => r.urn));
    const removed = [...old.values()].filter((r) => !declared.has(r.urn));
    const order = (from?.resources ?? []).map((r) => r.urn);
    for (const r of [...removed, ...deleteAtEnd].sort((a, b) => order.indexOf(b.urn) - order.indexOf(a.urn))) {
        steps.push({ op: r.retainOnDelete ? "drop" : "delete", resource: r, reason: declared.has(r.urn) ? "replaced, old one last" : "removed" });
    }
    return steps;
}

/** One line per step, for the test's log. */
export function describeSteps(steps: EngineStep[]): string {
    return steps.map((s, i) => `${String(i + 1).padStart(2)}. ${s.op.padEnd(6)} ${s.resource.name} (${s.resource.type}) ${s.reason}`).join("\n");
}
