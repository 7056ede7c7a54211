/**
 * docs/configuration.md, rendered from the declarations of components/config/ (schema.ts): every
 * key with its type, default, allowed values, the example stacks that read it, and its line of doc;
 * then the secrets. Nothing in it is written by hand: change a declaration, then run
 *
 *   npm run docs:config
 *
 * (tests/unit/config-reference.test.ts fails while the committed page differs from the render).
 *
 * "Read by" follows each key's `appliesTo` (inherited from its sections) and the placement of
 * each example stack, taken from its stack file (`rag-stack:ollama.mode`, `rag-stack:host.provider`):
 * the same facts the no-effect warnings use (components/validation/placement.ts).
 *
 * Not part of the program: only the test and the npm script load this file (it reads the stack
 * files with `yaml`, a development dependency).
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../project";
import type { HostProvider } from "./host";
import type { OllamaMode } from "./ollama";
import { AppliesTo, Keys, narrowAppliesTo, SecretSetting, SectionSetting, Setting } from "./schema";
import { SECRETS, SECTIONS } from "./sections";

/** An example stack and where it places Ollama and the app. */
export interface StackPlacement {
    stack: string;
    mode: OllamaMode;
    provider: HostProvider;
}

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const REFERENCE_FILE = path.join(PROJECT_ROOT, "docs", "configuration.md");
export const REFERENCE_COMMAND = "npm run docs:config";

/** The placement of every `Pulumi.<stack>.yaml` in `dir`, by stack name. */
export function readStackPlacements(dir: string = PROJECT_ROOT): StackPlacement[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse } = require("yaml") as typeof import("yaml");
    return fs.readdirSync(dir).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).sort().map((file) => {
        const doc = (parse(fs.readFileSync(path.join(dir, file), "utf8")) ?? {}) as { config?: Record<string, { mode?: OllamaMode; provider?: HostProvider } | undefined> };
        const config = doc.config ?? {};
        const mode = config[`${PROJECT}:ollama`]?.mode;
        if (!mode) throw new Error(`${file} sets no ${PROJECT}:ollama.mode`);
        return { stack: file.slice("Pulumi.".length, -".yaml".length), mode, provider: config[`${PROJECT}:host`]?.provider ?? "local" };
    });
}

/** The stacks whose placement reads a key that applies `where`. */
function readBy(where: AppliesTo, stacks: readonly StackPlacement[]): string {
    const names = stacks.filter((s) => (!where.modes || where.modes.includes(s.mode)) && (!where.providers || where.providers.includes(s.provider))).map((s) => s.stack);
    return names.length > 0 ? names.join(", ") : "none of these";
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value).replace(/"/g, "")}\``;
/** Text for a table cell: `|` escaped, and `*` outside code spans (`no *` is not emphasis). */
const cell = (text: string) => text.split(/(`[^`]*`)/).map((part, i) => (i % 2 === 1 ? part : part.replace(/\*/g, "\\*")))
    .join("").replace(/\|/g, "\\|").replace(/\n/g, " ");
/** "use a region slug such as tor1" -> "a region slug such as tor1": what is allowed, as a noun. */
const allowedText = (text: string) => text.replace(/^(use |expected |each [a-z ]+ (must be|is) )/, "");

function typeOf(s: Setting): string {
    switch (s.kind) {
        case "string": return s.type ?? "string";
        case "enum": return "one of";
        case "list": return "list of strings";
        case "map": return "mapping of strings";
        case "section": return "mapping";
        case "parsed": return s.type;
        default: return s.kind;
    }
}

function defaultOf(s: Setting): string {
    if (s.kind === "section") return s.optional ? "unset" : "";
    if ("required" in s && s.required) return "**required**";
    if ("derived" in s && s.derived !== undefined) return `*${cell(s.derived)}*`;
    if ("optional" in s && s.optional) return "unset";
    if (s.kind === "map") return code({});
    if ("default" in s && s.default !== undefined) return code(s.default);
    return "";
}

function allowedOf(s: Setting): string {
    switch (s.kind) {
        case "enum": return s.choices.map(code).join(", ");
        case "integer": return `${s.min} to ${s.max}`;
        case "boolean": return "`true`, `false`";
        case "map": return "names to strings";
        case "section": return "";
        default: return s.allowed ? allowedText(s.allowed) : "";
    }
}

function rows(prefix: string, keys: Keys, where: AppliesTo, stacks: readonly StackPlacement[]): string[] {
    const out: string[] = [];
    for (const [name, s] of Object.entries(keys)) {
        const key = `${prefix}.${name}`;
        const applies = narrowAppliesTo(where, s.appliesTo);
        out.push(`| \`${key}\` | ${typeOf(s)} | ${defaultOf(s)} | ${cell(allowedOf(s))} | ${readBy(applies, stacks)} | ${cell(s.doc)} |`);
        if (s.kind === "section") out.push(...rows(key, s.keys, applies, stacks));
    }
    return out;
}

const anchor = (heading: string) => heading.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");

/** The whole page. */
export function renderReference(stacks: readonly StackPlacement[]): string {
    const placements = stacks.map((s) => `${s.stack} (ollama.mode ${s.mode}, host.provider ${s.provider})`).join(", ");
    const sections = Object.entries(SECTIONS as Record<string, SectionSetting>);
    const lines = [
        "# Configuration reference",
        "",
        `<!-- Generated from components/config/ by \`${REFERENCE_COMMAND}\`; do not edit: change the declarations there. -->`,
        "",
        `Every setting of a stack is a key of the \`${PROJECT}\` namespace in its stack file (\`Pulumi.<stack>.yaml\`).`,
        "The program reads and validates all of them before it registers any resource, and refuses a bad value",
        "with the key, the value and what is allowed; a key nothing reads (a typo, a key set without `--path`)",
        "is refused too. Set a nested key with `--path`, a secret with `--secret`:",
        "",
        "```sh",
        `pulumi config set --path ${PROJECT}:ollama.model qwen2.5:7b-instruct-q8_0 --stack dev`,
        "pulumi config set --secret neo4jPassword <password> --stack dev",
        "```",
        "",
        `**Read by** names the example stacks whose placement reads the key: ${placements}, from their`,
        "stack files. A key set where its placement does not read it has no effect (for Ollama's keys the",
        "program warns about it).",
        "",
        "## Adding a key or a section",
        "",
        "This page is generated from the declarations in [components/config/](../components/config/): one",
        `declaration per key, which the validation reads by and this page is rendered from. After a change, run \`${REFERENCE_COMMAND}\``,
        "(a unit test fails while this page is stale).",
        "",
        "- **A key**: declare it in its section's file (`components/config/<section>.ts`; `docker` is in `host.ts`)",
        "  with one of the constructors of [schema.ts](../components/config/schema.ts): its kind, its default",
        "  (or `required`, `optional`, `derived`), what is allowed, a line of `doc`, and `appliesTo` (the placements",
        "  and host providers that read it). Read it in the section's read function with `r.get(name)`; its type",
        "  follows from the declaration.",
        "- **A section**: a file of its own declaring `section({...})` with a read function (one line when its",
        "  keys need no rule beyond their declarations: `Reader.of(problems, \"backup\", raw, BACKUP.keys).all()`),",
        "  a line in [sections.ts](../components/config/sections.ts) (the loader then reads it and knows its name),",
        "  and a call in [profile.ts](../components/config/profile.ts) that adds its settings to the profile; its",
        "  type is `SettingsOf<typeof BACKUP.keys>`.",
        "- **A rule across sections** (one key allowed only with another's value): [rules.ts](../components/config/rules.ts).",
        "- **A secret**: a `secret({...})` in [secrets.ts](../components/config/secrets.ts) and its read function there.",
        "",
        "## Sections",
        "",
        ...sections.map(([name, s]) => `- [\`${PROJECT}:${name}\`](#${anchor(`${PROJECT}:${name}`)}): ${s.doc}`),
        `- [Secrets](#secrets)`,
        "",
    ];
    for (const [name, s] of sections) {
        lines.push(
            `## ${PROJECT}:${name}`, "", s.doc, "",
            "| Key | Type | Default | Allowed | Read by | Description |",
            "| --- | --- | --- | --- | --- | --- |",
            ...rows(`${PROJECT}:${name}`, s.keys, narrowAppliesTo({}, s.appliesTo), stacks),
            "",
        );
    }
    lines.push(
        "## Secrets", "",
        "Set with `pulumi config set --secret`; a secret stored in plain text is refused, and no message shows a secret's value.", "",
        "| Key | Type | Default | Set with | Read by | Description |",
        "| --- | --- | --- | --- | --- | --- |",
        ...Object.entries(SECRETS).map(([name, s]: [string, SecretSetting]) =>
            `| \`${PROJECT}:${name}\` | ${s.value === "mapping" ? "mapping of strings" : "string"} | ${s.required ? "**required**" : "unset"} | ` +
            `\`${cell(s.set)}\` | ${readBy(narrowAppliesTo({}, s.appliesTo), stacks)} | ${cell(s.doc)} |`),
        "",
    );
    return lines.join("\n");
}

if (require.main === module) {
    fs.writeFileSync(REFERENCE_FILE, renderReference(readStackPlacements()));
    console.log(`wrote ${path.relative(process.cwd(), REFERENCE_FILE)}`);
}
