/**
 * The shape of the code a newcomer reads: no runtime import cycle in components/, policy/ or tools/
 * (a cycle makes one module see another half-loaded, and hides which one is the foundation), and
 * no file in components/ much over 400 lines. The import graph is TypeScript's own parse
 * (tests/unit/support/import-graph.ts): type-only imports are not edges, since Node never loads them.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { cycles, importGraph } from "./support/import-graph";

const ROOT = path.resolve(__dirname, "..", "..");
const rel = (file: string) => path.relative(ROOT, file);

function filesUnder(dir: string, ending: RegExp): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const child = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : filesUnder(child, ending);
        return ending.test(entry.name) ? [child] : [];
    });
}

describe("no runtime import cycle", () => {
    const graph = importGraph(ROOT, ["index.ts", ...["components", "policy", "tools"].flatMap((d) => filesUnder(d, /\.ts$/))]);

    test.each(["components", "policy", "tools"])("%s/ and what it imports", (dir) => {
        const found = cycles(graph).filter((loop) => loop.some((f) => rel(f).startsWith(`${dir}/`)));
        const named = found.map((loop) => loop.map(rel).join(" -> "));
        if (named.length > 0) {
            throw new Error(`runtime import cycle${named.length > 1 ? "s" : ""}:\n  ${named.join("\n  ")}\n` +
                "break it: move what both need into a module of its own, or import types with `import type`");
        }
    });

    test("the graph sees what Node loads: the program reaches the config loader, and type-only imports are no edges", () => {
        const edges = (file: string) => (graph.get(path.join(ROOT, file)) ?? []).map(rel);
        expect(edges("index.ts")).toContain("components/config/index.ts");
        // capacity/validate.ts imports the config's types only.
        expect(edges("components/capacity/validate.ts").some((f) => f.startsWith("components/config/"))).toBe(false);
        expect(edges("components/config/profile.ts")).toContain("components/config/rules.ts");
    });

    test("a cycle is found and named from its first file", () => {
        const g = new Map([["/a.ts", ["/b.ts"]], ["/b.ts", ["/c.ts"]], ["/c.ts", ["/a.ts", "/d.ts"]], ["/d.ts", []], ["/e.ts", ["/e.ts"]]]);
        expect(cycles(g)).toEqual([["/a.ts", "/b.ts", "/c.ts", "/a.ts"], ["/e.ts", "/e.ts"]]);
    });
});

describe("files in components/ stay readable: about 400 lines at most", () => {
    const LIMIT = 420;
    /**
     * Shell scripts above the limit, each with why it is not split yet: a script's hash is an input
     * of the command that runs it, so a split re-runs that command on every deployed stack.
     */
    const KNOWN: Record<string, string> = {
        "components/ollama/scripts/native-lib.sh": "the native server's library: a split restarts every deployed dev Ollama and re-runs its GPU check",
        "components/backup/scripts/neo4j-backup.sh": "the Neo4j backup, which the backup section about to come reworks",
    };
    const lines = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").length - 1;

    test("no TypeScript or shell file over the limit, but the known ones", () => {
        const offenders = filesUnder("components", /\.(ts|sh)$/).filter((f) => lines(f) > LIMIT && !(f in KNOWN));
        if (offenders.length > 0) {
            throw new Error(`over ${LIMIT} lines: ${offenders.map((f) => `${f} (${lines(f)})`).join(", ")}; split it by job (one file per section, per resource, per concern)`);
        }
    });

    test("the known ones are still over it (remove an entry once its file is split)", () => {
        expect(Object.keys(KNOWN).filter((f) => !fs.existsSync(path.join(ROOT, f)) || lines(f) <= LIMIT)).toEqual([]);
    });
});

describe("messages say what they mean", () => {
    /** Words that point at the project's history instead of saying what is meant. */
    const HISTORY = /\bthe seed\b|\bseed's\b|\blessons?\b|\bissue #?\d+/i;

    /** The text of every string and template literal of a TypeScript file: what a user can be shown. */
    function literals(text: string): string[] {
        const found: string[] = [];
        const visit = (node: ts.Node): void => {
            if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) found.push(node.text);
            ts.forEachChild(node, visit);
        };
        visit(ts.createSourceFile("f.ts", text, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS));
        return found;
    }

    test("no message in components/ or policy/ refers to issue numbers, lessons or the seed", () => {
        const offenders: string[] = [];
        for (const file of [...filesUnder("components", /\.(ts|sh)$/), ...filesUnder("policy", /\.ts$/)]) {
            const text = fs.readFileSync(path.join(ROOT, file), "utf8");
            // Shell: every line that is not a comment; TypeScript: every string.
            const said = file.endsWith(".sh") ? text.split("\n").filter((l) => !/^\s*#/.test(l)) : literals(text);
            for (const line of said.filter((l) => HISTORY.test(l))) offenders.push(`${file}: ${line.trim().slice(0, 120)}`);
        }
        expect(offenders).toEqual([]);
    });
});
