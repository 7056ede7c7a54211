/**
 * Dotted paths into plain JSON values (`envs.4`, `ports.0.ip`, `build.context`): the notation the
 * render uses for `secretPaths` and the plan uses for changed inputs.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function splitPath(path: string): string[] {
    return path === "" ? [] : path.split(".");
}

export function joinPath(parent: string, key: string | number): string {
    return parent === "" ? String(key) : `${parent}.${key}`;
}

/** The value at `path`, or undefined when any step is missing. */
export function getAt(root: unknown, path: string): unknown {
    let node: unknown = root;
    for (const part of splitPath(path)) {
        if (Array.isArray(node)) node = node[Number(part)];
        else if (node !== null && typeof node === "object") node = (node as Record<string, unknown>)[part];
        else return undefined;
    }
    return node;
}

/** Replaces the value at `path` in place; a missing path is left alone. */
export function setAt(root: unknown, path: string, value: unknown): void {
    const parts = splitPath(path);
    if (parts.length === 0) return;
    const parent = getAt(root, parts.slice(0, -1).join("."));
    const last = parts[parts.length - 1];
    if (Array.isArray(parent)) {
        const index = Number(last);
        if (index >= 0 && index < parent.length) parent[index] = value;
    } else if (parent !== null && typeof parent === "object" && last in (parent as object)) {
        (parent as Record<string, unknown>)[last] = value;
    }
}

/** A deep copy that keeps only JSON data (drops undefined, functions; sorts nothing). */
export function toJson(value: unknown): Json {
    if (value === null || value === undefined) return null;
    if (typeof value === "string" || typeof value === "boolean") return value;
    if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
    if (Array.isArray(value)) return value.map(toJson);
    if (typeof value === "object") {
        const out: { [key: string]: Json } = {};
        for (const key of Object.keys(value as object).sort()) {
            const v = (value as Record<string, unknown>)[key];
            if (v !== undefined && typeof v !== "function") out[key] = toJson(v);
        }
        return out;
    }
    return String(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}
