/**
 * docs/configuration.md is rendered from the config declarations (components/config/reference.ts):
 * the committed page must be the render, and its "Read by" column follows each key's appliesTo and
 * the example stacks' placements, not a hand-written list.
 */
import * as fs from "fs";
import { readStackPlacements, REFERENCE_COMMAND, REFERENCE_FILE, renderReference, StackPlacement } from "../../components/config/reference";
import type { Keys } from "../../components/config/schema";
import { OLLAMA } from "../../components/config/ollama";
import { SECTIONS } from "../../components/config/sections";

const rowOf = (page: string, key: string): string[] => {
    const line = page.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
    if (!line) throw new Error(`no row for ${key}`);
    return line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
};

test("the committed docs/configuration.md is the render of the declarations", () => {
    const rendered = renderReference(readStackPlacements());
    const committed = fs.existsSync(REFERENCE_FILE) ? fs.readFileSync(REFERENCE_FILE, "utf8") : "";
    if (committed !== rendered) {
        const lines = committed.split("\n");
        const at = rendered.split("\n").findIndex((line, i) => line !== lines[i]);
        throw new Error(`docs/configuration.md is stale (first difference at line ${at + 1}); run \`${REFERENCE_COMMAND}\` and commit the page`);
    }
});

test("the example stacks' placements come from their stack files", () => {
    expect(readStackPlacements()).toEqual([
        { stack: "dev", mode: "native", provider: "local" },
        { stack: "prod", mode: "container", provider: "digitalocean" },
        { stack: "scale", mode: "kubernetes", provider: "doks" },
    ]);
});

describe("Read by: a key's appliesTo (inherited from its sections) against each stack's placement", () => {
    const page = renderReference(readStackPlacements());
    test.each([
        ["rag-stack:ollama.model", "dev, prod, scale"],
        ["rag-stack:ollama.bindAddress", "dev"],
        ["rag-stack:ollama.image", "prod, scale"],
        ["rag-stack:ollama.modelsDir", "dev"],
        ["rag-stack:ollama.replicas", "scale"],
        ["rag-stack:docker.host", "dev"],
        ["rag-stack:services.backend.hostPort", "dev, prod"],
        ["rag-stack:services.proxy.acmeEmail", "dev, prod"],
        ["rag-stack:digitalocean.importVolumeIds.neo4j", "prod"],
        ["rag-stack:doks.gpuPool.size", "scale"],
        ["rag-stack:digitaloceanToken", "prod, scale"],
    ])("%s: %s", (key, stacks) => {
        expect(rowOf(page, key)[4]).toBe(stacks);
    });
    test("another placement of a stack changes the column", () => {
        const containerDev: StackPlacement[] = [{ stack: "dev", mode: "container", provider: "local" }];
        const other = renderReference(containerDev);
        expect(rowOf(other, "rag-stack:ollama.image")[4]).toBe("dev");
        expect(rowOf(other, "rag-stack:ollama.bindAddress")[4]).toBe("none of these");
        expect(rowOf(other, "rag-stack:ollama.modelsDir")[4]).toBe("dev");
        expect(rowOf(renderReference([{ stack: "remote", mode: "container", provider: "existing" }]), "rag-stack:ollama.modelsDir")[4]).toBe("none of these");
    });
});

test("every row names the fully qualified key, its type, default and allowed values", () => {
    const page = renderReference(readStackPlacements());
    expect(rowOf(page, "rag-stack:ollama.port").slice(0, 4)).toEqual(["`rag-stack:ollama.port`", "integer", "`11434`", "1 to 65535"]);
    expect(rowOf(page, "rag-stack:ollama.mode").slice(1, 4)).toEqual(["one of", "**required**", "`native`, `container`, `kubernetes`"]);
    expect(rowOf(page, "rag-stack:services.backend.hostPort")[2]).toBe("*services.backend.port*");
    expect(rowOf(page, "rag-stack:doks.certificateName")[2]).toBe("unset");
    expect(rowOf(page, "rag-stack:neo4jPassword").slice(1, 3)).toEqual(["string", "**required**"]);
});

test("every declaration has one presence (a mapping of strings defaults to {}), a line of doc, and its warning's reason where it applies to some placements only", () => {
    const problems: string[] = [];
    const walk = (prefix: string, keys: Keys): void => {
        for (const [name, s] of Object.entries(keys)) {
            const key = `${prefix}.${name}`;
            if (!s.doc || /\n/.test(s.doc)) problems.push(`${key}: no one-line doc`);
            if (s.kind === "section") {
                walk(key, s.keys);
                continue;
            }
            const presences = (["default", "derived", "optional", "required"] as const).filter((p) => p in s && (s as unknown as Record<string, unknown>)[p] !== undefined);
            if (presences.length !== (s.kind === "map" ? Math.min(presences.length, 1) : 1)) problems.push(`${key}: presence ${presences.join("+") || "none"}`);
        }
    };
    for (const [name, section] of Object.entries(SECTIONS)) walk(name, section.keys as Keys);
    for (const [name, s] of Object.entries(OLLAMA.keys as Keys)) {
        // The no-effect warnings quote it (components/validation/placement.ts); replicas is refused instead.
        if (s.appliesTo?.modes && name !== "replicas" && !s.elsewhere) problems.push(`ollama.${name}: appliesTo.modes without elsewhere`);
    }
    expect(problems).toEqual([]);
});
