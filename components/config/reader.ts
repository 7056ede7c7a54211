/**
 * The shared reader of the config sections: collects every problem of one object of the stack file
 * (key fully qualified, the bad value, what is allowed) and hands back a fallback, so that one run
 * reports every problem at once.
 */
import * as os from "os";
import * as path from "path";
import { PROJECT } from "../project";
import { parseListenAddress } from "../validation/addresses";
import { parseImageReference } from "../validation/image-reference";

export type Obj = Record<string, unknown>;

/** Collects problems while reading one object of the config; keys are reported fully qualified. */
export class Reader {
    constructor(private readonly problems: string[], private readonly prefix: string, private readonly obj: Obj) {}

    static of(problems: string[], key: string, value: unknown): Reader {
        if (value !== undefined && (typeof value !== "object" || value === null || Array.isArray(value))) {
            problems.push(`${PROJECT}:${key}: ${show(value)} is not an object; write it as a YAML mapping`);
            return new Reader(problems, key, {});
        }
        return new Reader(problems, key, (value ?? {}) as Obj);
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

    child(name: string): Reader {
        return Reader.of(this.problems, `${this.prefix}.${name}`, this.obj[name]);
    }

    string(name: string, fallback?: string, pattern?: RegExp, allowed?: string): string {
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

    optionalString(name: string, pattern?: RegExp, allowed?: string): string | undefined {
        return this.has(name) ? this.string(name, undefined, pattern, allowed) : undefined;
    }

    oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T {
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

    integer(name: string, fallback: number, min: number, max: number): number {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.problem(name, value, `expected an integer from ${min} to ${max}`);
            return fallback;
        }
        return n;
    }

    optionalInteger(name: string, min: number, max: number): number | undefined {
        return this.has(name) ? this.integer(name, min, min, max) : undefined;
    }

    boolean(name: string, fallback: boolean): boolean {
        const value = this.obj[name];
        if (value === undefined) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problem(name, value, "expected true or false");
        return fallback;
    }

    optionalBoolean(name: string): boolean | undefined {
        return this.has(name) ? this.boolean(name, false) : undefined;
    }

    stringList(name: string, fallback: string[], pattern?: RegExp, allowed?: string): string[] {
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

    stringMap(name: string): Record<string, string> {
        const value = this.obj[name];
        if (value === undefined) return {};
        if (typeof value !== "object" || value === null || Array.isArray(value) ||
            Object.values(value).some((v) => typeof v !== "string")) {
            this.problem(name, value, "expected a mapping of names to string values");
            return {};
        }
        return value as Record<string, string>;
    }

    /** Keys present in the object that the schema does not know: almost always a typo. */
    rejectUnknown(known: readonly string[]): void {
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

/** An image key, checked by the reference grammar (components/validation/image-reference.ts). */
export function imageReference(r: Reader, name: string, fallback: string, example: string): string {
    const value = r.string(name, fallback, undefined, `expected an image reference such as ${example}`);
    const parsed = value === "" ? undefined : parseImageReference(value);
    if (parsed && !parsed.ok) {
        r.problem(name, value, `${parsed.reason}; expected an image reference such as ${example} (name[:tag][@sha256:<64 hex digits>])`);
    }
    return value;
}

/** A listen/publish address key: a keyword or a strict IP address (components/validation/addresses.ts), normalised. */
export function listenAddress(r: Reader, name: string, fallback: string, keywords: readonly string[], allowed: string): string {
    const value = r.string(name, fallback, undefined, allowed);
    const address = parseListenAddress(value, keywords);
    if (address === undefined) {
        if (value !== "") r.problem(name, value, `it is not an IP address; ${allowed}`);
        return fallback;
    }
    return address;
}

export function expandHome(p: string): string {
    return p === "~" ? os.homedir() : p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
}
