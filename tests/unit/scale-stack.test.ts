/**
 * scale, rendered from the real Pulumi.scale.yaml: a DOKS cluster with a CPU pool and an autoscaled
 * GPU pool, Ollama as a StatefulSet (one GPU per pod, ready only with its model on the GPU), the
 * app on Kubernetes, one HTTPS load balancer; every Kubernetes object valid against the official
 * schemas; the backend's URL is the Ollama interface's.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT, Rendered, RenderedResource, renderStack } from "../../tools/render";
import { BACKEND_STACK_VARIABLES, RESERVED_BACKEND_VARIABLES } from "../../components/app/backend-env";
import { KubernetesObject, validateKubernetesObject } from "../../tools/kubernetes-schema";
import { healthScript } from "../../components/health/responder";
import { injectedNames, ServiceLike } from "./support/service-links";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "scale",
        secrets: { neo4jPassword: "scale-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test" },
        // A health path of its own (services.healthPath) and e-mail only: both reach the router, the check and the alerts.
        overrides: { "services.healthPath": "/_status/health", "alerts.emails": ["ops@example.org"] },
    }));
});

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const k8sObjects = () => r.result.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:"));
const podSpec = (x: RenderedResource): Obj => (x.inputs.spec as Obj).template.spec as Obj;
const containersOf = (x: RenderedResource): Obj[] => [...(podSpec(x).initContainers ?? []), ...podSpec(x).containers];
const workloads = () => r.result.resources.filter((x) => /^kubernetes:apps\/v1:(StatefulSet|Deployment)$/.test(x.type));
const envOf = (c: Obj): Record<string, unknown> => Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value ?? e.valueFrom]));

test("a DOKS cluster with a CPU default pool, DigitalOcean's NVIDIA device plugin on, no auto-upgrade, HA control plane", () => {
    const cluster = r.named("cluster-cluster", "digitalocean:index/kubernetesCluster:KubernetesCluster").inputs as Obj;
    expect(cluster.region).toBe("tor1");
    expect(cluster.version).toBe("1.33.1-do.0"); // the newest patch of 1.33, resolved through getKubernetesVersions
    expect(cluster.ha).toBe(true);
    expect(cluster.autoUpgrade).toBe(false);
    expect(cluster.nvidiaGpuDevicePlugin).toEqual({ enabled: true });
    expect(cluster.registryIntegration).toBe(true); // the app images are on registry.digitalocean.com
    expect(cluster.nodePool).toMatchObject({ size: "s-4vcpu-8gb", nodeCount: 2, labels: { "rag-stack.pool": "cpu" } });
    // No device plugin of our own: DigitalOcean manages it.
    expect(k8sObjects().some((x) => x.type === "kubernetes:apps/v1:DaemonSet")).toBe(false);
});

test("the cluster is protected (a replacement would take every pod and claim with it); the GPU pool is not", () => {
    expect(r.named("cluster-cluster", "digitalocean:index/kubernetesCluster:KubernetesCluster").protect).toBe(true);
    expect(r.named("cluster-gpu-pool", "digitalocean:index/kubernetesNodePool:KubernetesNodePool").protect).toBe(false);
});

test("the GPU pool is a separate, autoscaled node pool of the configured size", () => {
    const pool = r.named("cluster-gpu-pool", "digitalocean:index/kubernetesNodePool:KubernetesNodePool");
    expect(pool.inputs).toMatchObject({ size: "gpu-4000adax1-20gb", autoScale: true, minNodes: 2, maxNodes: 4 });
    expect(r.dependsOn(pool, r.named("cluster-cluster", "digitalocean:index/kubernetesCluster:KubernetesCluster"))).toBe(true);
});

test("an edit of the GPU pool keeps the autoscaler's nodes and the GPU taint: no node count is sent, the taint is", () => {
    const pool = r.named("cluster-gpu-pool", "digitalocean:index/kubernetesNodePool:KubernetesNodePool").inputs as Obj;
    // The provider's update sends node_count whenever the program gives one, and DigitalOcean resets the pool to it.
    expect(pool).not.toHaveProperty("nodeCount");
    // The update sends the whole taint list; DOKS's own GPU taint must be in it, exactly.
    expect(pool.taints).toEqual([{ key: "nvidia.com/gpu", value: "", effect: "NoSchedule" }]);
    const tolerations = podSpec(r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet")).tolerations as Obj[];
    const tolerated = (taint: Obj) => tolerations.some((t) => t.key === taint.key && (t.operator === "Exists" || t.value === taint.value) && (!t.effect || t.effect === taint.effect));
    for (const taint of pool.taints as Obj[]) expect({ taint, tolerated: tolerated(taint) }).toEqual({ taint, tolerated: true });
    // The CPU pool is the cluster's fixed-size default pool: its count is the configured one.
    const cpu = (r.named("cluster-cluster", "digitalocean:index/kubernetesCluster:KubernetesCluster").inputs as Obj).nodePool as Obj;
    expect(cpu).toMatchObject({ nodeCount: 2 });
    expect(cpu.autoScale).toBeFalsy();
});

test("the Kubernetes provider takes the cluster's kubeconfig as a secret; every object goes through it", () => {
    const provider = r.named("cluster-k8s", "pulumi:providers:kubernetes");
    expect(provider.secretPaths).toContain("kubeconfig");
    expect(String(provider.inputs.kubeconfig)).toContain("kind: Config");
    // Read by name on every run (getKubernetesCluster), not the cluster resource's stored one, whose
    // token expires after 7 days and is not renewed by a plain `up`.
    expect(String(provider.inputs.kubeconfig)).toContain("token: mock-token-fetched-this-run");
    expect(String(provider.inputs.kubeconfig)).not.toContain("mock-token-in-state");
    expect(String(r.result.outputs.kubeconfig)).toContain("token: mock-token-fetched-this-run");
    // Replaced only with the cluster (its id), never for a new token.
    expect(provider.inputs.clusterIdentifier).toBe("cluster-cluster-id");
    for (const o of k8sObjects()) expect(o.provider).toContain("cluster-k8s");
    expect(r.result.secretOutputs).toContain("kubeconfig");
});

test("refresh and destroy a week after the last up: the npm scripts first update the Kubernetes provider (this one) with a token of now", () => {
    const scripts = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const target = /--target '([^']+)'/.exec(scripts["credentials:scale"] ?? "")?.[1];
    expect(target).toBe(r.named("cluster-k8s", "pulumi:providers:kubernetes").urn);
    expect(scripts["credentials:scale"]).toMatch(/^sh tools\/pulumi\.sh up --stack scale --target '[^']+' --yes --skip-preview$/);
    for (const verb of ["refresh", "destroy"]) {
        expect(scripts[`${verb}:scale`]).toBe(`npm run --silent credentials:scale && sh tools/pulumi.sh ${verb} --stack scale`);
    }
});

test("Ollama: a StatefulSet, one GPU per pod, GPU-node toleration and selector, one pod per node", () => {
    const set = r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet");
    const spec = set.inputs.spec as Obj;
    expect(spec.replicas).toBe(2);
    const pod = podSpec(set);
    const ollama = pod.containers.find((c: Obj) => c.name === "ollama");
    expect(ollama.resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(pod.tolerations).toContainEqual({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" });
    expect(pod.nodeSelector).toEqual({ "doks.digitalocean.com/gpu-brand": "nvidia" });
    const anti = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(anti.topologyKey).toBe("kubernetes.io/hostname");
    expect(anti.labelSelector.matchLabels).toEqual(spec.selector.matchLabels);
    expect(ollama.image).toBe("ollama/ollama:0.12.6");
    expect(envOf(ollama).OLLAMA_HOST).toBe("0.0.0.0:11434");
    expect(envOf(ollama).OLLAMA_ORIGINS).toBe("https://rag.example.com");
});

test("no pod asks for a GPU without the GPU nodes' toleration, and no other pod lands on GPU nodes", () => {
    for (const w of workloads()) {
        const pod = podSpec(w);
        const wantsGpu = containersOf(w).some((c) => c.resources?.limits?.["nvidia.com/gpu"] !== undefined);
        const tolerates = (pod.tolerations ?? []).some((t: Obj) => t.key === "nvidia.com/gpu");
        expect({ name: w.name, tolerates }).toEqual({ name: w.name, tolerates: wantsGpu });
        if (!wantsGpu) expect(pod.nodeSelector).toEqual({ "rag-stack.pool": "cpu" });
    }
});

test("a pod is not Ready until its model is on disk and 100% on the GPU: init pull, probes that are not `/`", () => {
    const set = r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet");
    const pod = podSpec(set);
    expect(pod.initContainers).toHaveLength(1);
    expect(pod.initContainers[0].command).toEqual(["sh", "/scripts/k8s-pull-model.sh"]);
    expect(envOf(pod.initContainers[0]).OLLAMA_MODEL).toBe("qwen2.5:7b-instruct-q8_0");
    const ollama = pod.containers[0];
    for (const probe of [ollama.readinessProbe, ollama.startupProbe]) {
        expect(probe.httpGet).toBeUndefined();
        expect(probe.exec.command).toEqual(["sh", "/scripts/k8s-model-ready.sh"]);
    }
    // A cold load of a model gets ten minutes before the pod is restarted.
    expect(ollama.startupProbe.periodSeconds * ollama.startupProbe.failureThreshold).toBeGreaterThanOrEqual(600);
    // The scripts come from a ConfigMap holding the real files; their hash rolls the pods.
    const scripts = r.named("ollama-kubernetes-scripts", "kubernetes:core/v1:ConfigMap").inputs.data as Record<string, string>;
    expect(Object.keys(scripts).sort()).toEqual(["k8s-model-ready.sh", "k8s-pull-model.sh"]);
    for (const [file, text] of Object.entries(scripts)) {
        expect(text).toBe(fs.readFileSync(path.join(PROJECT_ROOT, "components", "ollama", "scripts", file), "utf8"));
    }
    expect((set.inputs.spec as Obj).template.metadata.annotations["rag-stack/scripts-hash"]).toMatch(/^[0-9a-f]{16}$/);
});

test("each Ollama replica keeps its own model volume across restarts, upgrades and scale-downs", () => {
    const spec = r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet").inputs.spec as Obj;
    expect(spec.volumeClaimTemplates).toHaveLength(1);
    expect(spec.volumeClaimTemplates[0].spec).toMatchObject({
        storageClassName: "do-block-storage", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } },
    });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    const pdb = r.named("ollama-kubernetes-pdb", "kubernetes:policy/v1:PodDisruptionBudget").inputs.spec as Obj;
    expect(pdb).toEqual({ maxUnavailable: 1, selector: { matchLabels: spec.selector.matchLabels } });
});

test("a bigger volume grows each existing claim and replaces no StatefulSet (their claim templates are immutable)", () => {
    const templateSize = "spec.volumeClaimTemplates[0].spec.resources.requests.storage";
    const patches = r.ofType("kubernetes:core/v1:PersistentVolumeClaimPatch");
    const claims = (set: RenderedResource) => {
        const spec = set.inputs.spec as Obj;
        const template = spec.volumeClaimTemplates[0];
        const names = Array.from({ length: spec.replicas as number }, (_, i) => `${template.metadata.name}-${(set.inputs.metadata as Obj).name}-${i}`);
        return { names, size: template.spec.resources.requests.storage as string };
    };
    for (const [setName, expected] of [["ollama-kubernetes", ["models-ollama-0", "models-ollama-1"]], ["app-neo4j", ["data-neo4j-0"]]] as const) {
        const set = r.named(setName, "kubernetes:apps/v1:StatefulSet");
        // The template's size never changes after creation: a change there would replace the set (every pod down) and resize nothing.
        expect(set.ignoreChanges).toEqual([templateSize]);
        const { names, size } = claims(set);
        expect(names).toEqual(expected);
        for (const claim of names) {
            const patch = patches.find((p) => (p.inputs.metadata as Obj).name === claim);
            expect(patch?.inputs).toMatchObject({
                metadata: { namespace: "rag-stack", annotations: { "pulumi.com/patchForce": "true" } },
                spec: { resources: { requests: { storage: size } } },
            });
            // After the set is Ready (its claims exist); kept on delete (relinquishing a claim's size would make it invalid).
            expect(r.dependsOn(patch!, set)).toBe(true);
            expect(patch!.retainOnDelete).toBe(true);
        }
    }
    expect(patches).toHaveLength(3);
    // Both classes let volumes grow (DOKS's do-block-storage: csi-digitalocean driver.yaml; ours: below).
    expect((r.named("cluster-retained-storage", "kubernetes:storage.k8s.io/v1:StorageClass").inputs as Obj).allowVolumeExpansion).toBe(true);
});

test("docs/scale.md says what destroy keeps: each claim's fate is its storage class's reclaim policy", () => {
    const page = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "scale.md"), "utf8");
    const heading = "\n## Data: what destroy keeps\n";
    expect(page).toContain(heading);
    const start = page.indexOf(heading) + heading.length;
    const next = page.indexOf("\n## ", start);
    const data = page.slice(start, next === -1 ? undefined : next);
    // DOKS's own class, from digitalocean/csi-digitalocean deploy/kubernetes/releases/*/driver.yaml (no reclaimPolicy: Delete).
    const builtIn: Record<string, string> = { "do-block-storage": "Delete", "do-block-storage-retain": "Retain" };
    const reclaim = (cls: string) => {
        const ours = r.ofType("kubernetes:storage.k8s.io/v1:StorageClass").find((c) => (c.inputs.metadata as Obj).name === cls);
        return ours ? String((ours.inputs as Obj).reclaimPolicy ?? "Delete") : builtIn[cls];
    };
    for (const set of r.ofType("kubernetes:apps/v1:StatefulSet")) {
        const cls = (set.inputs.spec as Obj).volumeClaimTemplates[0].spec.storageClassName as string;
        const fate = new RegExp(`\\*\\*(kept|deleted)\\*\\*[^*]*\`${cls}\``).exec(data)?.[1];
        expect({ set: set.name, cls, fate }).toEqual({ set: set.name, cls, fate: reclaim(cls) === "Retain" ? "kept" : "deleted" });
    }
});

test("the backend's OLLAMA_BASE_URL is the interface's: the ClusterIP Service `ollama` in the namespace", () => {
    const service = r.named("ollama-kubernetes-service", "kubernetes:core/v1:Service").inputs as Obj;
    expect(service.metadata).toMatchObject({ name: "ollama", namespace: "rag-stack" });
    expect(service.spec.type).toBe("ClusterIP");
    const backend = r.named("app-backend", "kubernetes:apps/v1:Deployment");
    const url = envOf(podSpec(backend).containers[0]).OLLAMA_BASE_URL;
    expect(url).toBe("http://ollama.rag-stack.svc.cluster.local:11434");
    expect(r.result.outputs.ollamaUrlForBackend).toBe(url);
    expect(r.dependsOn(backend, r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet"))).toBe(true);
});

test("Neo4j: a StatefulSet with its graph on a retained volume; its password a Kubernetes Secret from a Pulumi secret", () => {
    const neo4j = r.named("app-neo4j", "kubernetes:apps/v1:StatefulSet");
    const spec = neo4j.inputs.spec as Obj;
    expect(spec.volumeClaimTemplates[0].spec.storageClassName).toBe("rag-stack-retain");
    const sc = r.named("cluster-retained-storage", "kubernetes:storage.k8s.io/v1:StorageClass").inputs as Obj;
    expect(sc).toMatchObject({ reclaimPolicy: "Retain", provisioner: "dobs.csi.digitalocean.com" });
    const secret = r.named("app-neo4j-auth", "kubernetes:core/v1:Secret");
    expect(secret.secretPaths).toEqual(expect.arrayContaining(["stringData"]));
    expect(envOf(podSpec(neo4j).containers[0]).NEO4J_AUTH).toEqual({ secretKeyRef: { name: "neo4j-auth", key: "NEO4J_AUTH" } });
    const backendEnv = envOf(podSpec(r.named("app-backend", "kubernetes:apps/v1:Deployment")).containers[0]);
    expect(backendEnv.NEO4J_PASSWORD).toEqual({ secretKeyRef: { name: "neo4j-auth", key: "NEO4J_PASSWORD" } });
    expect(JSON.stringify(k8sObjects().filter((x) => x.type !== "kubernetes:core/v1:Secret").map((x) => x.inputs))).not.toContain("scale-password-1");
});

test("the backend's own variables are exactly the shared list config validation refuses in services.backend.env, in its order", () => {
    const env = podSpec(r.named("app-backend", "kubernetes:apps/v1:Deployment")).containers[0].env as Obj[];
    expect(env.map((e) => e.name)).toEqual([...BACKEND_STACK_VARIABLES]);
    expect(RESERVED_BACKEND_VARIABLES).toEqual(expect.arrayContaining(env.map((e) => e.name)));
});

test("backend and frontend: Deployments with replicas, probes on their own paths and resources", () => {
    const backend = r.named("app-backend", "kubernetes:apps/v1:Deployment");
    const frontend = r.named("app-frontend", "kubernetes:apps/v1:Deployment");
    expect((backend.inputs.spec as Obj).replicas).toBe(2);
    expect((frontend.inputs.spec as Obj).replicas).toBe(2);
    const b = podSpec(backend).containers[0];
    expect(b.readinessProbe.httpGet).toEqual({ path: "/health", port: "http" });
    expect(b.resources.requests).toEqual({ cpu: "250m", memory: "512Mi" });
    expect(envOf(podSpec(frontend).containers[0]).BACKEND_URL).toBe("http://backend.rag-stack.svc.cluster.local:8000");
});

test("one public entry: the front door is the only LoadBalancer, HTTPS with a certificate, /api/* to the backend", () => {
    const services = r.ofType("kubernetes:core/v1:Service");
    const lbs = services.filter((s) => (s.inputs.spec as Obj).type === "LoadBalancer");
    expect(lbs.map((s) => s.name)).toEqual(["front-door-lb"]);
    const ann = (lbs[0].inputs.metadata as Obj).annotations as Record<string, string>;
    // The HTTP(S) load balancer: the controller's default, REGIONAL_NETWORK, is layer 4 and ignores
    // the protocol, TLS, certificate and redirect annotations.
    expect(ann["service.beta.kubernetes.io/do-loadbalancer-type"]).toBe("REGIONAL");
    // Health-check details only count with the override annotation; none is set without it.
    if (!ann["service.beta.kubernetes.io/do-loadbalancer-override-health-check"]) {
        expect(Object.keys(ann).filter((k) => k.startsWith("service.beta.kubernetes.io/do-loadbalancer-healthcheck-"))).toEqual([]);
    }
    expect(ann["service.beta.kubernetes.io/do-loadbalancer-protocol"]).toBe("http");
    expect(ann["service.beta.kubernetes.io/do-loadbalancer-tls-ports"]).toBe("443");
    expect(ann["service.beta.kubernetes.io/do-loadbalancer-redirect-http-to-https"]).toBe("true");
    expect(ann["service.beta.kubernetes.io/do-loadbalancer-certificate-name"]).toBe("rag-stack-scale-front-door");
    const certificate = r.named("front-door-certificate", "digitalocean:index/certificate:Certificate");
    expect(certificate.inputs).toMatchObject({ type: "lets_encrypt", domains: ["rag.example.com"] });
    // Issued before the cluster is created: a domain not on DigitalOcean DNS fails before anything is billed.
    expect(r.dependsOn(r.named("cluster-cluster", "digitalocean:index/kubernetesCluster:KubernetesCluster"), certificate)).toBe(true);
    const router = JSON.parse((r.named("front-door-config", "kubernetes:core/v1:ConfigMap").inputs.data as Obj)["router.json"]);
    const routes = router.apps.http.servers.router.routes as Obj[];
    const api = routes.find((x) => x.match?.[0]?.path?.[0] === "/api/*");
    expect(api?.handle[1].upstreams).toEqual([{ dial: "backend.rag-stack.svc.cluster.local:8000" }]);
    expect(routes[routes.length - 1].handle[1].upstreams).toEqual([{ dial: "frontend.rag-stack.svc.cluster.local:3000" }]);
    expect(r.result.outputs.publicIp).toBe("203.0.113.80");
});

test("DNS: the load balancer makes no record for the certificate's apex domain; the stack keeps publicHost's own, deleted before the load balancer", () => {
    const lb = r.named("front-door-lb", "kubernetes:core/v1:Service");
    const ann = (lb.inputs.metadata as Obj).annotations as Record<string, string>;
    // Without it DigitalOcean points example.com (the apex of rag.example.com's certificate) at the load balancer.
    expect(ann["service.beta.kubernetes.io/do-loadbalancer-disable-lets-encrypt-dns-records"]).toBe("true");
    const records = r.ofType("digitalocean:index/dnsRecord:DnsRecord");
    expect(records.map((x) => x.name)).toEqual(["front-door-dns"]);
    const record = records[0];
    expect(record.inputs).toEqual({ domain: "example.com", type: "A", name: "rag", value: "203.0.113.80", ttl: 300 });
    expect(record.provider).toContain("cluster-do");
    // Its address comes from the Service: destroy deletes the record first, and no name is left on a released address.
    expect(r.dependsOn(record, lb)).toBe(true);
});

/** The Services the stack creates, as the kubelet sees them for service links. */
const renderedServices = (): ServiceLike[] => r.ofType("kubernetes:core/v1:Service").map((svc) => {
    const { metadata, spec } = svc.inputs as Obj;
    return { name: metadata.name, namespace: metadata.namespace, clusterIP: spec.clusterIP, ports: spec.ports };
});

/**
 * The variable names a container reads: the ones it is given, and the families its image turns
 * into configuration: the Neo4j 5 entrypoint makes every NEO4J_* a neo4j.conf setting
 * (neo4j/docker-neo4j docker-image-src/5/coredb/docker-entrypoint.sh); Ollama reads its settings
 * from OLLAMA_* (envconfig), counted here as the whole family.
 */
function readsName(c: Obj): (name: string) => boolean {
    const given = new Set(((c.env ?? []) as Obj[]).map((e) => String(e.name)));
    const image = String(c.image);
    const family = /(^|\/)neo4j:/.test(image) ? "NEO4J_" : /(^|\/)ollama\/ollama[:@]/.test(image) ? "OLLAMA_" : undefined;
    return (name) => given.has(name) || (family !== undefined && name.startsWith(family));
}

function serviceLinkCollisions(w: RenderedResource, pod: Obj = podSpec(w)): string[] {
    const ns = (w.inputs.metadata as Obj).namespace as string;
    const injected = injectedNames(renderedServices(), ns, pod.enableServiceLinks);
    return [...(pod.initContainers ?? []), ...pod.containers].flatMap((c: Obj) => injected.filter(readsName(c)).map((n) => `${w.name}/${c.name}: ${n}`));
}

test("no pod gets service-link variables: none of our containers reads a name Kubernetes would inject", () => {
    expect(workloads().map((w) => w.name).sort()).toEqual(["app-backend", "app-frontend", "app-neo4j", "front-door-router", "ollama-kubernetes"]);
    for (const w of workloads()) {
        expect({ name: w.name, enableServiceLinks: podSpec(w).enableServiceLinks }).toEqual({ name: w.name, enableServiceLinks: false });
    }
    expect(workloads().flatMap((w) => serviceLinkCollisions(w))).toEqual([]);
    // The check sees the crash-loop it prevents: with links on, the Service `neo4j` gives the Neo4j
    // container NEO4J_SERVICE_HOST, NEO4J_PORT_7687_TCP..., which its entrypoint would make settings.
    const neo4j = r.named("app-neo4j", "kubernetes:apps/v1:StatefulSet");
    const linked = serviceLinkCollisions(neo4j, { ...podSpec(neo4j), enableServiceLinks: undefined });
    expect(linked).toEqual(expect.arrayContaining(["app-neo4j/neo4j: NEO4J_SERVICE_HOST", "app-neo4j/neo4j: NEO4J_PORT_7687_TCP_ADDR"]));
});

test("replicas of each Deployment spread over the CPU nodes, so one node going away takes one router, backend or frontend, not both", () => {
    const deployments = r.ofType("kubernetes:apps/v1:Deployment");
    expect(deployments.map((d) => d.name).sort()).toEqual(["app-backend", "app-frontend", "front-door-router"]);
    for (const d of deployments) {
        const spec = d.inputs.spec as Obj;
        expect(spec.replicas).toBeGreaterThanOrEqual(2);
        expect({ name: d.name, spread: spec.template.spec.topologySpreadConstraints }).toEqual({
            name: d.name,
            spread: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: spec.selector.matchLabels } }],
        });
    }
});

test("the front door's Service waits long enough for DigitalOcean's load balancer (the provider's default is 10 minutes)", () => {
    const lb = r.named("front-door-lb", "kubernetes:core/v1:Service");
    const minutes = (d?: string) => Number(/^(\d+)m$/.exec(d ?? "")?.[1] ?? 0);
    expect(minutes(lb.customTimeouts?.create)).toBeGreaterThanOrEqual(20);
    expect(minutes(lb.customTimeouts?.update)).toBeGreaterThanOrEqual(20);
});

test("every image is pinned", () => {
    for (const w of workloads()) {
        for (const c of containersOf(w)) expect(String(c.image)).toMatch(/^[^@]+:(?!latest$)[A-Za-z0-9_][A-Za-z0-9._-]*$|@sha256:[0-9a-f]{64}$/);
    }
});

test("every rendered Kubernetes object is valid against the official Kubernetes schemas", () => {
    const objects = k8sObjects();
    expect(objects.length).toBeGreaterThanOrEqual(15);
    const problems = objects.flatMap((o) => validateKubernetesObject(o.inputs as unknown as KubernetesObject));
    expect(problems).toEqual([]);
});

test("the schema check would catch a broken object (it can fail)", () => {
    const set = structuredClone(r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet").inputs) as Obj;
    set.spec.replicas = "two";
    delete set.spec.template.spec.containers[0].name;
    const problems = validateKubernetesObject(set as KubernetesObject);
    expect(problems.join("\n")).toMatch(/replicas must be integer|must have required property 'name'/);
});

describe("the health endpoint on scale: the health path (here /_status/health) through the router, to a responder beside it that asks every Ollama replica", () => {
    const router = () => r.named("front-door-router", "kubernetes:apps/v1:Deployment");
    const responder = () => podSpec(router()).containers.find((c: Obj) => c.name === "health") as Obj;
    const routerJson = () => JSON.parse((r.named("front-door-config", "kubernetes:core/v1:ConfigMap").inputs.data as Obj)["router.json"]);

    test("a busybox responder in each router pod, on the pod's loopback only: no container port, no Service, nothing the load balancer forwards", () => {
        const c = responder();
        expect(c.image).toMatch(/^busybox:1\.37\.0-musl@sha256:[0-9a-f]{64}$/);
        expect(c.args).toEqual(["httpd", "-f", "-p", "127.0.0.1:8081", "-h", "/srv/health"]);
        expect(c.ports).toBeUndefined();
        expect(c.securityContext).toMatchObject({ runAsUser: 65534, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        const lb = r.named("front-door-lb", "kubernetes:core/v1:Service").inputs.spec as Obj;
        expect(lb.ports.map((p: Obj) => p.targetPort)).toEqual(["http", "http"]);
        expect(podSpec(router()).containers.find((x: Obj) => x.name === "caddy").ports).toEqual([{ name: "http", containerPort: 8080 }]);
    });

    test("its inputs: the backend Service's health path, every replica by its own DNS name, the model; no watchdog, no backups", () => {
        expect(envOf(responder())).toEqual({
            HEALTH_BACKEND_URL: "http://backend.rag-stack.svc.cluster.local:8000/health",
            HEALTH_OLLAMA_URLS: "http://ollama-0.ollama-pods.rag-stack.svc.cluster.local:11434 http://ollama-1.ollama-pods.rag-stack.svc.cluster.local:11434",
            HEALTH_MODELS: "qwen2.5:7b-instruct-q8_0",
            HEALTH_BACKUP_MAX_AGE_SECONDS: String(26 * 3600),
            HEALTH_CACHE_SECONDS: "5",
            HEALTH_TIMEOUT_SECONDS: "3",
        });
        // The replicas' names are the StatefulSet's and its headless Service's.
        const set = r.named("ollama-kubernetes", "kubernetes:apps/v1:StatefulSet").inputs as Obj;
        expect(set.metadata.name).toBe("ollama");
        expect(set.spec.replicas).toBe(2);
        expect(set.spec.serviceName).toBe("ollama-pods");
    });

    test("the script comes from the router's ConfigMap, executable, and a change to it rolls the router pods", () => {
        const data = r.named("front-door-config", "kubernetes:core/v1:ConfigMap").inputs.data as Obj;
        // One file in the pod: the script with its sourced parts inlined, as the droplet installs it.
        expect(data["healthz.sh"]).toBe(healthScript());
        expect(data["healthz.sh"]).not.toMatch(/^\s*\. .*healthz-disk-activity\.sh/m);
        const volume = podSpec(router()).volumes.find((v: Obj) => v.name === "health-script");
        expect(volume.configMap.items).toEqual([{ key: "healthz.sh", path: "healthz", mode: 0o555 }]);
        expect(responder().volumeMounts).toEqual([{ name: "health-script", mountPath: "/srv/health/cgi-bin", readOnly: true }]);
        expect((router().inputs.spec as Obj).template.metadata.annotations["rag-stack/config-hash"]).toMatch(/^[0-9a-f]{16}$/);
    });

    test("the router sends the health path to it before the app's routes, and answers 503 JSON itself when it does not answer", () => {
        const server = routerJson().apps.http.servers.router;
        const paths = (server.routes as Obj[]).map((x) => x.match?.[0]?.path?.[0]);
        expect(paths).toEqual(["/__router/health", "/_status/health", "/api/*", undefined]);
        const health = server.routes[1];
        expect(health.terminal).toBe(true);
        const proxy = health.handle[1].routes[0].handle[1];
        expect(proxy.upstreams).toEqual([{ dial: "127.0.0.1:8081", max_requests: 16 }]);
        expect(server.errors.routes[0].match).toEqual([{ path: ["/_status/health"] }]);
        expect(server.errors.routes[0].handle[0]).toMatchObject({ handler: "static_response", status_code: 503 });
        expect(r.result.outputs.healthUrl).toBe("https://rag.example.com/_status/health");
    });
});

describe("alerts on scale: the same uptime check and alerts on the load balancer's name, no node policies", () => {
    const check = () => r.named("alerts-uptime-check", "digitalocean:index/uptimeCheck:UptimeCheck");
    const notifications = [{ emails: ["ops@example.org"], slacks: [] }];

    test("an https check on the health URL from two regions, through the cluster's DigitalOcean provider, after the front door", () => {
        expect(check().inputs).toEqual({
            name: "rag-stack-scale health", type: "https", target: "https://rag.example.com/_status/health", regions: ["us_east", "eu_west"], enabled: true,
        });
        expect(check().provider).toMatch(/::cluster-do::/);
        expect(r.dependsOn(check(), r.named("front-door-lb", "kubernetes:core/v1:Service"))).toBe(true);
    });

    test("down, latency and ssl_expiry alerts to the e-mail address; no Slack without its webhook", () => {
        const alerts = Object.fromEntries(r.ofType("digitalocean:index/uptimeAlert:UptimeAlert").map((a) => [a.name, a.inputs]));
        expect(alerts).toEqual({
            "alerts-uptime-down": { checkId: "alerts-uptime-check-id", name: "rag-stack-scale down", type: "down", period: "3m", notifications },
            "alerts-uptime-latency": {
                checkId: "alerts-uptime-check-id", name: "rag-stack-scale slow", type: "latency", threshold: 3000, comparison: "greater_than", period: "10m", notifications,
            },
            "alerts-uptime-ssl-expiry": {
                checkId: "alerts-uptime-check-id", name: "rag-stack-scale certificate expiring", type: "ssl_expiry", threshold: 14, comparison: "less_than", notifications,
            },
        });
    });

    test("no monitor alert policy on the cluster's nodes, and the output says so", () => {
        expect(r.ofType("digitalocean:index/monitorAlert:MonitorAlert")).toEqual([]);
        const facts = r.result.outputs.alerts as Obj;
        expect(facts.destinations).toEqual({ emails: ["ops@example.org"] });
        expect(facts.policies.map((p: Obj) => p.type)).toEqual(["down", "latency", "ssl_expiry"]);
        expect(facts.notes).toEqual(["scale: no alert policies on the cluster's nodes; the health URL covers every Ollama replica's GPU, the backend and the router"]);
    });
});
