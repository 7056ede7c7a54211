/**
 * package.json's `dependencies` are what `pulumi up` loads, and nothing else: every package the
 * program (index.ts and what it imports, followed file by file with TypeScript's own parser)
 * requires at run time, plus what Pulumi's nodejs runtime needs to load a TypeScript program.
 * Packages only tools, tests or the policy pack use are devDependencies, so `npm ci --omit=dev`
 * leaves them out; tests/scripts/runtime-dependencies.test.ts installs that way and runs the
 * program through Pulumi's own language host to prove it still loads.
 */
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * Loaded by Pulumi's nodejs runtime, not by the program: with `runtime.options.typescript: true`
 * (Pulumi.yaml) @pulumi/pulumi 3.248's cmd/run/run.js registers ts-node with the project's
 * typescript, type-checking against @types/node (tsconfig.json `types`). Both are only optional
 * peers of @pulumi/pulumi; its vendored fallbacks (typescript 3.8.3, ts-node 7.0.1) cannot compile
 * this program.
 */
const PROGRAM_LOADER = ["typescript", "ts-node", "@types/node"];

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** `@scope/name/sub/path` -> `@scope/name`; `name/sub` -> `name`. */
const packageOf = (specifier: string): string => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/** The module specifiers a file needs at run time: imports and re-exports that are not type-only, require() and import() of literals. */
function runtimeSpecifiers(file: string, text: string): string[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
        if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && !node.importClause?.isTypeOnly) {
            found.push(node.moduleSpecifier.text);
        } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
            found.push(node.moduleSpecifier.text);
        } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression) && !node.isTypeOnly) {
            found.push(node.moduleReference.expression.text);
        } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0]) &&
            ((ts.isIdentifier(node.expression) && node.expression.text === "require") || node.expression.kind === ts.SyntaxKind.ImportKeyword)) {
            found.push(node.arguments[0].text);
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
}

/** A relative specifier resolved the way Node resolves it for a .ts program under ts-node. */
function resolveRelative(from: string, specifier: string): string {
    const base = path.resolve(path.dirname(from), specifier);
    for (const candidate of [base, `${base}.ts`, `${base}.js`, `${base}.json`, path.join(base, "index.ts"), path.join(base, "index.js")]) {
        if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    }
    throw new Error(`${path.relative(PROJECT_ROOT, from)} imports ${specifier}, which resolves to no file`);
}

/** Every package the program needs at run time, by package, with the first file that needs it. */
function programPackages(entry: string): { packages: Map<string, string>; files: string[] } {
    const packages = new Map<string, string>();
    const seen = new Set<string>();
    const queue = [entry];
    while (queue.length > 0) {
        const file = queue.pop() as string;
        if (seen.has(file)) continue;
        seen.add(file);
        if (!/\.ts$/.test(file)) continue;
        for (const specifier of runtimeSpecifiers(file, fs.readFileSync(file, "utf8"))) {
            if (specifier.startsWith(".")) queue.push(resolveRelative(file, specifier));
            else if (!builtins.has(specifier) && !builtins.has(packageOf(specifier))) {
                const name = packageOf(specifier);
                if (!packages.has(name)) packages.set(name, path.relative(PROJECT_ROOT, file));
            }
        }
    }
    return { packages, files: [...seen].map((f) => path.relative(PROJECT_ROOT, f)) };
}

const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
};
const program = programPackages(path.join(PROJECT_ROOT, "index.ts"));

test("the walk follows the program: index.ts and components/, nothing from tools/, tests/ or policy/", () => {
    expect(program.files).toContain("components/validation/addresses.ts");
    expect(program.files.length).toBeGreaterThan(50);
    expect(program.files.filter((f) => !(f === "index.ts" || f.startsWith("components/")))).toEqual([]);
});

test("every package the program requires at run time is a dependency", () => {
    const missing = [...program.packages].filter(([name]) => !(name in manifest.dependencies)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
});

test("every dependency is one the program requires, or one Pulumi's runtime loads it with; the rest are devDependencies", () => {
    const extra = Object.keys(manifest.dependencies).filter((name) => !program.packages.has(name) && !PROGRAM_LOADER.includes(name));
    expect(extra).toEqual([]);
    for (const name of PROGRAM_LOADER) expect(manifest.dependencies[name]).toBeDefined();
    for (const toolOnly of ["yaml", "neo4j-driver", "vega", "vega-lite", "kubernetes-models", "@pulumi/policy", "ollama", "@kubernetes/client-node"]) {
        expect(manifest.devDependencies[toolOnly]).toBeDefined();
    }
});

test("what the walk counts as a run-time import", () => {
    const specifiers = runtimeSpecifiers("x.ts", [
        'import * as a from "a";', 'import type { B } from "b";', 'import { c } from "./c";', 'export { d } from "d/sub";',
        'export type { E } from "e";', 'import f = require("f");', 'const g = require("g");', 'const h = await import("@h/pkg/deep");',
        'const text = `require("not-a-call")`;',
    ].join("\n"));
    expect(specifiers).toEqual(["a", "./c", "d/sub", "f", "g", "@h/pkg/deep"]);
    expect(packageOf("@h/pkg/deep")).toBe("@h/pkg");
});
