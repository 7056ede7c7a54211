/** Short, one-line renderings of JSON values for the text outputs. */
import { Json } from "./paths";

const MAX = 140;

export function truncate(text: string, max = MAX): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A value as one line: strings quoted, the rest as compact JSON; `(none)` when absent. */
export function showValue(value: Json | undefined, max = MAX): string {
    if (value === undefined) return "(none)";
    return truncate(JSON.stringify(value), max);
}
