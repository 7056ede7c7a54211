/** The plan document of the real dev stack (one render in this file). */
import { PLACEHOLDER_SECRET } from "../../tools/render";
import { PLAN_FORMAT, PlanDocument, PlanResource } from "../../tools/plan/document";
import { renderPlan } from "../../tools/plan/render-side";
import { formatTree } from "../../tools/plan/tree";

let doc: PlanDocument;
const named = (name: string, type?: string): PlanResource => {
    const found = doc.resources.filter((r) => r.name === name && (!type || r.type === type));
    if (found.length !== 1) throw new Error(`${name}: ${found.length} found`);
    return found[0];
};

beforeAll(async () => {
    // No secret given: the plan renders the stack without its passphrase, with placeholders.
    doc = await renderPlan({ stack: "dev", overrides: {}, label: "dev" });
});

test("a stable document: format, resources sorted by stack-free id", () => {
    expect(doc.format).toBe(PLAN_FORMAT);
    expect(doc.stack).toBe("dev");
    const ids = doc.resources.map((r) => r.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids.every((id) => !id.startsWith("urn:"))).toBe(true);
    expect(named("app-backend").id).toBe("rag-stack:app:Services$docker:index/container:Container::app-backend");
});

test("parents, dependencies and providers are ids of resources in the document", () => {
    const ids = new Set(doc.resources.map((r) => r.id));
    for (const r of doc.resources) {
        if (r.parent) expect(ids).toContain(r.parent);
        for (const d of r.dependencies) expect(ids).toContain(d);
        if (r.provider) expect(ids).toContain(r.provider);
    }
    const backend = named("app-backend");
    expect(backend.parent).toBe(named("app").id);
    expect(backend.dependencies).toContain(named("app-neo4j").id);
    expect(backend.provider).toBe(named("host-docker").id);
    expect(named("app").component).toBe(true);
});

test("secrets are masked everywhere; the rest of a secret env list stays readable", () => {
    const json = JSON.stringify(doc);
    expect(json).not.toContain(PLACEHOLDER_SECRET);
    const backend = named("app-backend");
    expect(backend.inputs.envs).toEqual(expect.arrayContaining([
        "NEO4J_PASSWORD=[secret]",
        "OLLAMA_BASE_URL=http://host.docker.internal:11434",
    ]));
    expect(backend.secretInputs).toEqual([`envs.${(backend.inputs.envs as string[]).indexOf("NEO4J_PASSWORD=[secret]")}`]);
    expect(named("app-neo4j").inputs.envs).toEqual(["NEO4J_AUTH=[secret]"]);
    expect(doc.outputs.neo4jPassword).toBe("[secret]");
    expect(doc.secretOutputs).toContain("neo4jPassword");
});

test("the tree shows components, their resources and key inputs", () => {
    const tree = formatTree(doc);
    expect(tree).toMatch(/^├─ ollama {2}rag-stack:ollama:Ollama$/m);
    expect(tree).toMatch(/^│ {2}└─ ollama-native {2}rag-stack:ollama:NativeOllama$/m);
    expect(tree).toMatch(/ollama-native-server {2}command:local:Command/);
    expect(tree).toMatch(/app-neo4j-data {2}docker:index\/volume:Volume {2}\[retainOnDelete, deleteBeforeReplace\]/);
    expect(tree).toContain("- OLLAMA_BASE_URL=http://host.docker.internal:11434");
    expect(tree).toContain("- NEO4J_PASSWORD=[secret]");
    expect(tree).toContain("pulumi preview --stack dev --diff");
    expect(tree).not.toContain(PLACEHOLDER_SECRET);
});
