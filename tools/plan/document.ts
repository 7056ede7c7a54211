/**
 * The plan document: a stack's desired state as `npm run plan -- --json` prints it. Stable (sorted
 * keys and resources, no stack name inside ids) so tests and CI can diff it.
 *
 * ```jsonc
 * {
 *   "format": "rag-stack.plan/v1",
 *   "stack": "dev",                        // stack file rendered
 *   "overrides": { "ollama.mode": "container" },   // --set / stack+key=value overrides
 *   "resources": [{                        // sorted by id
 *     "id": "rag-stack:app:Services$docker:index/container:Container::app-backend",
 *                                          // the URN without `urn:pulumi:<stack>::<project>::`
 *     "type": "docker:index/container:Container",
 *     "name": "app-backend",
 *     "parent": "rag-stack:app:Services::app",   // id, or null at the top
 *     "component": false,                  // true for component resources (no provider behind)
 *     "inputs": { ... },                   // resolved inputs, secrets masked as "[secret]"
 *     "secretInputs": ["envs.4"],          // paths masked in `inputs`
 *     "dependencies": ["..."],             // ids, sorted: explicit dependsOn and input dependencies
 *     "provider": "rag-stack:hosts:ExistingDockerHost$pulumi:providers:docker::host-docker",  // id or null
 *     "protect": false, "retainOnDelete": false, "deleteBeforeReplace": true
 *   }],
 *   "outputs": { ... },                    // stack outputs, secrets masked
 *   "secretOutputs": ["neo4jPassword"],
 *   "inventedValues": ["203.0.113.50", "host-vpc-id", ...]   // ids, addresses, digests only the mocks invent
 * }
 * ```
 */
import { RenderResult } from "../render";
import { maskInputs, maskOutputs } from "./mask";
import { Json, toJson } from "./paths";

export const PLAN_FORMAT = "rag-stack.plan/v1";

export interface PlanResource {
    id: string;
    type: string;
    name: string;
    parent: string | null;
    component: boolean;
    inputs: { [key: string]: Json };
    secretInputs: string[];
    dependencies: string[];
    provider: string | null;
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
}

export interface PlanDocument {
    format: typeof PLAN_FORMAT;
    stack: string;
    overrides: { [key: string]: Json };
    resources: PlanResource[];
    outputs: { [key: string]: Json };
    secretOutputs: string[];
    /** Values the mocks invented (tools/mock-state.ts): a real deployment has others. Absent in older documents. */
    inventedValues?: string[];
}

const URN_PREFIX = /^urn:pulumi:[^:]*::[^:]*::/;

/** A URN without its stack and project, so the same resource matches across stacks. */
export function resourceId(urn: string): string {
    return urn.replace(URN_PREFIX, "");
}

/** A provider reference (`<urn>::<id>`) as the provider's resource id. */
export function providerId(reference: string): string {
    const urnEnd = reference.lastIndexOf("::");
    return resourceId(urnEnd > 0 ? reference.slice(0, urnEnd) : reference);
}

function sortedUnique(values: string[]): string[] {
    return [...new Set(values)].sort();
}

/** Turns a render into the plan document, masking secrets. */
export function toPlanDocument(
    render: RenderResult,
    overrides: Record<string, unknown>,
    knownSecrets: readonly string[],
): PlanDocument {
    const resources = render.resources.map((r): PlanResource => {
        const masked = maskInputs(r.inputs, r.secretPaths, knownSecrets);
        return {
            id: resourceId(r.urn),
            type: r.type,
            name: r.name,
            parent: r.parent ? resourceId(r.parent) : null,
            component: !r.custom,
            inputs: toJson(masked.value) as { [key: string]: Json },
            secretInputs: masked.maskedPaths,
            dependencies: sortedUnique(r.dependencies.map(resourceId)),
            provider: r.provider ? providerId(r.provider) : null,
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            deleteBeforeReplace: r.deleteBeforeReplace,
        };
    });
    const ids = resources.map((r) => r.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) throw new Error(`two resources share the id ${duplicate}; the plan cannot tell them apart`);
    const outputs = maskOutputs(render.outputs, render.secretOutputs, knownSecrets);
    return {
        format: PLAN_FORMAT,
        stack: render.stack,
        overrides: toJson(overrides) as { [key: string]: Json },
        resources: resources.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        outputs: toJson(outputs.value) as { [key: string]: Json },
        secretOutputs: sortedUnique(outputs.maskedPaths),
        inventedValues: sortedUnique(render.invented ?? []),
    };
}
