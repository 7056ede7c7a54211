/**
 * Resource-level diff of two plan documents (desired state A, desired state B): what `pulumi up`
 * would add, remove and change when the stack moves from A to B, if A were what is deployed.
 *
 * Resources match by id (URN without stack), so two stacks compare too. Inputs are compared path
 * by path; lists of `NAME=value` strings (container envs) are compared by NAME, so a change reads
 * `envs.OLLAMA_BASE_URL`. Secrets are already masked in both documents.
 *
 * `--diff --json` prints a PlanDiff:
 * ```jsonc
 * {
 *   "format": "rag-stack.plan-diff/v1",
 *   "before": "dev+ollama.mode=container", "after": "dev",
 *   "added":   [{ "id", "type", "name", "group", "component", "protect", "retainOnDelete" }],
 *   "removed": [ ...same shape ],
 *   "changed": [{ ...same shape, "changedInputs": ["envs", "hosts"],
 *                 "changes": [{ "path": "envs.OLLAMA_BASE_URL", "before": "...", "after": "..." }],
 *                 "dependencies": { "added": [ids], "removed": [ids] },
 *                 "options": [{ "path": "protect", "before": false, "after": true }] }],
 *   "unchanged": [ ...same shape as added ],
 *   "outputs": [{ "path": "ollamaPlacement", "before": "container", "after": "native" }],
 *   "summary": { "added": 2, "removed": 5, "changed": 1, "unchanged": 10 }
 * }
 * ```
 * A missing `before`/`after` means the value is not set on that side. `group` is the top-level
 * component the resource belongs to (`ollama`, `app`, `host`), or `stack` for top-level resources.
 */
import { PlanDocument, PlanResource } from "./document";
import { isPlainObject, Json, joinPath } from "./paths";

export const PLAN_DIFF_FORMAT = "rag-stack.plan-diff/v1";

export interface ValueChange {
    path: string;
    before?: Json;
    after?: Json;
}

export interface ResourceRef {
    id: string;
    type: string;
    name: string;
    group: string;
    component: boolean;
    protect: boolean;
    retainOnDelete: boolean;
}

export interface ResourceChange extends ResourceRef {
    /** Top-level input keys that differ. */
    changedInputs: string[];
    changes: ValueChange[];
    dependencies: { added: string[]; removed: string[] };
    /** Resource options that differ (protect, retainOnDelete, deleteBeforeReplace, provider). */
    options: ValueChange[];
}

export interface PlanDiff {
    format: typeof PLAN_DIFF_FORMAT;
    before: string;
    after: string;
    added: ResourceRef[];
    removed: ResourceRef[];
    changed: ResourceChange[];
    unchanged: ResourceRef[];
    outputs: ValueChange[];
    summary: { added: number; removed: number; changed: number; unchanged: number };
}

const ENV_ENTRY = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** A list of distinct `NAME=value` strings, keyed by NAME; undefined for any other list. */
function asEnvMap(list: Json[]): Map<string, string> | undefined {
    const map = new Map<string, string>();
    for (const item of list) {
        if (typeof item !== "string") return undefined;
        const m = ENV_ENTRY.exec(item);
        if (!m || map.has(m[1])) return undefined;
        map.set(m[1], item.slice(m[0].length));
    }
    return map;
}

function same(a: Json | undefined, b: Json | undefined): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

function change(path: string, before: Json | undefined, after: Json | undefined): ValueChange {
    const c: ValueChange = { path };
    if (before !== undefined) c.before = before;
    if (after !== undefined) c.after = after;
    return c;
}

/** Path-level differences between two JSON values; `undefined` means absent. */
export function diffValues(before: Json | undefined, after: Json | undefined, at = ""): ValueChange[] {
    if (same(before, after)) return [];
    if (isPlainObject(before) && isPlainObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => diffValues(before[k], after[k], joinPath(at, k)));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const envBefore = asEnvMap(before);
        const envAfter = asEnvMap(after);
        if (envBefore && envAfter && (envBefore.size > 0 || envAfter.size > 0)) {
            const names = [...new Set([...envBefore.keys(), ...envAfter.keys()])];
            return names.flatMap((n) => diffValues(envBefore.get(n), envAfter.get(n), joinPath(at, n)));
        }
        const length = Math.max(before.length, after.length);
        const out: ValueChange[] = [];
        for (let i = 0; i < length; i++) out.push(...diffValues(before[i], after[i], joinPath(at, i)));
        return out;
    }
    return [change(at, before, after)];
}

/** The top-level component a resource belongs to, by name (`stack` when it has no parent). */
function groupOf(resource: PlanResource, byId: Map<string, PlanResource>): string {
    let current = resource;
    for (let parent = byId.get(current.parent ?? ""); parent; parent = byId.get(current.parent ?? "")) {
        current = parent;
    }
    return current === resource && !resource.component ? "stack" : current.name;
}

function ref(resource: PlanResource, byId: Map<string, PlanResource>): ResourceRef {
    return {
        id: resource.id,
        type: resource.type,
        name: resource.name,
        group: groupOf(resource, byId),
        component: resource.component,
        protect: resource.protect,
        retainOnDelete: resource.retainOnDelete,
    };
}

const OPTIONS = ["protect", "retainOnDelete", "deleteBeforeReplace", "provider"] as const;

export function diffPlans(before: PlanDocument, after: PlanDocument, labels: { before: string; after: string }): PlanDiff {
    const beforeById = new Map(before.resources.map((r) => [r.id, r]));
    const afterById = new Map(after.resources.map((r) => [r.id, r]));
    const added = after.resources.filter((r) => !beforeById.has(r.id)).map((r) => ref(r, afterById));
    const removed = before.resources.filter((r) => !afterById.has(r.id)).map((r) => ref(r, beforeById));
    const changed: ResourceChange[] = [];
    const unchanged: ResourceRef[] = [];
    for (const b of after.resources) {
        const a = beforeById.get(b.id);
        if (!a) continue;
        const changes = diffValues(a.inputs, b.inputs);
        const dependencies = {
            added: b.dependencies.filter((d) => !a.dependencies.includes(d)),
            removed: a.dependencies.filter((d) => !b.dependencies.includes(d)),
        };
        const options = OPTIONS.flatMap((o) => (same(a[o], b[o]) ? [] : [change(o, a[o], b[o])]));
        if (changes.length === 0 && dependencies.added.length === 0 && dependencies.removed.length === 0 && options.length === 0) {
            unchanged.push(ref(b, afterById));
            continue;
        }
        const changedInputs = [...new Set(changes.map((c) => c.path.split(".")[0]))].sort();
        changed.push({ ...ref(b, afterById), changedInputs, changes, dependencies, options });
    }
    return {
        format: PLAN_DIFF_FORMAT,
        before: labels.before,
        after: labels.after,
        added,
        removed,
        changed,
        unchanged,
        outputs: diffValues(before.outputs, after.outputs),
        summary: { added: added.length, removed: removed.length, changed: changed.length, unchanged: unchanged.length },
    };
}
