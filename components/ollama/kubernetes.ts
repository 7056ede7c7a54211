/**
 * Kubernetes placement (the `scale` stack): Ollama as a StatefulSet on the GPU node pool, behind a
 * ClusterIP Service. The third implementation of OllamaEndpoint; the backend gets its URL from
 * here exactly as it does from the native and container placements.
 *
 * Objects and why each is shaped so (the reference chart, otwld/ollama-helm, is what to beat):
 * - StatefulSet, one GPU per pod (`nvidia.com/gpu: 1`), the toleration and node selector of DOKS
 *   GPU nodes, and required pod anti-affinity on the hostname: one Ollama per GPU node.
 * - A per-replica model volume (volumeClaimTemplates on do-block-storage) kept when the set is
 *   scaled down or deleted (persistentVolumeClaimRetentionPolicy Retain): a restarted, rescheduled
 *   or upgraded pod finds its model and downloads nothing (the chart pulls again on upgrade, #154).
 *   `destroy` deletes the namespace and the claims with it, and do-block-storage's reclaim policy is
 *   Delete: the volumes go too. That is meant: a model is downloaded again, a kept volume would only
 *   bill (a new cluster's claims get new volumes); the graph is on the Retain class (app.ts).
 *   A bigger modelsVolumeGb grows the claims (kubernetes/claims.ts), never replaces the set.
 * - Pods get no service-link variables (POD_DEFAULTS): Ollama reads OLLAMA_*, and the Service
 *   `ollama` would add OLLAMA_PORT, OLLAMA_SERVICE_HOST...
 * - An init container that pulls the model onto that volume (scripts/k8s-pull-model.sh): the pod's
 *   server does not even start before the model is on disk (the chart pulls in a start hook and is
 *   Ready before its model is there, #200).
 * - Startup and readiness probes that load the model and demand "100% GPU" from `ollama ps`
 *   (scripts/k8s-model-ready.sh), not `/`; the load takes no generation slot, so a replica busy
 *   with users stays Ready. The startup probe allows for a cold model load (up to 10 minutes).
 *   Liveness is the cheap `/` answer: a busy GPU is not a dead server.
 * - A PodDisruptionBudget (one pod down at a time during node drains and upgrades), a headless
 *   Service for the set's pod identities and a ClusterIP Service `ollama` for the backend.
 * - The scripts live in a ConfigMap; their hash is a pod-template annotation, so a script change
 *   rolls the pods.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { OllamaSettings } from "../config/ollama";
import { DO_BLOCK_STORAGE_CLASS, DOKS_GPU_NODE_LABEL, DOKS_GPU_TAINT_KEY } from "../hosts/doks";
import { growClaims, TEMPLATE_STORAGE_PATH } from "../kubernetes/claims";
import { appLabels, KubernetesTarget, POD_DEFAULTS, serviceHost } from "../kubernetes/target";
import { OLLAMA_CONTAINER_PORT, OLLAMA_NETWORK_ALIAS, OllamaEndpoint } from "./endpoint";
import { ollamaServerEnvironment } from "./environment";
import { SCRIPTS_DIR, scriptHash } from "./scripts";

export interface KubernetesOllamaArgs {
    settings: OllamaSettings;
    target: KubernetesTarget;
    /** Size of each replica's model volume, GB. */
    modelsVolumeGb: number;
}

/** The StatefulSet's name and its headless Service's: each pod is `<set>-<i>.<service>.<namespace>.svc.cluster.local`. */
export const OLLAMA_STATEFULSET = "ollama";
export const OLLAMA_PODS_SERVICE = "ollama-pods";

/**
 * The base URL of every replica, by its stable DNS name (StatefulSet pod identity through the
 * headless Service). A replica that is not Ready (its probe demands the model 100% on the GPU)
 * has no record there, so whoever asks it learns that too.
 */
export function ollamaReplicaUrls(namespace: string, replicas: number): string[] {
    return Array.from({ length: replicas }, (_, i) =>
        `http://${OLLAMA_STATEFULSET}-${i}.${OLLAMA_PODS_SERVICE}.${namespace}.svc.cluster.local:${OLLAMA_CONTAINER_PORT}`);
}

/** Where the official image keeps its models (OLLAMA_MODELS default for root). */
const MODELS_PATH = "/root/.ollama/models";
const SCRIPTS_PATH = "/scripts";
const PULL_SCRIPT = "k8s-pull-model.sh";
const READY_SCRIPT = "k8s-model-ready.sh";

export class KubernetesOllama extends pulumi.ComponentResource implements OllamaEndpoint {
    public readonly placement = "kubernetes" as const;
    public readonly urlForContainers: pulumi.Output<string>;
    public readonly needsHostGateway = false;
    public readonly urlForHost: pulumi.Output<string | undefined>;
    public readonly ready: pulumi.Resource[];
    public readonly processor: pulumi.Output<string | undefined>;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly service: k8s.core.v1.Service;

    constructor(name: string, args: KubernetesOllamaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:ollama:KubernetesOllama", name, {}, opts);
        const s = args.settings;
        const ns = args.target.namespace;
        const k8sOpts = { parent: this, provider: args.target.provider, dependsOn: args.target.dependsOn };
        const labels = appLabels("ollama");

        const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, {
            metadata: { name: "ollama-scripts", namespace: ns, labels: labels.all },
            data: Object.fromEntries([PULL_SCRIPT, READY_SCRIPT].map((f) => [f, fs.readFileSync(path.join(SCRIPTS_DIR, f), "utf8")])),
        }, k8sOpts);

        const headless = new k8s.core.v1.Service(`${name}-pods`, {
            metadata: { name: OLLAMA_PODS_SERVICE, namespace: ns, labels: labels.all },
            spec: {
                clusterIP: "None",
                selector: labels.selector,
                ports: [{ name: "http", port: OLLAMA_CONTAINER_PORT, targetPort: "http" }],
            },
        }, k8sOpts);

        const env = { ...ollamaServerEnvironment(s, `0.0.0.0:${OLLAMA_CONTAINER_PORT}`, MODELS_PATH), OLLAMA_MODEL: s.model };
        const container = {
            name: "ollama",
            image: s.image,
            // The image's entrypoint is /bin/ollama and its command `serve`.
            args: ["serve"],
            env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
            ports: [{ name: "http", containerPort: OLLAMA_CONTAINER_PORT }],
            resources: {
                requests: { cpu: "1", memory: "4Gi" },
                limits: { "nvidia.com/gpu": "1" },
            },
            volumeMounts: [
                { name: "models", mountPath: MODELS_PATH },
                { name: "scripts", mountPath: SCRIPTS_PATH, readOnly: true },
            ],
            startupProbe: {
                exec: { command: ["sh", `${SCRIPTS_PATH}/${READY_SCRIPT}`] },
                periodSeconds: 10,
                timeoutSeconds: 120,
                failureThreshold: 60,
            },
            readinessProbe: {
                exec: { command: ["sh", `${SCRIPTS_PATH}/${READY_SCRIPT}`] },
                periodSeconds: 30,
                timeoutSeconds: 120,
                failureThreshold: 2,
            },
            livenessProbe: {
                httpGet: { path: "/", port: "http" },
                periodSeconds: 20,
                timeoutSeconds: 5,
                failureThreshold: 3,
            },
        };

        this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}`, {
            metadata: { name: OLLAMA_STATEFULSET, namespace: ns, labels: labels.all },
            spec: {
                replicas: s.replicas,
                serviceName: headless.metadata.name,
                podManagementPolicy: "Parallel",
                selector: { matchLabels: labels.selector },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: {
                        labels: labels.all,
                        annotations: { "rag-stack/scripts-hash": scriptHash(PULL_SCRIPT, READY_SCRIPT) },
                    },
                    spec: {
                        ...POD_DEFAULTS,
                        nodeSelector: { [DOKS_GPU_NODE_LABEL.key]: DOKS_GPU_NODE_LABEL.value },
                        tolerations: [{ key: DOKS_GPU_TAINT_KEY, operator: "Exists", effect: "NoSchedule" }],
                        affinity: {
                            podAntiAffinity: {
                                requiredDuringSchedulingIgnoredDuringExecution: [{
                                    labelSelector: { matchLabels: labels.selector },
                                    topologyKey: "kubernetes.io/hostname",
                                }],
                            },
                        },
                        terminationGracePeriodSeconds: 60,
                        initContainers: [{
                            name: "pull-model",
                            image: s.image,
                            command: ["sh", `${SCRIPTS_PATH}/${PULL_SCRIPT}`],
                            env: [
                                { name: "OLLAMA_MODEL", value: s.model },
                                { name: "OLLAMA_MODELS", value: MODELS_PATH },
                            ],
                            resources: { requests: { cpu: "500m", memory: "1Gi" } },
                            volumeMounts: [
                                { name: "models", mountPath: MODELS_PATH },
                                { name: "scripts", mountPath: SCRIPTS_PATH, readOnly: true },
                            ],
                        }],
                        containers: [container],
                        volumes: [{ name: "scripts", configMap: { name: scripts.metadata.name, defaultMode: 0o555 } }],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "models", labels: labels.all },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: DO_BLOCK_STORAGE_CLASS,
                        resources: { requests: { storage: `${args.modelsVolumeGb}Gi` } },
                    },
                }],
            },
        }, {
            ...k8sOpts,
            // `up` waits until every replica is Ready (model on disk, loaded, 100% on the GPU). A
            // first pull of a large model plus a GPU node joining takes longer than the default 10 min.
            customTimeouts: { create: "45m", update: "45m" },
            // A bigger modelsVolumeGb grows the claims (below) instead of replacing the set.
            ignoreChanges: [TEMPLATE_STORAGE_PATH],
        });
        growClaims(`${name}-models`, {
            namespace: ns, template: "models", statefulSet: "ollama", replicas: s.replicas, sizeGb: args.modelsVolumeGb, labels: labels.all,
        }, this.statefulSet, { parent: this, provider: args.target.provider, dependsOn: args.target.dependsOn });

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: { name: "ollama", namespace: ns, labels: labels.all },
            spec: { maxUnavailable: 1, selector: { matchLabels: labels.selector } },
        }, k8sOpts);

        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: OLLAMA_NETWORK_ALIAS, namespace: ns, labels: labels.all },
            spec: {
                type: "ClusterIP",
                selector: labels.selector,
                ports: [{ name: "http", port: s.port, targetPort: "http" }],
            },
        }, k8sOpts);

        this.urlForContainers = pulumi.output(`http://${serviceHost(OLLAMA_NETWORK_ALIAS, ns)}:${s.port}`);
        this.urlForHost = pulumi.output(undefined);
        // Each pod's readiness demands 100% GPU; verify reports every replica's share.
        this.processor = pulumi.output(undefined);
        this.ready = [this.statefulSet, this.service];
        this.registerOutputs({ urlForContainers: this.urlForContainers });
    }
}
