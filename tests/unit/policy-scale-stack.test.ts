/**
 * The policies on the rendered scale stack (mandatory, clean), and the Kubernetes rules on crafted
 * violations: an Ollama pod without a GPU or without the GPU toleration, a second public Service,
 * an unpinned image in a pod template.
 */
import { policyContext } from "../../policy/context";
import { checkResources, CheckedResource, formatViolations, Violation } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { IMAGES_PINNED } from "../../policy/rules/images";
import { K8S_OLLAMA_GPU, K8S_ONE_PUBLIC_SERVICE } from "../../policy/rules/kubernetes";
import { readStackConfig, RenderedResource, renderStack } from "../../tools/render";

const options = { stack: "scale", secrets: { neo4jPassword: "scale-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "do-token-placeholder" } };
let resources: RenderedResource[];
const context = policyContext("scale", readStackConfig(options).config);

beforeAll(async () => {
    resources = (await renderStack(options)).resources;
});

const check = (rs: CheckedResource[]): Promise<Violation[]> => checkResources(createPolicies(context), rs);
const named = (name: string, type: string): RenderedResource => {
    const found = resources.find((r) => r.name === name && r.type === type);
    if (!found) throw new Error(`no ${name}`);
    return structuredClone(found);
};
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test("scale: every policy is mandatory and none is violated", async () => {
    expect(context.enforcement).toBe("mandatory");
    expect(formatViolations(await check(resources))).toBe("");
});

test("an Ollama StatefulSet without a GPU request or without the GPU toleration is caught", async () => {
    const set = named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet");
    const pod = (set.inputs.spec as Obj).template.spec;
    delete pod.containers[0].resources.limits["nvidia.com/gpu"];
    pod.tolerations = [];
    const v = (await check([set])).filter((x) => x.policy === K8S_OLLAMA_GPU);
    expect(v.map((x) => x.message)).toEqual([
        'ollama-kubernetes: the Ollama container requests no GPU (resources.limits["nvidia.com/gpu"]); it would run on the CPU. Request 1.',
        "ollama-kubernetes: the Ollama pods do not tolerate the nvidia.com/gpu:NoSchedule taint DOKS puts on GPU nodes; they can never be scheduled there.",
    ]);
    expect(v[0].enforcementLevel).toBe("mandatory");
});

test("a LoadBalancer or NodePort Service other than the front door is caught", async () => {
    const svc = named("app-backend", "kubernetes:core/v1:Service");
    const lb = structuredClone(svc);
    (lb.inputs.spec as Obj).type = "LoadBalancer";
    const np = structuredClone(svc);
    (np.inputs.spec as Obj).type = "NodePort";
    const v = (await check([lb, np, named("front-door-lb", "kubernetes:core/v1:Service")])).filter((x) => x.policy === K8S_ONE_PUBLIC_SERVICE);
    expect(v.map((x) => x.message)).toEqual([
        "app-backend is a Service of type LoadBalancer: it puts a port on the internet next to the front door. Use ClusterIP and route through the front door.",
        "app-backend is a Service of type NodePort: it puts a port on the internet next to the front door. Use ClusterIP and route through the front door.",
    ]);
});

test("an unpinned image in a pod template is caught", async () => {
    const frontend = named("app-frontend", "kubernetes:apps/v1:Deployment");
    (frontend.inputs.spec as Obj).template.spec.containers[0].image = "rag-frontend:latest";
    const v = (await check([frontend])).filter((x) => x.policy === IMAGES_PINNED);
    expect(v.map((x) => x.message)).toEqual([
        'app-frontend: container frontend uses image "rag-frontend:latest", which is not pinned. Name a version tag or an @sha256 digest.',
    ]);
});
