/**
 * A require hook for `.ts` files, for the child processes the tools and tests start (a second
 * render, `plan --diff` sides): transpile-only like `ts-node --transpile-only`, with an on-disk
 * cache (node_modules/.cache/rag-stack-ts/) keyed by TypeScript's version, tsconfig.json, the file's
 * path and its source. On a cache hit TypeScript itself is never loaded, which is most of what such
 * a child spent before it rendered anything. Types are checked by `npm run typecheck`, not here.
 *
 * Use: node -r ./tools/ts-cached-register.js tools/render.ts ...
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const cacheDir = path.join(root, "node_modules", ".cache", "rag-stack-ts");
const tsconfigText = fs.readFileSync(path.join(root, "tsconfig.json"), "utf8");
const tsVersion = require("typescript/package.json").version;

let ts;
let compilerOptions;

function transpile(source, filename) {
    if (!ts) {
        ts = require("typescript");
        compilerOptions = ts.convertCompilerOptionsFromJson(JSON.parse(tsconfigText).compilerOptions, root).options;
        // Stack traces point into the .ts files; nothing is written next to them.
        compilerOptions.sourceMap = false;
        compilerOptions.inlineSourceMap = true;
        compilerOptions.inlineSources = true;
    }
    return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
}

function compiled(filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256")
        .update(`${tsVersion}\0${tsconfigText}\0${filename}\0`)
        .update(source)
        .digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        const output = transpile(source, filename);
        try {
            fs.mkdirSync(cacheDir, { recursive: true });
            const partial = `${cached}.${process.pid}.tmp`;
            fs.writeFileSync(partial, output);
            fs.renameSync(partial, cached); // atomic: parallel children never read half a file
        } catch {
            // A read-only tree still works, uncached.
        }
        return output;
    }
}

require.extensions[".ts"] = (module, filename) => {
    module._compile(compiled(filename), filename);
};
