/**
 * The runtime import graph of the project's TypeScript, read with TypeScript's own parser (no type
 * checker, no emit): an edge for every relative import, re-export, `require()` or `import()` that
 * Node will load. Not an edge: `import type`, `export type`, specifiers marked `type`, and an
 * import whose names are used only in type positions (TypeScript elides it from the JavaScript).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** Identifiers an import binds (default, namespace and named, not the `type` ones). */
function boundNames(clause: ts.ImportClause): string[] {
    if (clause.isTypeOnly) return [];
    const names = clause.name ? [clause.name.text] : [];
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) names.push(...bindings.elements.filter((e) => !e.isTypeOnly).map((e) => e.name.text));
    return names;
}

/** Is this identifier a reference to a binding (not a property name, a declaration's name, a type)? */
function isValueReference(id: ts.Identifier): boolean {
    for (let node: ts.Node = id, parent = id.parent; parent; node = parent, parent = parent.parent) {
        if (ts.isImportDeclaration(parent) || ts.isInterfaceDeclaration(parent) || ts.isTypeAliasDeclaration(parent)) return false;
        if (ts.isExportDeclaration(parent)) return !parent.isTypeOnly;
        if (ts.isExportSpecifier(parent) && parent.isTypeOnly) return false;
        if (ts.isHeritageClause(parent)) return parent.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(parent.parent);
        // A type position, except the value inside `typeof x` (TypeScript still elides it).
        if (ts.isTypeNode(parent) && !ts.isExpressionWithTypeArguments(parent)) return false;
        if (node === id) {
            if ((ts.isPropertyAccessExpression(parent) && parent.name === id) || (ts.isQualifiedName(parent) && parent.right === id)) return false;
            if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent) ||
                ts.isMethodSignature(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent) || ts.isEnumMember(parent)) && parent.name === id) return false;
            if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent) ||
                ts.isBindingElement(parent)) && parent.name === id) return false;
        }
    }
    return true;
}

/** The relative module specifiers a file loads at run time. */
export function runtimeImports(file: string, text: string): string[] {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
    const candidates: { specifier: string; names?: string[] }[] = [];
    const valueNames = new Set<string>();
    const visit = (node: ts.Node): void => {
        if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
            // A bare `import "./x"` loads it; otherwise only when a bound name is used as a value.
            candidates.push({ specifier: node.moduleSpecifier.text, names: node.importClause ? boundNames(node.importClause) : undefined });
            return;
        }
        if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
            const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
            if (!node.isTypeOnly && !(named && named.every((e) => e.isTypeOnly))) candidates.push({ specifier: node.moduleSpecifier.text });
        } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0]) &&
            ((ts.isIdentifier(node.expression) && node.expression.text === "require") || node.expression.kind === ts.SyntaxKind.ImportKeyword)) {
            candidates.push({ specifier: node.arguments[0].text });
        } else if (ts.isIdentifier(node) && isValueReference(node)) {
            valueNames.add(node.text);
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return candidates
        .filter((c) => c.specifier.startsWith("."))
        .filter((c) => c.names === undefined || c.names.some((n) => valueNames.has(n)))
        .map((c) => c.specifier);
}

/** A relative specifier resolved as Node resolves it for a .ts program under ts-node; undefined for a non-TypeScript file. */
export function resolveImport(from: string, specifier: string): string | undefined {
    const base = path.resolve(path.dirname(from), specifier);
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base, `${base}.js`, `${base}.json`]) {
        if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate.endsWith(".ts") ? candidate : undefined;
    }
    throw new Error(`${from} imports ${specifier}, which resolves to no file`);
}

/** file -> the files it loads at run time, for every .ts file under `dirs` (and what they reach). */
export function importGraph(root: string, entries: readonly string[]): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    const queue = [...entries].map((e) => path.resolve(root, e));
    while (queue.length > 0) {
        const file = queue.pop() as string;
        if (graph.has(file)) continue;
        const targets = runtimeImports(file, fs.readFileSync(file, "utf8"))
            .map((s) => resolveImport(file, s))
            .filter((t): t is string => t !== undefined);
        graph.set(file, targets);
        queue.push(...targets);
    }
    return graph;
}

/** Every cycle of the graph, one per strongly connected component, as a path that returns to its start. */
export function cycles(graph: Map<string, string[]>): string[][] {
    // Tarjan's strongly connected components, iteratively deep enough for this tree.
    let index = 0;
    const indexOf = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const components: string[][] = [];
    const connect = (v: string): void => {
        indexOf.set(v, index);
        low.set(v, index++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!indexOf.has(w)) {
                connect(w);
                low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
            } else if (onStack.has(w)) {
                low.set(v, Math.min(low.get(v) as number, indexOf.get(w) as number));
            }
        }
        if (low.get(v) === indexOf.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop() as string;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
        }
    };
    for (const v of [...graph.keys()].sort()) if (!indexOf.has(v)) connect(v);
    // One concrete loop per component: breadth-first from its first file back to itself.
    return components.map((component) => {
        const members = new Set(component);
        const start = [...component].sort()[0];
        const previous = new Map<string, string>();
        const queue = [start];
        while (queue.length > 0) {
            const v = queue.shift() as string;
            for (const w of graph.get(v) ?? []) {
                if (!members.has(w)) continue;
                if (w === start) {
                    const loop = [start];
                    for (let at = v; at !== start; at = previous.get(at) as string) loop.splice(1, 0, at);
                    return [...loop, start];
                }
                if (!previous.has(w)) {
                    previous.set(w, v);
                    queue.push(w);
                }
            }
        }
        return [start, start];
    });
}
