/**
 * The application on Kubernetes (the `scale` stack): Neo4j as a StatefulSet with its graph on a
 * retained volume, the backend and frontend as Deployments with probes and resources, each behind
 * a ClusterIP Service. The backend takes Ollama only through the OllamaEndpoint interface, as the
 * Docker implementation (components/services.ts) does. Nothing here is reachable from outside the
 * cluster: the front door (front-door.ts) is the only public entry.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { backendEnvEntries, BackendStackEnv } from "../app/backend-env";
import type { ServicesSettings } from "../config/services";
import { OllamaEndpoint } from "../ollama/endpoint";
import { growClaims, TEMPLATE_STORAGE_PATH } from "./claims";
import { appLabels, KubernetesTarget, POD_DEFAULTS, serviceHost, spreadOverNodes } from "./target";

export interface KubernetesAppArgs {
    settings: ServicesSettings;
    target: KubernetesTarget;
    ollama: OllamaEndpoint;
    /** Model the backend asks Ollama for. */
    model: string;
    neo4jPassword: pulumi.Input<string>;
    /** Storage class whose volumes outlive their claims (reclaimPolicy Retain). */
    retainedStorageClass: pulumi.Input<string>;
    neo4jVolumeGb: number;
    backendReplicas: number;
    frontendReplicas: number;
}

/** What distinguishes one HTTP tier from the other. */
interface WebTier {
    role: "backend" | "frontend";
    image: string;
    port: number;
    healthPath: string;
    env: k8s.types.input.core.v1.EnvVar[];
    replicas: number;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    livenessDelaySeconds: number;
    /** What must be Ready before this tier starts. */
    after: pulumi.Resource[];
}

/** Nodes of the CPU pool (components/hosts/doks.ts labels them); GPU nodes stay for Ollama. */
const CPU_POOL = { "rag-stack.pool": "cpu" };

export class KubernetesApp extends pulumi.ComponentResource {
    public readonly backendService: k8s.core.v1.Service;
    public readonly frontendService: k8s.core.v1.Service;
    public readonly backend: k8s.apps.v1.Deployment;
    public readonly frontend: k8s.apps.v1.Deployment;
    public readonly neo4j: k8s.apps.v1.StatefulSet;
    /** What the backend got as OLLAMA_BASE_URL. */
    public readonly backendOllamaUrl: pulumi.Output<string>;

    constructor(name: string, args: KubernetesAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:app:KubernetesApp", name, {}, opts);
        const s = args.settings;
        const ns = args.target.namespace;
        const k8sOpts = { parent: this, provider: args.target.provider, dependsOn: args.target.dependsOn };

        const neo4jSecret = new k8s.core.v1.Secret(`${name}-neo4j-auth`, {
            metadata: { name: "neo4j-auth", namespace: ns, labels: appLabels("neo4j").all },
            type: "Opaque",
            stringData: {
                NEO4J_AUTH: pulumi.secret(pulumi.interpolate`${s.neo4j.user}/${args.neo4jPassword}`),
                NEO4J_PASSWORD: pulumi.secret(pulumi.output(args.neo4jPassword)),
            },
        }, k8sOpts);
        const secretRef = (key: string) => ({ secretKeyRef: { name: neo4jSecret.metadata.name, key } });

        // Neo4j: one pod, its graph on a volume of the retained class; bolt and browser stay in the cluster.
        const neo4jLabels = appLabels("neo4j");
        const neo4jService = new k8s.core.v1.Service(`${name}-neo4j`, {
            metadata: { name: "neo4j", namespace: ns, labels: neo4jLabels.all },
            spec: {
                type: "ClusterIP",
                selector: neo4jLabels.selector,
                ports: [{ name: "bolt", port: 7687, targetPort: "bolt" }, { name: "browser", port: 7474, targetPort: "browser" }],
            },
        }, k8sOpts);
        this.neo4j = new k8s.apps.v1.StatefulSet(`${name}-neo4j`, {
            metadata: { name: "neo4j", namespace: ns, labels: neo4jLabels.all },
            spec: {
                replicas: 1,
                serviceName: neo4jService.metadata.name,
                selector: { matchLabels: neo4jLabels.selector },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: { labels: neo4jLabels.all },
                    spec: {
                        ...POD_DEFAULTS,
                        nodeSelector: CPU_POOL,
                        terminationGracePeriodSeconds: 120,
                        containers: [{
                            name: "neo4j",
                            image: s.neo4j.image,
                            env: [{ name: "NEO4J_AUTH", valueFrom: secretRef("NEO4J_AUTH") }],
                            ports: [{ name: "bolt", containerPort: 7687 }, { name: "browser", containerPort: 7474 }],
                            resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } },
                            volumeMounts: [{ name: "data", mountPath: "/data" }],
                            startupProbe: { tcpSocket: { port: "bolt" }, periodSeconds: 10, failureThreshold: 30 },
                            readinessProbe: { tcpSocket: { port: "bolt" }, periodSeconds: 10, failureThreshold: 3 },
                            livenessProbe: { httpGet: { path: "/", port: "browser" }, periodSeconds: 20, failureThreshold: 3 },
                        }],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "data", labels: neo4jLabels.all },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: args.retainedStorageClass,
                        resources: { requests: { storage: `${args.neo4jVolumeGb}Gi` } },
                    },
                }],
            },
        }, { ...k8sOpts, ignoreChanges: [TEMPLATE_STORAGE_PATH] });
        // A bigger neo4jVolumeGb grows the graph's claim instead of replacing the set (claims.ts).
        growClaims(`${name}-neo4j-data`, {
            namespace: ns, template: "data", statefulSet: "neo4j", replicas: 1, sizeGb: args.neo4jVolumeGb, labels: neo4jLabels.all,
        }, this.neo4j, { parent: this, provider: args.target.provider, dependsOn: args.target.dependsOn });

        // Backend: Ollama's URL from the interface, never from the placement.
        this.backendOllamaUrl = args.ollama.urlForContainers;
        const stackEnv: BackendStackEnv<Omit<k8s.types.input.core.v1.EnvVar, "name">> = {
            OLLAMA_BASE_URL: { value: args.ollama.urlForContainers },
            OLLAMA_MODEL: { value: args.model },
            NEO4J_URI: { value: `bolt://${serviceHost("neo4j", ns)}:7687` },
            NEO4J_USER: { value: s.neo4j.user },
            NEO4J_PASSWORD: { valueFrom: secretRef("NEO4J_PASSWORD") },
        };
        const backendEnv = backendEnvEntries(stackEnv, s.backend.env)
            .map(([name, v]): k8s.types.input.core.v1.EnvVar => (typeof v === "string" ? { name, value: v } : { name, ...v }));
        const backend = this.webTier(name, args, {
            role: "backend", image: s.backend.image, port: s.backend.port, healthPath: s.backend.healthPath, env: backendEnv,
            replicas: args.backendReplicas, resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } },
            livenessDelaySeconds: 20, after: [this.neo4j, ...args.ollama.ready],
        });
        this.backend = backend.deployment;
        this.backendService = backend.service;

        const frontend = this.webTier(name, args, {
            role: "frontend", image: s.frontend.image, port: s.frontend.port, healthPath: s.frontend.path,
            env: [{ name: "BACKEND_URL", value: `http://${serviceHost("backend", ns)}:${s.backend.port}` }],
            replicas: args.frontendReplicas, resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            livenessDelaySeconds: 10, after: [this.backend],
        });
        this.frontend = frontend.deployment;
        this.frontendService = frontend.service;

        for (const [role, replicas] of [["backend", args.backendReplicas], ["frontend", args.frontendReplicas]] as const) {
            if (replicas < 2) continue;
            new k8s.policy.v1.PodDisruptionBudget(`${name}-${role}-pdb`, {
                metadata: { name: role, namespace: ns, labels: appLabels(role).all },
                spec: { minAvailable: 1, selector: { matchLabels: appLabels(role).selector } },
            }, k8sOpts);
        }
        this.registerOutputs({ backendOllamaUrl: this.backendOllamaUrl });
    }

    /**
     * One HTTP tier (backend or frontend): a Deployment on the CPU pool that rolls with no pod down,
     * probed on its own path, and a ClusterIP Service. The two tiers differ only in what is passed.
     */
    private webTier(name: string, args: KubernetesAppArgs, t: WebTier): { deployment: k8s.apps.v1.Deployment; service: k8s.core.v1.Service } {
        const ns = args.target.namespace;
        const k8sOpts = { parent: this, provider: args.target.provider, dependsOn: args.target.dependsOn };
        const labels = appLabels(t.role);
        const probe = { httpGet: { path: t.healthPath, port: "http" } };
        const deployment = new k8s.apps.v1.Deployment(`${name}-${t.role}`, {
            metadata: { name: t.role, namespace: ns, labels: labels.all },
            spec: {
                replicas: t.replicas,
                selector: { matchLabels: labels.selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels: labels.all },
                    spec: {
                        ...POD_DEFAULTS,
                        nodeSelector: CPU_POOL,
                        topologySpreadConstraints: spreadOverNodes(labels.selector),
                        containers: [{
                            name: t.role,
                            image: t.image,
                            env: t.env,
                            ports: [{ name: "http", containerPort: t.port }],
                            resources: t.resources,
                            readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
                            livenessProbe: { ...probe, periodSeconds: 20, failureThreshold: 3, initialDelaySeconds: t.livenessDelaySeconds },
                        }],
                    },
                },
            },
        }, { ...k8sOpts, dependsOn: [...args.target.dependsOn, ...t.after] });
        const service = new k8s.core.v1.Service(`${name}-${t.role}`, {
            metadata: { name: t.role, namespace: ns, labels: labels.all },
            spec: { type: "ClusterIP", selector: labels.selector, ports: [{ name: "http", port: t.port, targetPort: "http" }] },
        }, k8sOpts);
        return { deployment, service };
    }
}
