/**
 * `npm run plan` on the scale stack, as users run it (child processes): the tree renders, and
 * `--diff prod scale` shows the move: the droplet and its Docker resources out, the cluster, its
 * GPU pool and the Kubernetes objects in, the droplet's protected data volumes named as such
 * (pulumi up refuses to delete them: the graph and models stay until moved deliberately).
 */
import { PlanDiff } from "../../tools/plan/diff";
import { PlanRun, runPlan } from "./support/plan-cli";

const plan = runPlan;


let tree: PlanRun;
let diff: PlanDiff;

beforeAll(async () => {
    const [t, d] = await Promise.all([plan("--stack", "scale"), plan("--diff", "prod", "scale", "--json")]);
    tree = t;
    if (d.code !== 0) throw new Error(d.stderr);
    diff = JSON.parse(d.stdout) as PlanDiff;
}, 120_000);

test("plan --stack scale renders the cluster, the GPU pool and the Ollama StatefulSet", () => {
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain("Desired state of stack scale");
    expect(tree.stdout).toMatch(/cluster-gpu-pool {2}digitalocean:index\/kubernetesNodePool:KubernetesNodePool/);
    expect(tree.stdout).toMatch(/ollama-kubernetes {2}kubernetes:apps\/v1:StatefulSet/);
    expect(tree.stdout).toContain('spec.template.spec.containers.0.resources.limits: {"nvidia.com/gpu":"1"}');
});

test("plan --diff prod scale: the droplet side out, the cluster side in, the protected volumes flagged", () => {
    const removed = diff.removed.map((r) => `${r.type}::${r.name}`);
    const added = diff.added.map((r) => `${r.type}::${r.name}`);
    expect(removed).toEqual(expect.arrayContaining([
        "digitalocean:index/droplet:Droplet::host-droplet",
        "docker:index/container:Container::ollama-container",
        "docker:index/container:Container::app-backend",
    ]));
    expect(added).toEqual(expect.arrayContaining([
        "digitalocean:index/kubernetesCluster:KubernetesCluster::cluster-cluster",
        "digitalocean:index/kubernetesNodePool:KubernetesNodePool::cluster-gpu-pool",
        "kubernetes:apps/v1:StatefulSet::ollama-kubernetes",
        "kubernetes:apps/v1:Deployment::app-backend",
        "kubernetes:core/v1:Service::front-door-lb",
    ]));
    expect(diff.removed.filter((r) => r.protect).map((r) => r.type)).toEqual(
        expect.arrayContaining(["digitalocean:index/volume:Volume"]));
    expect(diff.outputs).toEqual(expect.arrayContaining([
        { path: "ollamaPlacement", before: "container", after: "kubernetes" },
        { path: "ollamaUrlForBackend", before: "http://ollama:11434", after: "http://ollama.rag-stack.svc.cluster.local:11434" },
    ]));
});
