/**
 * The program loads from a production install: package.json and the lockfile installed with
 * `npm ci --omit=dev` into a temporary copy of the program (index.ts, components/, Pulumi.yaml,
 * tsconfig.json), then run the way `pulumi up` runs it: `node @pulumi/pulumi/cmd/run --monitor ...
 * .` with PULUMI_NODEJS_TYPESCRIPT=true and the stack's config in PULUMI_CONFIG, as
 * pulumi-language-nodejs starts it (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go,
 * execNodejs and constructArguments). So @pulumi/pulumi's own cmd/run/run.js finds typescript and
 * ts-node in that install and type-checks the program with them, as on a user's machine. Pulumi's
 * mocks (preloaded with node -r) stand in for the engine; no CLI, no providers.
 *
 * tests/unit/runtime-dependencies.test.ts checks the import graph against package.json; this
 * proves it with npm and Pulumi's loader. npm reads its cache first (--prefer-offline): after the
 * project's own `npm ci` nothing is downloaded. About 15 s for the install, 15 s per stack.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT, PROJECT_ROOT, readStackConfig } from "../../tools/render";

jest.setTimeout(600_000);

const STACKS: Record<string, Record<string, string>> = {
    prod: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
    scale: { neo4jPassword: "scale-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
};

/** Packages only the tools, the tests or the policy pack use: a production install has none of them. */
const TOOL_ONLY = ["jest", "ts-jest", "@types/jest", "pulumi", "yaml", "neo4j-driver", "vega", "vega-lite", "kubernetes-models", "@pulumi/policy", "ollama", "@kubernetes/client-node"];

/**
 * Preloaded before Pulumi's entry point: Pulumi's mocks as the engine (tools/mock-state.ts's
 * states, transpiled next to it), counting what registers. Config comes from PULUMI_CONFIG.
 */
const PRELOAD = `"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const settings = require("@pulumi/pulumi/runtime/settings");
const { mockCall, mockId, mockState } = require("./mock-state.js");
let registered = 0;
pulumi.runtime.setMocks({
    newResource: (a) => { registered++; return { id: a.custom === false ? undefined : mockId(a.type, a.name), state: { ...a.inputs, ...mockState(a.type, a.name, a.inputs) } }; },
    call: (a) => mockCall(a.token, a.inputs),
}, process.env.RAG_STACK_MOCK_PROJECT, process.env.RAG_STACK_MOCK_STACK, false);
// The mock monitor has no shutdown call; the entry point asks for one after the program.
settings.getMonitor().signalAndWaitForShutdown = (_req, callback) => callback(null, {});
process.on("exit", (code) => fs.writeFileSync(process.env.RAG_STACK_REGISTERED_FILE, JSON.stringify({ code, registered })));
`;

let dir: string;
let installMs = 0;

function run(cmd: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
        child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
    });
}

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-omit-dev-"));
    for (const file of ["package.json", "package-lock.json", "tsconfig.json", "Pulumi.yaml", "index.ts"]) fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
    fs.cpSync(path.join(PROJECT_ROOT, "components"), path.join(dir, "components"), { recursive: true });
    const install = await run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: dir, timeoutMs: 300_000 });
    if (install.code !== 0) throw new Error(`npm ci --omit=dev failed (exit ${install.code}):\n${install.stderr}`);
    installMs = install.ms;
    const mockState = ts.transpileModule(fs.readFileSync(path.join(PROJECT_ROOT, "tools", "mock-state.ts"), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
    }).outputText;
    fs.writeFileSync(path.join(dir, "mock-state.js"), mockState);
    fs.writeFileSync(path.join(dir, "mocks.js"), PRELOAD);
});

afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("npm ci --omit=dev installs what the program and Pulumi's loader need, and none of the tools' packages", () => {
    const installed = (name: string) => fs.existsSync(path.join(dir, "node_modules", name, "package.json"));
    for (const name of ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/digitalocean", "@pulumi/kubernetes", "@pulumi/command", "ipaddr.js", "typescript", "ts-node", "@types/node"]) {
        expect([name, installed(name)]).toEqual([name, true]);
    }
    for (const name of TOOL_ONLY) expect([name, installed(name)]).toEqual([name, false]);
    process.stdout.write(`rag-stack: npm ci --omit=dev took ${(installMs / 1000).toFixed(1)} s\n`);
});

test.each(Object.keys(STACKS))("the %s stack loads and registers its resources through Pulumi's own TypeScript loader", async (stack) => {
    const { config, secretKeys } = readStackConfig({ stack, secrets: STACKS[stack] });
    // As pulumi-language-nodejs passes it: "<namespace>:config:<key>" (constructConfig).
    const engineConfig = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^([^:]+):/, "$1:config:"), v]));
    const registeredFile = path.join(dir, `registered-${stack}.json`);
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_NODEJS_TYPESCRIPT: "true",
        PULUMI_CONFIG: JSON.stringify(engineConfig),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys),
        RAG_STACK_MOCK_PROJECT: PROJECT,
        RAG_STACK_MOCK_STACK: stack,
        RAG_STACK_REGISTERED_FILE: registeredFile,
    };
    for (const key of Object.keys(env)) if (key.startsWith("PULUMI_NODEJS_TRANSPILE") || key === "TS_NODE_TRANSPILE_ONLY") delete env[key];
    const r = await run(process.execPath, ["-r", "./mocks.js", "node_modules/@pulumi/pulumi/cmd/run", "--monitor", "mock", "--project", PROJECT, "--stack", stack, "--pwd", dir, "."],
        { cwd: dir, env, timeoutMs: 240_000 });
    process.stdout.write(`rag-stack: ${stack} through @pulumi/pulumi/cmd/run from the production install: ${(r.ms / 1000).toFixed(1)} s\n`);
    expect({ code: r.code, errors: r.stderr.split("\n").filter((l) => /error/i.test(l)) }).toEqual({ code: 0, errors: [] });
    const { registered } = JSON.parse(fs.readFileSync(registeredFile, "utf8")) as { registered: number };
    expect(registered).toBeGreaterThan(20);
});

test("the harness notices a program that needs a package the install left out", async () => {
    // A component that imports a devDependency, as a tool-only import slipping into components/ would.
    const probe = path.join(dir, "components", "needs-a-tool.ts");
    fs.writeFileSync(probe, 'import { parse } from "yaml";\nexport const parsed = parse("a: 1");\n');
    fs.writeFileSync(path.join(dir, "probe.ts"), 'import "./components/needs-a-tool";\n');
    const r = await run(process.execPath, ["-e", "require('ts-node').register({ transpileOnly: true }); require('./probe.ts');"], { cwd: dir, timeoutMs: 60_000 });
    fs.rmSync(probe);
    fs.rmSync(path.join(dir, "probe.ts"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Cannot find module 'yaml'");
});
