/**
 * `npm run plan -- --diff` as users run it (child processes), checked against the seed's migration
 * (docs: seed "Key changes"): Ollama container and model volume removed, native Ollama added, the
 * backend's OLLAMA_BASE_URL moved to host.docker.internal with a host-gateway mapping and no
 * dependency on the container, Neo4j, its data and the frontend untouched.
 */
import { PlanDocument } from "../../tools/plan/document";
import { PlanDiff, ResourceRef } from "../../tools/plan/diff";
import { DESIRED_STATE_NOTE, formatDiff } from "../../tools/plan/diff-report";
import { runPlan } from "./support/plan-cli";

const plan = runPlan;


// The dev stack file says accelerator: metal, which the profile refuses with mode: container
// (Docker on a Mac cannot reach Metal); the seed's "before" was exactly Ollama in Docker on the CPU.
const BEFORE = "dev+ollama.mode=container+ollama.accelerator=cpu";
const AS_WRITTEN_IN_THE_ISSUE = "dev+ollama.mode=container";
const OLLAMA_CONTAINER = "rag-stack:ollama:OllamaContainer";
const NATIVE_OLLAMA = "rag-stack:ollama:NativeOllama";

let diff: PlanDiff;
let asWritten: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
    // The literal side alone (one render) is enough to know whether the profile accepts it.
    const [migration, literal] = await Promise.all([plan("--diff", BEFORE, "dev", "--json"), plan("--stack", AS_WRITTEN_IN_THE_ISSUE, "--json")]);
    if (migration.code !== 0) throw new Error(migration.stderr);
    diff = JSON.parse(migration.stdout) as PlanDiff;
    asWritten = literal;
}, 180_000); // four ts-node processes: generous, for a loaded machine

const key = (r: ResourceRef) => `${r.type}::${r.name}`;

test("removed: exactly the Ollama container component, its container, image, model volume (and its directory's creation), model pull, capacity and GPU checks", () => {
    expect(diff.removed.map(key).sort()).toEqual([
        "command:local:Command::ollama-container-capacity",
        "command:local:Command::ollama-container-gpu-check",
        "command:local:Command::ollama-container-model",
        "command:local:Command::ollama-container-models-dir",
        "docker:index/container:Container::ollama-container",
        "docker:index/remoteImage:RemoteImage::ollama-container-image",
        "docker:index/volume:Volume::ollama-container-models",
        `${OLLAMA_CONTAINER}::ollama-container`,
    ]);
    expect(diff.removed.every((r) => r.group === "ollama")).toBe(true);
    // The model volume is retained on delete: switching forgets it, the models stay on disk.
    expect(diff.removed.find((r) => r.name === "ollama-container-models")?.retainOnDelete).toBe(true);
});

test("added: the native Ollama component and only its commands", () => {
    const native = diff.added.filter((r) => r.type === NATIVE_OLLAMA);
    expect(native.map((r) => r.name)).toEqual(["ollama-native"]);
    const others = diff.added.filter((r) => r.type !== NATIVE_OLLAMA);
    expect(others.length).toBeGreaterThanOrEqual(1);
    for (const r of others) {
        expect(r.type).toBe("command:local:Command");
        expect(r.id.startsWith(`${NATIVE_OLLAMA}$`)).toBe(true); // a child of the NativeOllama component
    }
    expect(others.map((r) => r.name)).toContain("ollama-native-server");
});

test("changed: exactly the backend, with the seed's edits", () => {
    expect(diff.changed.map(key)).toEqual(["docker:index/container:Container::app-backend"]);
    const backend = diff.changed[0];
    expect(backend.changedInputs).toEqual(["envs", "hosts"]);
    expect(backend.changes).toEqual([
        { path: "envs.OLLAMA_BASE_URL", before: "http://ollama:11434", after: "http://host.docker.internal:11434" },
        { path: "hosts.0", after: { host: "host.docker.internal", ip: "host-gateway" } },
    ]);
    expect(backend.dependencies.removed.sort()).toEqual([
        `${OLLAMA_CONTAINER}$command:local:Command::ollama-container-capacity`,
        `${OLLAMA_CONTAINER}$command:local:Command::ollama-container-gpu-check`,
        `${OLLAMA_CONTAINER}$command:local:Command::ollama-container-model`,
        `${OLLAMA_CONTAINER}$docker:index/container:Container::ollama-container`,
    ]);
    expect(backend.dependencies.added.every((d) => d.startsWith(`${NATIVE_OLLAMA}$command:local:Command::`))).toBe(true);
    expect(backend.options).toEqual([]);
});

test("unchanged: Neo4j, its data volume, the frontend, the network and the host", () => {
    const unchanged = diff.unchanged.map(key);
    for (const k of [
        "docker:index/container:Container::app-neo4j",
        "docker:index/volume:Volume::app-neo4j-data",
        "docker:index/container:Container::app-frontend",
        "docker:index/network:Network::app-network",
        "pulumi:providers:docker::host-docker",
    ]) expect(unchanged).toContain(k);
    expect(diff.summary).toEqual({
        added: diff.added.length, removed: 8, changed: 1, unchanged: diff.unchanged.length,
    });
});

test("the text report groups by component, masks secrets and says what it compares", () => {
    const text = formatDiff(diff);
    expect(text).toContain(`Plan diff: ${BEFORE} → dev`);
    expect(text).toContain(DESIRED_STATE_NOTE);
    expect(text).toMatch(/^ollama\n {2}- ollama-container {2}\(rag-stack:ollama:OllamaContainer\)/m);
    expect(text).toContain('envs.OLLAMA_BASE_URL: "http://ollama:11434" → "http://host.docker.internal:11434"');
    expect(text).toMatch(/ollama-container-models .*retainOnDelete/);
    expect(text).toMatch(/= unchanged: .*app-neo4j.*app-neo4j-data/);
    expect(text).toMatch(/^Summary: \d+ to add, 8 to remove, 1 to change, \d+ unchanged/m);
    expect(text).not.toContain("rendered-secret-placeholder");
});

test("the issue's literal side either renders the same Ollama container or says which setting conflicts", () => {
    if (asWritten.code === 0) {
        const literal = JSON.parse(asWritten.stdout) as PlanDocument;
        const ids = literal.resources.map((r) => r.id);
        for (const r of diff.removed) expect(ids).toContain(r.id);
    } else {
        expect(asWritten.code).toBe(1);
        expect(asWritten.stderr).toMatch(/rag-stack:ollama\.accelerator: "metal" is not allowed with rag-stack:ollama\.mode "container"/);
        expect(asWritten.stdout).toBe("");
    }
});
