/** The text report of a PlanDiff, grouped by top-level component, with a one-line summary. */
import { PlanDiff, ResourceChange, ResourceRef } from "./diff";
import { showValue } from "./format";

export const DESIRED_STATE_NOTE =
    "This compares two desired states rendered offline (real program and stack files, Pulumi mocks, placeholder secrets).\n" +
    "It does not look at what is deployed: `pulumi preview --stack <stack> --diff` compares with the deployed state.";

function label(r: ResourceRef): string {
    return `${r.name}  (${r.type})`;
}

function removalNote(r: ResourceRef): string {
    if (r.protect) return "  [protected: pulumi up will refuse to delete it until it is unprotected]";
    if (r.retainOnDelete) return "  [retainOnDelete: dropped from the stack, left in place]";
    return "";
}

function changeLines(c: ResourceChange, nameOf: (id: string) => string): string[] {
    const lines = c.changes.map((v) => `      ${v.path}: ${showValue(v.before)} → ${showValue(v.after)}`);
    for (const o of c.options) lines.push(`      option ${o.path}: ${showValue(o.before)} → ${showValue(o.after)}`);
    const deps = [...c.dependencies.removed.map((d) => `-${nameOf(d)}`), ...c.dependencies.added.map((d) => `+${nameOf(d)}`)];
    if (deps.length > 0) lines.push(`      depends on: ${deps.join(", ")}`);
    return lines;
}

export function formatDiff(diff: PlanDiff): string {
    const names = new Map<string, string>();
    for (const r of [...diff.added, ...diff.removed, ...diff.changed, ...diff.unchanged]) names.set(r.id, r.name);
    const nameOf = (id: string) => names.get(id) ?? id;

    const groups = [...new Set([...diff.removed, ...diff.added, ...diff.changed, ...diff.unchanged].map((r) => r.group))].sort();
    const lines: string[] = [`Plan diff: ${diff.before} → ${diff.after}`, ...DESIRED_STATE_NOTE.split("\n"), ""];
    for (const group of groups) {
        // Components first, then resources, each by name.
        const inGroup = <T extends ResourceRef>(list: T[]) => list.filter((r) => r.group === group)
            .sort((a, b) => Number(b.component) - Number(a.component) || a.name.localeCompare(b.name));
        const removed = inGroup(diff.removed);
        const added = inGroup(diff.added);
        const changed = inGroup(diff.changed);
        const unchanged = inGroup(diff.unchanged);
        lines.push(group === "stack" ? "stack (top-level resources)" : `${group}`);
        for (const r of removed) lines.push(`  - ${label(r)}${removalNote(r)}`);
        for (const r of added) lines.push(`  + ${label(r)}`);
        for (const r of changed) lines.push(`  ~ ${label(r)}`, ...changeLines(r, nameOf));
        if (unchanged.length > 0) lines.push(`  = unchanged: ${unchanged.map((r) => r.name).join(", ")}`);
        lines.push("");
    }
    if (diff.outputs.length > 0) {
        lines.push("outputs");
        for (const o of diff.outputs) lines.push(`  ~ ${o.path}: ${showValue(o.before)} → ${showValue(o.after)}`);
        lines.push("");
    }
    const s = diff.summary;
    lines.push(`Summary: ${s.added} to add, ${s.removed} to remove, ${s.changed} to change, ${s.unchanged} unchanged ` +
        `(${diff.before} → ${diff.after}; desired states, not the deployed one).`);
    return lines.join("\n");
}
