/**
 * tools/ts-cached-register.js, the TypeScript hook of child renders, `npm run plan` and `npm run
 * verify`: the output equals TypeScript's transpile of the file, and a second process reads it from
 * the cache without loading TypeScript at all (that is the time it saves). Real processes, with the
 * cache in a temp copy so the project's cache is not touched.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
let dir: string;

beforeAll(() => {
    // A tiny project beside a symlinked node_modules, so its cache directory is ours alone.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-ts-register-"));
    fs.mkdirSync(path.join(dir, "tools"));
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(path.join(ROOT, "node_modules", "typescript"), path.join(dir, "node_modules", "typescript"));
    fs.copyFileSync(path.join(ROOT, "tools", "ts-cached-register.js"), path.join(dir, "tools", "ts-cached-register.js"));
    fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.writeFileSync(path.join(dir, "hello.ts"), 'const who: string = "cache";\nexport const greeting = `hello ${who}`;\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(): { greeting: string; typescriptLoaded: boolean } {
    const script = 'const g = require("./hello.ts").greeting; const ts = Object.keys(require.cache).some((k) => k.endsWith("typescript.js"));' +
        " console.log(JSON.stringify({ greeting: g, typescriptLoaded: ts }));";
    const r = spawnSync(process.execPath, ["-r", "./tools/ts-cached-register.js", "-e", script], { cwd: dir, encoding: "utf8", timeout: 60000 });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as { greeting: string; typescriptLoaded: boolean };
}

test("the first process transpiles (loading TypeScript) and caches; the second only reads the cache", () => {
    expect(run()).toEqual({ greeting: "hello cache", typescriptLoaded: true });
    const cached = fs.readdirSync(path.join(dir, "node_modules", ".cache", "rag-stack-ts"));
    expect(cached).toHaveLength(1);
    expect(run()).toEqual({ greeting: "hello cache", typescriptLoaded: false });
});

test("a changed source is transpiled again, not served stale", () => {
    fs.writeFileSync(path.join(dir, "hello.ts"), 'export const greeting: string = "changed";\n');
    expect(run()).toEqual({ greeting: "changed", typescriptLoaded: true });
});
