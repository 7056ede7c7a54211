/**
 * dev, rendered from the real Pulumi.dev.yaml: Ollama native on the Mac, the app in the local
 * Docker engine reaching it through host.docker.internal.
 */
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER, dockerLifecycleProblems, envOf, hostsOf, LOCAL_COMMAND, networksOf, portsOf } from "./support/containers";
import { goDuration, STOP_GRACE_SECONDS } from "../../components/container-options";
import { BACKEND_STACK_VARIABLES, RESERVED_BACKEND_VARIABLES } from "../../components/app/backend-env";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" } }));
});

test("no Ollama container: Ollama is not in Docker", () => {
    const names = r.ofType(CONTAINER).map((c) => c.name);
    expect(names.sort()).toEqual(["app-backend", "app-frontend", "app-neo4j"]);
    expect(r.ofType("docker:index/volume:Volume").map((v) => v.name)).toEqual(["app-neo4j-data"]);
});

test("a command resource starts Ollama on the host with OLLAMA_HOST, OLLAMA_ORIGINS, OLLAMA_MODELS, OLLAMA_KEEP_ALIVE", () => {
    const starters = r.ofType(LOCAL_COMMAND).filter((c) => {
        const env = (c.inputs.environment ?? {}) as Record<string, string>;
        return "OLLAMA_HOST" in env;
    });
    expect(starters).toHaveLength(1);
    const env = starters[0].inputs.environment as Record<string, string>;
    expect(env.OLLAMA_HOST).toMatch(/:11434$/);
    expect(env.OLLAMA_HOST).not.toMatch(/^0\.0\.0\.0/);
    expect(env.OLLAMA_ORIGINS).toBe("http://localhost:3000");
    expect(env.OLLAMA_KEEP_ALIVE).toBe("24h");
    expect(env.OLLAMA_MODELS).toMatch(/\/\.ollama\/models$/);
    expect(String(starters[0].inputs.create)).toMatch(/^sh components\/ollama\/scripts\/\S+\.sh/);
    expect(starters[0].inputs.delete).toBeDefined();
});

test("backend gets OLLAMA_BASE_URL=http://host.docker.internal:11434 and the host-gateway mapping", () => {
    const backend = r.named("app-backend", CONTAINER);
    expect(envOf(backend).OLLAMA_BASE_URL).toBe("http://host.docker.internal:11434");
    expect(envOf(backend).OLLAMA_MODEL).toBe("qwen2.5:7b-instruct-q8_0");
    expect(hostsOf(backend)).toEqual([{ host: "host.docker.internal", ip: "host-gateway" }]);
});

test("the backend's own variables are exactly the shared list config validation refuses in services.backend.env, in its order", () => {
    const names = (r.named("app-backend", CONTAINER).inputs.envs as string[]).map((e) => e.slice(0, e.indexOf("=")));
    expect(names).toEqual([...BACKEND_STACK_VARIABLES]);
    expect(RESERVED_BACKEND_VARIABLES).toEqual(expect.arrayContaining(names));
});

test("backend waits for the native Ollama (server and model) and Neo4j", () => {
    const backend = r.named("app-backend", CONTAINER);
    for (const command of r.ofType(LOCAL_COMMAND)) {
        expect(r.dependsOn(backend, command)).toBe(true);
    }
    expect(r.dependsOn(backend, r.named("app-neo4j", CONTAINER))).toBe(true);
});

test("no backup before a new Neo4j image on dev (docs/backups.md: npm run backup first): Neo4j waits for the password sync only", () => {
    expect(r.maybeNamed("app-neo4j-pre-upgrade-backup")).toBeUndefined();
    const neo4j = r.named("app-neo4j", CONTAINER);
    const commands = neo4j.dependencies.map((u) => r.byUrn(u)).filter((d) => d?.type.startsWith("command:"));
    expect(commands.map((d) => d?.name)).toEqual(["app-neo4j-password"]);
});

test("backend reaches Neo4j on the app network with credentials as secrets", () => {
    const backend = r.named("app-backend", CONTAINER);
    const env = envOf(backend);
    expect(env.NEO4J_URI).toBe("bolt://neo4j:7687");
    expect(env.NEO4J_PASSWORD).toBe("dev-password-1");
    expect(backend.secretPaths.some((p) => p.startsWith("envs"))).toBe(true);
    const neo4j = r.named("app-neo4j", CONTAINER);
    expect(envOf(neo4j).NEO4J_AUTH).toBe("neo4j/dev-password-1");
    expect(neo4j.secretPaths.some((p) => p.startsWith("envs"))).toBe(true);
    expect(networksOf(neo4j)).toEqual([{ name: "rag-stack-dev", aliases: ["neo4j"] }]);
});

test("Neo4j keeps /data on a named volume, pinned image, health check, ports on loopback only", () => {
    const neo4j = r.named("app-neo4j", CONTAINER);
    expect(neo4j.inputs.image).toBe("neo4j:5.26-community");
    expect(neo4j.inputs.volumes).toEqual([{ volumeName: "rag-stack-dev-neo4j-data", containerPath: "/data" }]);
    expect((neo4j.inputs.healthcheck as { tests: string[] }).tests.length).toBeGreaterThan(0);
    for (const port of portsOf(neo4j)) expect(port.ip).toBe("127.0.0.1");
});

test("the Neo4j volume has a fixed name (destroy keeps it, the next up finds it); a stack deployed with the old auto name keeps its own", () => {
    const volume = r.named("app-neo4j-data", "docker:index/volume:Volume");
    expect(volume.inputs).toEqual({ name: "rag-stack-dev-neo4j-data" });
    expect(volume.retainOnDelete).toBe(true);
    // A fixed name: the old one must go before a new one of the same name (there is no replacement in practice).
    expect(volume.deleteBeforeReplace).toBe(true);
    // `name` is ForceNew: without this, every stack deployed with an auto-named volume would be
    // replaced onto a new, empty one at its next up.
    expect(volume.ignoreChanges).toEqual(["name"]);
    // The precheck runs first: it refuses to start a new, empty graph beside an earlier deployment's volume.
    const precheck = r.named("app-host-precheck", LOCAL_COMMAND);
    expect(r.dependsOn(volume, precheck)).toBe(true);
    expect(precheck.inputs.environment).toMatchObject({
        RAG_NEO4J_DATA_VOLUME: "rag-stack-dev-neo4j-data",
        RAG_NEO4J_CONTAINER: "rag-stack-dev-neo4j",
        RAG_NEO4J_LEGACY_PREFIX: "app-neo4j-data-",
    });
});

test("every container is on the one app network; fixed names are replaced delete-before-create", () => {
    for (const c of r.ofType(CONTAINER)) {
        expect(networksOf(c).map((n) => n.name)).toEqual(["rag-stack-dev"]);
        expect(c.deleteBeforeReplace).toBe(true);
    }
});

test("all Docker resources go through the local engine the stack resolved (docker-endpoint tests cover each branch)", () => {
    const provider = r.named("host-docker", "pulumi:providers:docker");
    expect(provider.inputs.host).toBe(r.result.outputs.dockerHost);
    expect(provider.inputs.host).toMatch(/^(unix|tcp|ssh):\/\//);
    for (const res of r.result.resources.filter((x) => x.type.startsWith("docker:"))) {
        expect(res.provider).toMatch(/host-docker/);
    }
});

test("outputs: placement, model, URLs; the Neo4j password only as a secret", () => {
    const o = r.result.outputs;
    expect(o.ollamaPlacement).toBe("native");
    expect(o.ollamaModel).toBe("qwen2.5:7b-instruct-q8_0");
    expect(o.ollamaUrlForBackend).toBe("http://host.docker.internal:11434");
    expect(o.ollamaUrlFromHost).toMatch(/^http:\/\/[\d.]+:11434$/);
    expect(o.backendUrl).toBe("http://localhost:8000");
    expect(o.frontendUrl).toBe("http://localhost:3000/");
    expect(o.neo4jBoltUrl).toBe("bolt://127.0.0.1:7687");
    expect(r.result.secretOutputs).toEqual(["neo4jPassword"]);
    const plain = JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => k !== "neo4jPassword")));
    expect(plain).not.toContain("dev-password-1");
});

test("containers as the Docker provider needs them: replaced whole and delete-first, Go-spelled health durations, Neo4j stopped gracefully", () => {
    expect(r.ofType(CONTAINER).length).toBeGreaterThan(0);
    expect(dockerLifecycleProblems(r.result.resources, goDuration)).toEqual([]);
    expect(r.named("app-neo4j", CONTAINER).inputs.destroyGraceSeconds).toBe(60);
    expect(r.named("app-backend", CONTAINER).inputs.destroyGraceSeconds).toBeUndefined();
    // `docker stop`, a restart and Docker Desktop quitting wait the container's own stop timeout.
    expect(r.named("app-neo4j", CONTAINER).inputs.stopTimeout).toBe(60);
    expect(r.named("app-backend", CONTAINER).inputs.stopTimeout).toBe(10);
});

test("the backup output: the local repository under the home directory, the Neo4j container and its volume, for npm run backup/restore", () => {
    const b = r.result.outputs.backup as Record<string, unknown>;
    const repository = require("path").join(require("os").homedir(), "rag-stack-backups", "dev");
    expect(b).toMatchObject({
        where: "local", repository, statusDir: `${repository}-status`, workDir: `${repository}-work`,
        neo4jContainer: "rag-stack-dev-neo4j", neo4jVolume: "rag-stack-dev-neo4j-data", backupHost: "rag-stack-dev", tag: "rag-stack-neo4j",
        volumeKey: "services.neo4j.volumeName", maxAgeHours: 26,
    });
    // The volume the Neo4j container mounts is the one a backup dumps.
    const mounts = r.named("app-neo4j").inputs.volumes as { volumeName: string }[];
    expect(mounts[0].volumeName).toBe(b.neo4jVolume);
});
