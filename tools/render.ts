/**
 * Renders the real program (index.ts) with a real stack file under Pulumi's official mocks: no
 * CLI, no credentials, no providers. Records every registered resource with its resolved inputs
 * and its options as the engine would receive them (parent, dependencies, provider, protect...).
 *
 * Used by the unit tests and by `npm run plan`. One render per module registry: Pulumi's runtime
 * state is global, so jest renders once per test file and the plan tool once per process.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { inventedValues, mockCall, mockId, mockState } from "./mock-state";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** The require hook child processes load to run TypeScript (see tools/ts-cached-register.js). */
export const TS_REGISTER = path.join(PROJECT_ROOT, "tools", "ts-cached-register.js");
export const PROJECT = "rag-stack";

export interface RenderedResource {
    /** Type token, e.g. `docker:index/container:Container`. */
    type: string;
    /** Logical name. */
    name: string;
    urn: string;
    /** URN of the parent resource, undefined for top-level resources. */
    parent?: string;
    /** True for provider-managed resources, false for components. */
    custom: boolean;
    /** Inputs as the provider would receive them, secrets unwrapped (see `secretPaths`). */
    inputs: Record<string, unknown>;
    /** Dotted paths into `inputs` whose values are secrets (e.g. `envs`). */
    secretPaths: string[];
    /** URNs this resource depends on explicitly or through its inputs. */
    dependencies: string[];
    /** Per input property, the URNs its value came from (what the engine diffs against a replaced dependency). */
    propertyDependencies?: Record<string, string[]>;
    /** Provider reference (`urn::id`), when one was given explicitly. */
    provider?: string;
    protect: boolean;
    deleteBeforeReplace: boolean;
    /** Input paths whose change replaces the resource (`*`: any change). */
    replaceOnChanges: string[];
    /** Input paths whose changes the engine ignores (the old value is sent). */
    ignoreChanges?: string[];
    /** The customTimeouts option, as the engine passes it to the provider (Go durations: `10m`, `45m`). */
    customTimeouts?: { create?: string; update?: string; delete?: string };
    retainOnDelete: boolean;
    /** URNs whose replacement replaces this resource too. */
    replaceWith: string[];
    /** URN of the resource whose deletion makes deleting this one unnecessary. */
    deletedWith?: string;
    /** Provider id of an existing resource to adopt (the `import` option). */
    importId?: string;
}

/** A provider function the program called (an invoke), with its arguments. */
export interface RenderedInvoke {
    token: string;
    args: Record<string, unknown>;
}

export interface RenderOptions {
    /** Stack name: the file Pulumi.<stack>.yaml is read. */
    stack: string;
    /** Config overrides by dotted path inside the project namespace, e.g. `{ "ollama.mode": "container" }`. */
    overrides?: Record<string, unknown>;
    /** Values for secret keys (`secure:` entries cannot be decrypted without the CLI). */
    secrets?: Record<string, string>;
    /** Keys to remove from the config before rendering (e.g. `neo4jPassword`). */
    unset?: string[];
    /** Treat these keys as plain (not secret) config values. */
    plainKeys?: string[];
    /** Directory holding the stack files and index.ts (the project root by default). */
    projectDir?: string;
    /**
     * The OS the program is told it deploys from (components/validation/platform.ts). Default
     * `darwin`: the dev stack is a Mac's (native Ollama on Metal) and renders as on that Mac on any
     * machine; pass `linux` to see what a real run there says.
     */
    platform?: NodeJS.Platform;
    /**
     * Results of provider functions that replace the mocks' own (tools/mock-state.ts) for this render,
     * by token: what an account that already holds something answers. A function that throws makes
     * the invoke fail, as a provider's error does.
     */
    invokes?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
    /**
     * The render of the state before this `up`: a resource with `ignoreChanges` then gets the previous
     * inputs for those properties, as the engine sends the provider (pulumi/pulumi v3.248.0
     * pkg/resource/deploy/step_generator.go processIgnoreChanges: the ignored inputs are reset to the
     * old ones whenever the resource exists), so its outputs, and what depends on them, are the old ones.
     * Top-level properties only.
     */
    previous?: RenderResult;
}

export interface RenderResult {
    stack: string;
    resources: RenderedResource[];
    /** The program's stack outputs, resolved; secret ones listed in `secretOutputs`. */
    outputs: Record<string, unknown>;
    secretOutputs: string[];
    /** Values only the mocks invent (ids, addresses, digests): a real deployment has others. Sorted. */
    invented: string[];
    /** Provider functions the program called, in order (they run at every preview and `up`). */
    invokes?: RenderedInvoke[];
}

/** Placeholder rendered for secret config whose value the test or tool did not provide. */
export const PLACEHOLDER_SECRET = "rendered-secret-placeholder";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type RegisterRequest = {
    getType(): string; getName(): string; getParent(): string; getCustom(): boolean;
    getDependenciesList(): string[]; getProvider(): string; getProtect(): boolean;
    getDeletebeforereplace(): boolean; getRetainondelete(): boolean; getReplaceonchangesList(): string[];
    getIgnorechangesList(): string[];
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getReplaceWithList(): string[]; getDeletedwith(): string; getImportid(): string;
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
    getObject(): ProtoStruct | undefined; setObject(value: ProtoStruct): void;
};
type ProtoStruct = { toJavaScript(): Record<string, unknown> };
type StructClass = { fromJavaScript(value: Record<string, unknown>): ProtoStruct };
type Monitor = { registerResource(req: RegisterRequest, cb: (err: unknown, res: unknown) => void): Promise<void> };
type RuntimeInternals = { getMonitor(): Monitor | undefined; waitForRPCs(): Promise<void> };

/** A registration's custom timeouts, only the ones set; undefined when none is. */
function customTimeoutsOf(req: RegisterRequest): RenderedResource["customTimeouts"] {
    const t = req.getCustomtimeouts();
    const set = Object.entries({ create: t?.getCreate(), update: t?.getUpdate(), delete: t?.getDelete() }).filter(([, v]) => v);
    return set.length > 0 ? Object.fromEntries(set) : undefined;
}

/** Reads the stack file's config into Pulumi's flat `project:key -> string` form. */
export function readStackConfig(options: RenderOptions): { config: Record<string, string>; secretKeys: string[] } {
    const dir = options.projectDir ?? PROJECT_ROOT;
    const file = path.join(dir, `Pulumi.${options.stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`No stack file ${file}; stacks here: ${fs.readdirSync(dir).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).join(", ")}`);
    }
    const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const raw: Record<string, unknown> = { ...(doc.config ?? {}) };
    const secretKeys = new Set<string>();
    for (const [key, value] of Object.entries(raw)) {
        if (value && typeof value === "object" && "secure" in (value as object)) {
            secretKeys.add(key);
            const short = key.replace(`${PROJECT}:`, "");
            raw[key] = options.secrets?.[short] ?? PLACEHOLDER_SECRET;
        }
    }
    for (const [short, value] of Object.entries(options.secrets ?? {})) {
        const key = `${PROJECT}:${short}`;
        raw[key] = value;
        if (!options.plainKeys?.includes(short)) secretKeys.add(key);
    }
    for (const short of options.unset ?? []) {
        delete raw[`${PROJECT}:${short}`];
        secretKeys.delete(`${PROJECT}:${short}`);
    }
    for (const [dotted, value] of Object.entries(options.overrides ?? {})) {
        const [top, ...rest] = dotted.split(".");
        const key = `${PROJECT}:${top}`;
        if (rest.length === 0) {
            raw[key] = value;
            continue;
        }
        const root = (raw[key] && typeof raw[key] === "object" ? structuredClone(raw[key]) : {}) as Record<string, unknown>;
        let node = root;
        for (const part of rest.slice(0, -1)) {
            if (!node[part] || typeof node[part] !== "object") node[part] = {};
            node = node[part] as Record<string, unknown>;
        }
        node[rest[rest.length - 1]] = value;
        raw[key] = root;
    }
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { config, secretKeys: [...secretKeys] };
}

/** Replaces Pulumi's secret wrappers by their values and records where they were. */
function unwrapSecrets(value: unknown, at: string, paths: string[]): unknown {
    if (Array.isArray(value)) {
        return value.map((v, i) => unwrapSecrets(v, at ? `${at}.${i}` : String(i), paths));
    }
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            paths.push(at);
            return unwrapSecrets(obj.value, at, []);
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) out[k] = unwrapSecrets(v, at ? `${at}.${k}` : k, paths);
        return out;
    }
    return value;
}

async function resolveOutput(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as pulumi.Output<unknown>;
        const [resolved, secret] = await Promise.all([
            new Promise<unknown>((resolve) => o.apply((v) => { resolve(v); return v; })),
            pulumi.isSecret(o),
        ]);
        const inner = await resolveOutput(resolved);
        return { value: inner.value, secret: secret || inner.secret };
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = await resolveOutput(v);
            out[k] = r.value;
            secret = secret || r.secret;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}

/**
 * Renders the stack. Must be called once per module registry (jest test file or process): it
 * sets Pulumi's global mock runtime and imports index.ts.
 */
export async function renderStack(options: RenderOptions): Promise<RenderResult> {
    const { config, secretKeys } = readStackConfig(options);
    pulumi.runtime.setAllConfig(config, secretKeys);

    const resources: RenderedResource[] = [];
    const invokes: RenderedInvoke[] = [];
    const invented = new Set<string>();
    await pulumi.runtime.setMocks({
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
            const id = args.custom === false ? undefined : mockId(args.type, args.name);
            for (const value of inventedValues(id, args.type, args.name, args.inputs)) invented.add(value);
            return { id, state: { ...args.inputs, ...mockState(args.type, args.name, args.inputs) } };
        },
        call: (args: pulumi.runtime.MockCallArgs) => {
            invokes.push({ token: args.token, args: args.inputs as Record<string, unknown> });
            return options.invokes?.[args.token]?.(args.inputs) ?? mockCall(args.token, args.inputs);
        },
    }, PROJECT, options.stack, false);

    const internals = pulumi.runtime as unknown as RuntimeInternals;
    const settings = require("@pulumi/pulumi/runtime/settings") as RuntimeInternals;
    const monitor = (internals.getMonitor ?? settings.getMonitor)();
    if (!monitor) throw new Error("Pulumi mocks did not install a monitor");
    const register = monitor.registerResource.bind(monitor);
    const requests = new Map<string, RegisterRequest>();
    monitor.registerResource = async (req, cb) => {
        if (options.previous) applyIgnoreChanges(req, options.previous);
        const dependencies = new Set(req.getDependenciesList());
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((v, key) => {
            propertyDependencies[key] = v.getUrnsList();
            v.getUrnsList().forEach((u) => dependencies.add(u));
        });
        return register(req, (err, res) => {
            if (!err && res) {
                const urn = (res as { getUrn(): string }).getUrn();
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn,
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    inputs: {},
                    secretPaths: [],
                    dependencies: [...dependencies],
                    propertyDependencies,
                    provider: req.getProvider() || undefined,
                    protect: Boolean(req.getProtect()),
                    deleteBeforeReplace: Boolean(req.getDeletebeforereplace()),
                    replaceOnChanges: req.getReplaceonchangesList(),
                    ignoreChanges: req.getIgnorechangesList(),
                    customTimeouts: customTimeoutsOf(req),
                    retainOnDelete: Boolean(req.getRetainondelete()),
                    replaceWith: req.getReplaceWithList(),
                    deletedWith: req.getDeletedwith() || undefined,
                    importId: req.getImportid() || undefined,
                });
                requests.set(urn, req);
            }
            cb(err, res);
        });
    };

    const projectDir = options.projectDir ?? PROJECT_ROOT;
    const platform = require(path.join(projectDir, "components", "validation", "platform")) as typeof import("../components/validation/platform");
    platform.renderAsPlatform(options.platform ?? "darwin");
    const program = (await import(path.join(projectDir, "index"))) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(program)) {
        if (key === "__esModule") continue;
        const r = await resolveOutput(value);
        outputs[key] = r.value;
        if (r.secret) secretOutputs.push(key);
    }
    await settings.waitForRPCs();

    const rpc = require("@pulumi/pulumi/runtime/rpc") as { deserializeProperties(s: unknown): Record<string, unknown> };
    for (const resource of resources) {
        const req = requests.get(resource.urn) as unknown as { getObject(): unknown };
        const paths: string[] = [];
        resource.inputs = unwrapSecrets(rpc.deserializeProperties(req.getObject()), "", paths) as Record<string, unknown>;
        resource.secretPaths = paths;
    }
    return { stack: options.stack, resources, outputs, secretOutputs, invented: [...invented].sort(), invokes };
}

/** The engine's ignoreChanges: the ignored top-level inputs of a resource in `previous` get their old values (or none). */
function applyIgnoreChanges(req: RegisterRequest, previous: RenderResult): void {
    const ignored = req.getIgnorechangesList();
    const object = req.getObject();
    if (ignored.length === 0 || !object) return;
    const prior = previous.resources.find((r) => r.type === req.getType() && r.name === req.getName() && (r.parent ?? "") === req.getParent());
    if (!prior) return;
    const inputs = object.toJavaScript();
    for (const key of ignored) {
        if (key in prior.inputs) inputs[key] = prior.inputs[key];
        else delete inputs[key];
    }
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js") as { Struct: StructClass };
    req.setObject(Struct.fromJavaScript(inputs));
}

/** Small query helpers over a render, for tests and tools. */
export class Rendered {
    constructor(public readonly result: RenderResult) {}

    ofType(type: string): RenderedResource[] {
        return this.result.resources.filter((r) => r.type === type);
    }

    named(name: string, type?: string): RenderedResource {
        const found = this.result.resources.filter((r) => r.name === name && (!type || r.type === type));
        if (found.length !== 1) {
            throw new Error(`expected one resource named ${name}${type ? ` of type ${type}` : ""}, found ${found.length}: ` +
                this.result.resources.map((r) => `${r.type}::${r.name}`).join(", "));
        }
        return found[0];
    }

    maybeNamed(name: string, type?: string): RenderedResource | undefined {
        return this.result.resources.find((r) => r.name === name && (!type || r.type === type));
    }

    byUrn(urn: string): RenderedResource | undefined {
        return this.result.resources.find((r) => r.urn === urn);
    }

    /** True when `resource` depends on `other`, directly or through its parents' dependencies. */
    dependsOn(resource: RenderedResource, other: RenderedResource): boolean {
        const seen = new Set<string>();
        const walk = (r: RenderedResource | undefined): boolean => {
            if (!r || seen.has(r.urn)) return false;
            seen.add(r.urn);
            if (r.dependencies.includes(other.urn)) return true;
            // A dependency on a component means a dependency on all its children.
            for (const dep of r.dependencies) {
                if (this.isAncestor(dep, other)) return true;
                if (walk(this.byUrn(dep))) return true;
            }
            return false;
        };
        return walk(resource);
    }

    private isAncestor(ancestorUrn: string, r: RenderedResource): boolean {
        let current: RenderedResource | undefined = r;
        while (current?.parent) {
            if (current.parent === ancestorUrn) return true;
            current = this.byUrn(current.parent);
        }
        return false;
    }
}

/**
 * Renders in a fresh Node process, for callers that need more than one render (Pulumi's runtime
 * is global to a process). Synchronous: a render takes about a second.
 */
export function renderStackInChildProcess(options: RenderOptions): RenderResult {
    const { execFileSync } = require("child_process") as typeof import("child_process");
    // tools/ts-cached-register.js: transpile-only with an on-disk cache (about 2 s of CPU less per child than ts-node).
    const stdout = execFileSync(process.execPath, ["-r", TS_REGISTER, __filename, JSON.stringify(options)], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout) as RenderResult;
}

if (require.main === module) {
    renderStack(JSON.parse(process.argv[2] ?? "{}") as RenderOptions)
        .then((result) => process.stdout.write(JSON.stringify(result)))
        .catch((err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        });
}
