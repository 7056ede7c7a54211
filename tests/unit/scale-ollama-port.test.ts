/**
 * scale with an Ollama Service port other than the pods' own (ollama.port 18080): the backend goes
 * through the Service on 18080, which forwards to the pods' named port; verify, which reaches each
 * pod through the API server's pod proxy, gets the port the pods listen on (11434), not 18080.
 */
import { Rendered, renderStack } from "../../tools/render";
import { parseScaleOutputs } from "../../tools/verify/kubernetes";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "scale",
        overrides: { "ollama.port": 18080 },
        secrets: { neo4jPassword: "scale-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
    }));
});

test("verify's pod proxy port is the port the Ollama pods listen on; the Service keeps ollama.port", () => {
    const pod = ((r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet").inputs.spec as Obj).template.spec as Obj);
    const container = (pod.containers as Obj[]).find((c) => c.name === "ollama") as Obj;
    const listens = (container.ports as Obj[]).find((p) => p.name === "http")?.containerPort;
    expect(listens).toBe(11434);
    const service = (r.named("ollama-kubernetes-service", "kubernetes:core/v1:Service").inputs as Obj).spec;
    expect(service.ports).toEqual([{ name: "http", port: 18080, targetPort: "http" }]);
    expect(r.result.outputs.ollamaUrlForBackend).toBe("http://ollama.rag-stack.svc.cluster.local:18080");

    const { target } = parseScaleOutputs(r.result.outputs, "rendered scale outputs");
    expect(target.ollamaPodPort).toBe(listens);
});
