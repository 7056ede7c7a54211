/**
 * The shared reader of the config sections: reads one mapping of the stack file by its keys'
 * declarations (schema.ts), collecting every problem (the key fully qualified, the bad value, what
 * is allowed) and handing back a fallback, so that one run reports every problem at once.
 *
 *   const r = Reader.of(problems, "ollama", raw, OLLAMA.keys);
 *   r.rejectUnknown();                    // keys nothing declares: almost always a typo
 *   const port = r.get("port");           // typed from the declaration: number
 *   const hostPort = b.get("hostPort", port);   // a derived default is passed by the caller
 */
import * as os from "os";
import * as path from "path";
import { PROJECT } from "../project";
import { parseListenAddress } from "../validation/addresses";
import { parseImageReference } from "../validation/image-reference";
import { DerivedValues, Keys, SectionNames, SettingsOf, Setting, string, StringSetting, Value, ValueNames, ValueOf } from "./schema";

export type Obj = Record<string, unknown>;

/** Collects problems while reading one object of the config; keys are reported fully qualified. */
export class Reader<K extends Keys = Keys> {
    constructor(private readonly problems: string[], private readonly prefix: string, private readonly obj: Obj, private readonly keys: K) {}

    /** A reader of `value`, the mapping at `key` (`ollama`, `services.backend`) declared by `keys`. */
    static of<K extends Keys>(problems: string[], key: string, value: unknown, keys: K): Reader<K> {
        if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
            problems.push(`${PROJECT}:${key}: ${show(value)} is not an object; write it as a YAML mapping`);
            return new Reader(problems, key, {}, keys);
        }
        return new Reader(problems, key, (value ?? {}) as Obj, keys);
    }

    key(name: string): string {
        return `${PROJECT}:${this.prefix}.${name}`;
    }

    has(name: string): boolean {
        return this.obj[name] !== undefined;
    }

    problem(name: string, value: unknown, allowed: string): void {
        this.problems.push(`${this.key(name)}: ${show(value)} is not allowed; ${allowed}`);
    }

    /** The value as written, before any check (for a message that quotes it). */
    raw(name: string): unknown {
        return this.obj[name];
    }

    /** A reader of the nested section `name` (`services` -> `services.backend`). */
    child<N extends SectionNames<K>>(name: N): Reader<SectionKeys<K[N]>> {
        const setting = this.keys[name] as Setting;
        if (setting.kind !== "section") throw new Error(`${this.key(name)} is not declared as a section`);
        return Reader.of(this.problems, `${this.prefix}.${name}`, this.obj[name], setting.keys as SectionKeys<K[N]>);
    }

    /**
     * The value of key `name`, read by its declaration: its default (or the derived `fallback` the
     * caller passes) when unset; when refused, one problem and the fallback.
     */
    get<N extends ValueNames<K>>(name: N, ...fallback: K[N] extends { derived: string } ? [fallback: ValueOf<K[N]>] : []): Value<K[N]> {
        return this.read(name, this.keys[name] as Setting, fallback[0]) as Value<K[N]>;
    }

    private read(name: string, s: Setting, derived: unknown): unknown {
        const optional = "optional" in s && s.optional === true;
        switch (s.kind) {
            case "string": {
                if (optional && !this.has(name)) return undefined;
                const fallback = s.derived !== undefined ? derived as string : s.default;
                let value = this.string(name, fallback, s.pattern, s.allowed);
                const written = this.obj[name];
                // The refinement (image grammar, address) judges a written value that passed the basic checks.
                if (s.refine && written !== undefined && value === written && (!s.pattern || s.pattern.test(value))) {
                    const refined = s.refine(value);
                    if (typeof refined === "string") value = refined;
                    else this.problem(name, value, refined.problem);
                }
                return s.expandHome && value !== "" ? expandHome(value) : value;
            }
            case "enum":
                if (optional && !this.has(name)) return undefined;
                return this.oneOf(name, s.choices, s.derived !== undefined ? derived as string : s.default);
            case "integer":
                if (optional) return this.has(name) ? this.integer(name, s.min, s.min, s.max) : undefined;
                return this.integer(name, s.derived !== undefined ? derived as number : s.default ?? s.min, s.min, s.max);
            case "boolean":
                if (optional) return this.has(name) ? this.boolean(name, false) : undefined;
                return this.boolean(name, s.derived !== undefined ? derived as boolean : s.default ?? false);
            case "list": {
                const fallback = s.derived !== undefined ? derived as string[] : [...(s.default ?? [])];
                if (optional && !this.has(name)) return undefined;
                const items = this.stringList(name, fallback, s.pattern, s.allowed);
                if (s.item && this.has(name) && items !== fallback) {
                    for (const item of items) {
                        const reason = s.item(item);
                        if (reason) this.problem(name, item, reason);
                    }
                }
                return items;
            }
            case "map":
                if (optional && !this.has(name)) return undefined;
                return this.stringMap(name);
            case "number": {
                if (!this.has(name)) return s.default;
                const value = this.obj[name];
                const n = typeof value === "number" ? value : typeof value === "string" && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
                if (!(Number.isFinite(n) && n > s.above && n <= s.max)) {
                    this.problem(name, value, s.allowed);
                    return s.default;
                }
                return n;
            }
            case "parsed": {
                if (!this.has(name)) return s.default;
                const value = this.obj[name];
                const result = s.parse(value);
                if (!result.ok) {
                    this.problem(name, value, result.reason);
                    return s.default;
                }
                return result.text;
            }
            case "section":
                throw new Error(`${this.key(name)} is a section: read it with child()`);
        }
    }

    private string(name: string, fallback?: string, pattern?: RegExp, allowed?: string): string {
        const value = this.obj[name];
        if (value === undefined) {
            if (fallback === undefined) {
                this.problems.push(`${this.key(name)} is missing; ${allowed ?? "set it in the stack file"}`);
                return "";
            }
            return fallback;
        }
        if (typeof value !== "string" || value.trim() === "") {
            this.problem(name, value, allowed ?? "expected a non-empty string");
            return fallback ?? "";
        }
        if (pattern && !pattern.test(value)) {
            this.problem(name, value, allowed ?? `expected to match ${pattern}`);
        }
        return value;
    }

    private oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T {
        const value = this.obj[name];
        if (value === undefined && fallback !== undefined) return fallback;
        if (value === undefined) {
            this.problems.push(`${this.key(name)} is missing; use one of: ${choices.join(", ")}`);
            return choices[0];
        }
        if (!choices.includes(value as T)) {
            this.problem(name, value, `use one of: ${choices.join(", ")}`);
            return fallback ?? choices[0];
        }
        return value as T;
    }

    private integer(name: string, fallback: number, min: number, max: number): number {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.problem(name, value, `expected an integer from ${min} to ${max}`);
            return fallback;
        }
        return n;
    }

    private boolean(name: string, fallback: boolean): boolean {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problem(name, value, "expected true or false");
        return fallback;
    }

    private stringList(name: string, fallback: string[], pattern?: RegExp, allowed?: string): string[] {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
            this.problem(name, value, "expected a list of non-empty strings");
            return fallback;
        }
        if (pattern) {
            for (const item of value as string[]) {
                if (!pattern.test(item)) this.problem(name, item, allowed ?? `each item must match ${pattern}`);
            }
        }
        return value as string[];
    }

    private stringMap(name: string): Record<string, string> {
        const value = this.obj[name];
        if (value === undefined) return {};
        if (typeof value !== "object" || value === null || Array.isArray(value) ||
            Object.values(value).some((v) => typeof v !== "string")) {
            this.problem(name, value, "expected a mapping of names to string values");
            return {};
        }
        return value as Record<string, string>;
    }

    /**
     * The whole section: unknown keys refused, then every key read in declaration order, nested
     * sections too (an optional one only when written). For a section whose keys need no rule
     * beyond their declarations: `Reader.of(problems, "backup", raw, BACKUP.keys).all()`.
     */
    all(...fallbacks: keyof DerivedValues<K> extends never ? [] : [fallbacks: DerivedValues<K>]): SettingsOf<K> {
        this.rejectUnknown();
        const derived = (fallbacks[0] ?? {}) as Record<string, unknown>;
        const settings: Record<string, unknown> = {};
        for (const [name, s] of Object.entries(this.keys)) {
            if (s.kind !== "section") settings[name] = this.read(name, s, derived[name]);
            else if (!s.optional || this.has(name)) settings[name] = Reader.of(this.problems, `${this.prefix}.${name}`, this.obj[name], s.keys).all();
        }
        return settings as SettingsOf<K>;
    }

    /** Keys present in the object that its declaration does not know: almost always a typo. */
    rejectUnknown(): void {
        const known = Object.keys(this.keys);
        for (const k of Object.keys(this.obj)) {
            if (!known.includes(k)) {
                this.problems.push(`${this.key(k)} is not a known setting; known: ${known.join(", ")}`);
            }
        }
    }
}

export function show(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

type SectionKeys<S> = S extends { kind: "section"; keys: infer K extends Keys } ? K : never;

/** A string key holding an image reference, checked by its grammar (components/validation/image-reference.ts). */
export function imageReference<const O extends Omit<StringSetting, "kind" | "allowed" | "refine">>(example: string, o: O) {
    const allowed = `expected an image reference such as ${example}`;
    return string({
        ...o, allowed, type: "image reference",
        refine: (value: string) => {
            const parsed = parseImageReference(value);
            return parsed.ok ? value : { problem: `${parsed.reason}; ${allowed} (name[:tag][@sha256:<64 hex digits>])` };
        },
    });
}

/** A string key holding a listen or publish address: a keyword or a strict IP address (components/validation/addresses.ts), normalised. */
export function listenAddress<const O extends Omit<StringSetting, "kind" | "refine" | "allowed">>(keywords: readonly string[], allowed: string, o: O) {
    return string({
        ...o, allowed, type: "IP address",
        refine: (value: string) => parseListenAddress(value, keywords) ?? { problem: `it is not an IP address; ${allowed}` },
    });
}

/** A string key holding a path on this machine: absolute or from ~/, `~` expanded. */
export function localPath<const O extends Omit<StringSetting, "kind" | "pattern" | "allowed" | "expandHome">>(o: O) {
    return string({ ...o, pattern: /^(~|~\/.*|\/.*)$/, allowed: "use an absolute path or one starting with ~/", expandHome: true, type: "path" });
}

export function expandHome(p: string): string {
    return p === "~" ? os.homedir() : p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
}
