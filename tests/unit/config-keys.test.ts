/**
 * Nothing silently ignored: keys of the namespace nothing reads (typos, a key set without --path)
 * are refused; keys without effect in the current placement are warned about; two services on one
 * host port are refused; accelerator metal off a Mac is refused. loadProfile is called directly on
 * the config map Pulumi gives the program (pulumi.runtime.allConfig), several times in one file.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadProfile, parseProfile, RawConfig, RawSecrets } from "../../components/config";
import { hostPortClashes } from "../../components/validation/host-ports";
import { ineffectiveKeyWarnings } from "../../components/validation/placement";
import { metalPlatformProblem, renderAsPlatform } from "../../components/validation/platform";
import { closestKey, unknownKeyProblems } from "../../components/validation/unknown-keys";

const KNOWN = ["ollama", "host", "docker", "services", "digitalocean", "neo4jPassword", "digitaloceanToken"];
const KNOWN_TEXT = KNOWN.join(", ");

describe("unknown keys of the rag-stack namespace", () => {
    test.each([
        ["rag-stack:ollma", '{"mode":"container"}', 'rag-stack:ollma: {"mode":"container"} is not allowed; rag-stack:ollma is not a setting of this project (did you mean rag-stack:ollama?); known: ' + KNOWN_TEXT],
        ["rag-stack:servics", '{"backend":{}}', 'rag-stack:servics: {"backend":{}} is not allowed; rag-stack:servics is not a setting of this project (did you mean rag-stack:services?); known: ' + KNOWN_TEXT],
        ["rag-stack:digitalOcean", "{}", "(did you mean rag-stack:digitalocean?)"],
        ["rag-stack:neo4jPasword", "x", "(did you mean rag-stack:neo4jPassword?)"],
        ["rag-stack:frobnicate", "1", "rag-stack:frobnicate: 1 is not allowed; rag-stack:frobnicate is not a setting of this project; known: " + KNOWN_TEXT],
    ])("%s is refused with a did-you-mean hint", (key, value, message) => {
        const problems = unknownKeyProblems("rag-stack", { [key]: value, "rag-stack:ollama": "{}" }, KNOWN);
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(message);
    });
    test("the literal key left by `pulumi config set ollama.mode container` (no --path) names the --path form", () => {
        expect(unknownKeyProblems("rag-stack", { "rag-stack:ollama.mode": "container" }, KNOWN)).toEqual([
            'rag-stack:ollama.mode: "container" is not allowed; it is a literal key with a dot, left by `pulumi config set ollama.mode ...` without --path, and nothing reads it. ' +
                "Run: pulumi config rm ollama.mode && pulumi config set --path ollama.mode <value>",
        ]);
        // A typo in the top-level part too: the --path form names the real key.
        expect(unknownKeyProblems("rag-stack", { "rag-stack:servics.backend.port": "8001" }, KNOWN)[0])
            .toContain("Run: pulumi config rm servics.backend.port && pulumi config set --path services.backend.port <value>");
    });
    test("secret values are never shown; other namespaces are left alone; known keys pass", () => {
        expect(unknownKeyProblems("rag-stack", { "rag-stack:neo4jPasswrd": "hunter2-secret" }, KNOWN, ["rag-stack:neo4jPasswrd"])[0])
            .toMatch(/^rag-stack:neo4jPasswrd: \[secret\] is not allowed/);
        expect(unknownKeyProblems("rag-stack", { "digitalocean:token": "x", "pulumi:tags": "{}", "rag-stack:services": "{}" }, KNOWN)).toEqual([]);
    });
    test("closestKey: case, one or two edits; nothing for unrelated words", () => {
        expect(closestKey("OLLAMA", KNOWN)).toBe("ollama");
        expect(closestKey("dokcer", KNOWN)).toBe("docker");
        expect(closestKey("zzz", KNOWN)).toBeUndefined();
    });
});

describe("keys without effect in the current placement are warned about", () => {
    test("container placement: the native keys are named", () => {
        expect(ineffectiveKeyWarnings("rag-stack", { mode: "container", provider: "local" }, ["mode", "bindAddress", "binary", "adoptExisting", "stateDir", "modelsDir"])).toEqual([
            'rag-stack:ollama.bindAddress has no effect with rag-stack:ollama.mode "container" (it sets the native server\'s listen address; a container listens inside its own network); it applies again if you switch back to mode: native',
            'rag-stack:ollama.binary has no effect with rag-stack:ollama.mode "container" (it sets the ollama executable the native server runs); it applies again if you switch back to mode: native',
            'rag-stack:ollama.adoptExisting has no effect with rag-stack:ollama.mode "container" (it sets adopting an Ollama already running on this machine); it applies again if you switch back to mode: native',
            'rag-stack:ollama.stateDir has no effect with rag-stack:ollama.mode "container" (it sets the native server\'s pidfile and log directory); it applies again if you switch back to mode: native',
        ]);
        expect(ineffectiveKeyWarnings("rag-stack", { mode: "container", provider: "digitalocean" }, ["modelsDir"])).toEqual([
            'rag-stack:ollama.modelsDir has no effect with rag-stack:host.provider "digitalocean" (a directory on this machine cannot back a remote engine\'s model store)',
        ]);
    });
    test("native placement: image is named; keys that apply are not", () => {
        expect(ineffectiveKeyWarnings("rag-stack", { mode: "native", provider: "local" }, ["image", "bindAddress", "modelsDir"])).toEqual([
            'rag-stack:ollama.image has no effect with rag-stack:ollama.mode "native" (the native server runs the installed ollama); it applies again if you switch to mode: container',
        ]);
        expect(ineffectiveKeyWarnings("rag-stack", { mode: "container", provider: "local" }, ["image", "modelsDir", "port"])).toEqual([]);
    });
});

describe("host-port clashes between services", () => {
    const password: RawSecrets = { neo4jPassword: { value: pulumi.output("pw-123456"), isSecret: true } };
    const devRaw = (services: Record<string, unknown>, ollama: Record<string, unknown> = {}): RawConfig => ({
        ollama: { mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal", ...ollama },
        services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" }, ...services },
    });
    const problemsOf = (raw: RawConfig): string[] => {
        try {
            parseProfile("dev", raw, password, {});
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return err.problems;
        }
        return [];
    };
    test("frontend on the backend's port", () => {
        expect(problemsOf(devRaw({ frontend: { image: "rag-frontend:dev", hostPort: 8000 } }))).toEqual([
            "rag-stack:services.frontend.hostPort: 8000 is not allowed; rag-stack:services.backend.hostPort already takes host port 8000. Give each service its own port",
        ]);
    });
    test("Neo4j bolt and http on Ollama's port (native, and a local container publishing on loopback)", () => {
        expect(problemsOf(devRaw({ neo4j: { boltPort: 11434 } }))).toEqual([
            "rag-stack:services.neo4j.boltPort: 11434 is not allowed; rag-stack:ollama.port already takes host port 11434. Give each service its own port",
        ]);
        expect(problemsOf(devRaw({ neo4j: { httpPort: 7000 } }, { mode: "container", accelerator: "cpu", port: 7000 }))).toEqual([
            "rag-stack:services.neo4j.httpPort: 7000 is not allowed; rag-stack:ollama.port already takes host port 7000. Give each service its own port",
        ]);
    });
    test("bolt and http on one port; distinct ports pass", () => {
        expect(hostPortClashes([{ key: "a", port: 1 }, { key: "b", port: 2 }, { key: "c", port: 1 }])).toEqual([
            "c: 1 is not allowed; a already takes host port 1. Give each service its own port",
        ]);
        expect(problemsOf(devRaw({ neo4j: { boltPort: 7000, httpPort: 7000 } }))).toEqual([
            "rag-stack:services.neo4j.httpPort: 7000 is not allowed; rag-stack:services.neo4j.boltPort already takes host port 7000. Give each service its own port",
        ]);
        expect(problemsOf(devRaw({ backend: { image: "rag-backend:dev", hostPort: 8080 }, frontend: { image: "rag-frontend:dev", hostPort: 8081 } }))).toEqual([]);
    });
});

describe("accelerator metal and the machine's platform", () => {
    test("refused on Linux and Windows with the reason; fine on macOS and for other accelerators", () => {
        expect(metalPlatformProblem("rag-stack", "metal", "linux")).toBe(
            'rag-stack:ollama.accelerator: "metal" is not allowed on this machine (linux); Metal is Apple\'s GPU API and exists only on macOS, ' +
                "so Ollama would run on the CPU and the GPU check would fail after the model download. Run this stack from the Mac, or use accelerator: nvidia or cpu here");
        expect(metalPlatformProblem("rag-stack", "metal", "win32")).toContain("(win32)");
        expect(metalPlatformProblem("rag-stack", "metal", "darwin")).toBeUndefined();
        expect(metalPlatformProblem("rag-stack", "nvidia", "linux")).toBeUndefined();
    });
});

describe("loadProfile sees every key Pulumi passes and warns through pulumi.log", () => {
    const base = {
        "rag-stack:ollama": JSON.stringify({ mode: "native", model: "qwen2.5:7b-instruct-q8_0", accelerator: "metal" }),
        "rag-stack:neo4jPassword": "pw-123456",
    };
    beforeAll(async () => {
        await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "rag-stack", "dev", false);
    });
    afterEach(() => renderAsPlatform(undefined));
    const load = (config: Record<string, string>, platform: NodeJS.Platform): { problems: string[]; warnings: string[] } => {
        pulumi.runtime.setAllConfig(config, ["rag-stack:neo4jPassword"]);
        renderAsPlatform(platform);
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        try {
            loadProfile();
            return { problems: [], warnings: warn.mock.calls.map((c) => String(c[0])) };
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            return { problems: err.problems, warnings: [] };
        } finally {
            warn.mockRestore();
        }
    };
    test("a clean dev config on a Mac loads with no warning", () => {
        expect(load(base, "darwin")).toEqual({ problems: [], warnings: [] });
    });
    test("the literal key from `pulumi config set ollama.mode container` is refused, with the value", () => {
        expect(load({ ...base, "rag-stack:ollama.mode": "container" }, "darwin").problems).toEqual([
            'rag-stack:ollama.mode: "container" is not allowed; it is a literal key with a dot, left by `pulumi config set ollama.mode ...` without --path, and nothing reads it. ' +
                "Run: pulumi config rm ollama.mode && pulumi config set --path ollama.mode <value>",
        ]);
    });
    test("unknown keys come first, with every other problem at once", () => {
        const config = { ...base, "rag-stack:ollma": "{}", "rag-stack:ollama": JSON.stringify({ mode: "native", model: "bad", accelerator: "metal" }) };
        const { problems } = load(config, "linux");
        expect(problems.map((p) => p.slice(0, p.indexOf(":", 10)))).toEqual(["rag-stack:ollma", "rag-stack:ollama.accelerator", "rag-stack:ollama.model"]);
    });
    test("a key without effect is warned about by name", () => {
        const config = { ...base, "rag-stack:ollama": JSON.stringify({ mode: "container", model: "qwen2.5:7b-instruct-q8_0", accelerator: "cpu", bindAddress: "127.0.0.1" }) };
        expect(load(config, "linux")).toEqual({
            problems: [],
            warnings: ['rag-stack:ollama.bindAddress has no effect with rag-stack:ollama.mode "container" (it sets the native server\'s listen address; a container listens inside its own network); it applies again if you switch back to mode: native'],
        });
    });
    test("metal on Linux is refused in a real run's loadProfile (platform from process.platform unless a render says otherwise)", () => {
        expect(load(base, "linux").problems).toEqual([expect.stringContaining('rag-stack:ollama.accelerator: "metal" is not allowed on this machine (linux)')]);
    });
});
