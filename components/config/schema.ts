/**
 * The language the config sections declare their keys in. Each key is declared once, as data: its
 * kind, its default (or that it is required, optional, or derived from other keys), what is
 * allowed, one line of documentation, and where it has an effect. The Reader (reader.ts) reads a
 * stack file's values by these declarations, the settings types are inferred from them
 * (`SettingsOf`), and docs/configuration.md is rendered from them (reference.ts).
 *
 * A key is declared with one of the constructors below, inside its section's `keys`:
 *
 *   port: integer({ default: 11434, min: 1, max: 65535, doc: "Port Ollama listens on." }),
 *
 * Presence, one of: `default: <value>`; `derived: "<what it follows>"` (the caller passes the
 * value: `r.get("hostPort", backendPort)`); `optional: true` (unset stays undefined);
 * `required: true` (unset is a problem).
 */
import type { HostProvider } from "./host";
import type { OllamaMode } from "./ollama";

/** Where a key has an effect; an unset part means all. Inherited by the keys of a section. */
export interface AppliesTo {
    /** The Ollama placements (`ollama.mode`) that read the key. */
    modes?: readonly OllamaMode[];
    /** The host providers (`host.provider`) that read the key. */
    providers?: readonly HostProvider[];
}

interface Described {
    /** One line for docs/configuration.md: what the key does. */
    doc: string;
    /** Where the key has an effect: the docs' "read by" column and the warnings about keys without effect. */
    appliesTo?: AppliesTo;
    /** Why the key does nothing outside `appliesTo`: the parenthesis of that warning (validation/placement.ts). */
    elsewhere?: string;
}

/** How a key may be left out. The declaration holds exactly one of these. */
interface Presence<T> {
    default?: T;
    /** A default computed from other keys by the section's reader; the text says from what. */
    derived?: string;
    optional?: true;
    required?: true;
}

export interface StringSetting extends Described, Presence<string> {
    kind: "string";
    /** What the value must match (after it is a non-empty string). */
    pattern?: RegExp;
    /** What is allowed, as the problem says it: "use ...", "expected ...". */
    allowed?: string;
    /** A check beyond the pattern, with its normalised value; a problem keeps the written value. */
    refine?: (value: string) => string | { problem: string };
    /** A path on this machine: `~` and `~/` are expanded. */
    expandHome?: true;
    /** What docs/configuration.md calls its type (default: string). */
    type?: string;
}

export interface EnumSetting<T extends string = string> extends Described, Presence<T> {
    kind: "enum";
    choices: readonly T[];
}

export interface IntegerSetting extends Described, Presence<number> {
    kind: "integer";
    min: number;
    max: number;
}

export interface NumberSetting extends Described, Presence<number> {
    kind: "number";
    /** Exclusive lower bound. */
    above: number;
    max: number;
    allowed: string;
}

export interface BooleanSetting extends Described, Presence<boolean> {
    kind: "boolean";
}

export interface ListSetting extends Described, Presence<readonly string[]> {
    kind: "list";
    /** What each item must match, and what the problem says when one does not (without a pattern: docs only). */
    pattern?: RegExp;
    allowed?: string;
    /** A check of each item beyond the pattern: the problem's reason, or undefined. */
    item?: (item: string) => string | undefined;
}

export interface MapSetting extends Described, Presence<never> {
    kind: "map";
}

/** A value with a grammar of its own (`ollama.keepAlive`): parsed into its text, or refused with a reason. */
export interface ParsedSetting extends Described, Presence<string> {
    kind: "parsed";
    parse: (value: unknown) => { ok: true; text: string } | { ok: false; reason: string };
    type: string;
    allowed: string;
}

/** A mapping of its own keys (`services.backend`, `doks.gpuPool`). */
export interface SectionSetting<K extends Keys = Keys> extends Described {
    kind: "section";
    keys: K;
    /** Read only when written (`services.backend.build`); otherwise always, its keys taking their defaults. */
    optional?: true;
}

export type Setting = StringSetting | EnumSetting | IntegerSetting | NumberSetting | BooleanSetting | ListSetting | MapSetting | ParsedSetting | SectionSetting;
export type Keys = { readonly [name: string]: Setting };

/** A secret: set with `pulumi config set --secret`, never shown, read by secrets.ts. */
export interface SecretSetting extends Described {
    /** `text`: one value; `mapping`: names to values (`authPasswordHashes`). */
    value: "text" | "mapping";
    required?: true;
    /** The command that sets it. */
    set: string;
}

/** A declaration's options: everything but its kind (and what the constructor takes apart). */
type Options<S, Taken extends string = never> = Omit<S, Taken | "kind">;

export const string = <const O extends Options<StringSetting>>(o: O) => ({ kind: "string", ...o }) as O & { kind: "string" };
export const oneOf = <const T extends string, const O extends Options<EnumSetting<T>, "choices">>(choices: readonly T[], o: O) =>
    ({ kind: "enum", choices, ...o }) as O & { kind: "enum"; choices: readonly T[] };
export const integer = <const O extends Options<IntegerSetting>>(o: O) => ({ kind: "integer", ...o }) as O & { kind: "integer" };
export const number = <const O extends Options<NumberSetting>>(o: O) => ({ kind: "number", ...o }) as O & { kind: "number" };
export const boolean = <const O extends Options<BooleanSetting>>(o: O) => ({ kind: "boolean", ...o }) as O & { kind: "boolean" };
export const list = <const O extends Options<ListSetting>>(o: O) => ({ kind: "list", ...o }) as O & { kind: "list" };
export const map = <const O extends Options<MapSetting>>(o: O) => ({ kind: "map", ...o }) as O & { kind: "map" };
export const parsed = <const O extends Options<ParsedSetting>>(o: O) => ({ kind: "parsed", ...o }) as O & { kind: "parsed" };
export const section = <const K extends Keys, const O extends Options<SectionSetting<K>, "keys">>(keys: K, o: O) =>
    ({ kind: "section", keys, ...o }) as O & { kind: "section"; keys: K };
export const secret = <const O extends SecretSetting>(o: O): O => o;

/** The value a declaration reads to, before presence. */
export type ValueOf<S> =
    S extends { kind: "enum"; choices: readonly (infer T)[] } ? T
    : S extends { kind: "integer" | "number" } ? number
    : S extends { kind: "boolean" } ? boolean
    : S extends { kind: "list" } ? string[]
    : S extends { kind: "map" } ? Record<string, string>
    : S extends { kind: "section"; keys: infer K } ? SettingsOf<K>
    : string;

/** The value a declaration reads to: undefined too when it is optional. */
export type Value<S> = S extends { optional: true } ? ValueOf<S> | undefined : ValueOf<S>;

type Flat<T> = { [N in keyof T]: T[N] };
type OptionalNames<K> = { [N in keyof K]: K[N] extends { optional: true } ? N : never }[keyof K];

/** The settings a section's keys read to: its type, inferred from the declarations. */
export type SettingsOf<K> = Flat<
    { -readonly [N in Exclude<keyof K, OptionalNames<K>>]: ValueOf<K[N]> } &
    { -readonly [N in OptionalNames<K>]?: ValueOf<K[N]> }
>;

/** The names of a section's keys that hold sections themselves. */
export type SectionNames<K> = { [N in keyof K]: K[N] extends { kind: "section" } ? N : never }[keyof K] & string;
/** The names of a section's keys that hold values. */
export type ValueNames<K> = { [N in keyof K]: K[N] extends { kind: "section" } ? never : N }[keyof K] & string;
/** The values of a section's keys whose default is derived from other keys (the reader's caller passes them). */
export type DerivedValues<K> = { [N in keyof K as K[N] extends { derived: string } ? N : never]: ValueOf<K[N]> };

/** `where` narrowed by `inner` (a section's applies-to, then its key's). */
export function narrowAppliesTo(where: AppliesTo, inner: AppliesTo | undefined): AppliesTo {
    return {
        modes: inner?.modes ? (where.modes ? inner.modes.filter((m) => where.modes?.includes(m)) : inner.modes) : where.modes,
        providers: inner?.providers ? (where.providers ? inner.providers.filter((p) => where.providers?.includes(p)) : inner.providers) : where.providers,
    };
}
