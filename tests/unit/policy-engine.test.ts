/**
 * The pack as the engine drives it: resources arrive as AnalyzeRequest messages with secrets
 * marked, through @pulumi/policy's own analyze handler (the code `pulumi preview --policy-pack`
 * runs). Proves the secret recorder lets the Neo4j policy see secretness, and that the stack name
 * and config the engine passes in the environment set the enforcement level.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { policyContextFromEnvironment } from "../../policy/context";
import { recordEngineSecrets, SECRET_SIG, secretMarkerPaths, SPECIAL_SIG_KEY } from "../../policy/engine-secrets";
import { createPolicies } from "../../policy/policies";
import { NEO4J_PASSWORD } from "../../policy/rules/neo4j-password";

type Diagnostic = { getPolicyname(): string; getMessage(): string; getEnforcementlevel(): number; getUrn(): string };
type AnalyzeResponse = { getDiagnosticsList(): Diagnostic[] };
type AnalyzeRpc = (call: { request: unknown }, callback: (err: unknown, res?: AnalyzeResponse) => void) => Promise<void>;

const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb") as {
    AnalyzeRequest: new () => {
        setType(t: string): void; setName(n: string): void; setUrn(u: string): void;
        setProperties(s: Struct): void; setOptions(o: unknown): void;
    };
    AnalyzerResourceOptions: new () => { setProtect(p: boolean): void };
};
const server = require("@pulumi/policy/server") as {
    makeAnalyzeRpcFun(pack: string, version: string, level: string, policies: unknown[]): AnalyzeRpc;
};

const secret = (value: unknown) => ({ [SPECIAL_SIG_KEY]: SECRET_SIG, value });

function request(type: string, name: string, properties: Record<string, unknown>) {
    const req = new analyzerProto.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(`urn:pulumi:prod::rag-stack::${type}::${name}`);
    req.setProperties(Struct.fromJavaScript(properties as Parameters<typeof Struct.fromJavaScript>[0]));
    req.setOptions(new analyzerProto.AnalyzerResourceOptions());
    return req;
}

async function analyze(env: NodeJS.ProcessEnv, type: string, name: string, properties: Record<string, unknown>): Promise<Diagnostic[]> {
    const context = policyContextFromEnvironment(env);
    const rpc = server.makeAnalyzeRpcFun("rag-stack", "0.1.0", context.enforcement, createPolicies(context));
    return new Promise((resolve, reject) => {
        void rpc({ request: request(type, name, properties) }, (err, res) => (err ? reject(err) : resolve(res?.getDiagnosticsList() ?? [])));
    });
}

const PROD_ENV = { PULUMI_STACK: "prod", PULUMI_CONFIG: JSON.stringify({
    "rag-stack:ollama": JSON.stringify({ accelerator: "nvidia" }), "rag-stack:host": JSON.stringify({ provider: "digitalocean" }) }) };
const neo4jLabels = [{ label: "rag-stack.role", value: "neo4j" }];

beforeAll(() => {
    expect(recordEngineSecrets()).toBe(true);
    expect(recordEngineSecrets()).toBe(true); // idempotent
});

test("secret markers are found where the engine puts them", () => {
    expect(secretMarkerPaths({ envs: secret(["NEO4J_AUTH=neo4j/x"]), a: [1, secret("s")], b: { c: secret({ d: 1 }) } }))
        .toEqual(["envs", "a.1", "b.c"]);
});

test("a Neo4j password the engine marks secret passes the real analyze handler", async () => {
    const diagnostics = await analyze(PROD_ENV, "docker:index/container:Container", "app-neo4j", {
        image: "neo4j:5.26.2-community", labels: neo4jLabels, envs: secret(["NEO4J_AUTH=neo4j/a-long-password"]),
    });
    expect(diagnostics.map((d) => d.getMessage())).toEqual([]);
});

test("the same password in plain text is a mandatory violation in prod, advisory in dev", async () => {
    const props = { image: "neo4j:5.26.2-community", labels: neo4jLabels, envs: ["NEO4J_AUTH=neo4j/a-long-password"] };
    const prod = await analyze(PROD_ENV, "docker:index/container:Container", "app-neo4j", props);
    expect(prod.map((d) => d.getPolicyname())).toEqual([NEO4J_PASSWORD]);
    expect(prod[0].getMessage()).toMatch(/passes the Neo4j password in NEO4J_AUTH \(envs\.0\) as plain text/);
    const dev = await analyze({ PULUMI_NODEJS_STACK: "dev" }, "docker:index/container:Container", "app-neo4j", props);
    expect(dev.map((d) => d.getPolicyname())).toEqual([NEO4J_PASSWORD]);
    // EnforcementLevel in the analyzer protocol: ADVISORY = 0, MANDATORY = 1.
    expect(prod[0].getEnforcementlevel()).toBe(1);
    expect(dev[0].getEnforcementlevel()).toBe(0);
});

test("the stack config the engine passes reaches the policies (accelerator nvidia: GPUs required)", async () => {
    const ollama = { image: "ollama/ollama:0.12.6", labels: [{ label: "rag-stack.role", value: "ollama" }], envs: ["OLLAMA_ORIGINS=http://app"] };
    const nvidia = await analyze(PROD_ENV, "docker:index/container:Container", "ollama-container", ollama);
    expect(nvidia.map((d) => d.getPolicyname())).toEqual(["ollama-container-requests-gpus"]);
    const cpu = await analyze({ PULUMI_STACK: "prod", PULUMI_CONFIG: JSON.stringify({ "rag-stack:ollama": '{"accelerator":"cpu"}' }) },
        "docker:index/container:Container", "ollama-container", ollama);
    expect(cpu).toEqual([]);
});

test("without a stack name in the environment the pack fails closed (mandatory)", () => {
    expect(policyContextFromEnvironment({}).enforcement).toBe("mandatory");
    expect(policyContextFromEnvironment({ PULUMI_STACK: "dev", PULUMI_CONFIG: "not json" }).enforcement).toBe("advisory");
});
