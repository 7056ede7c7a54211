/**
 * Guard rails for the Kubernetes shape (the `scale` stack): Ollama pods request a GPU and tolerate
 * the GPU nodes' taint, and nothing but the front door is a LoadBalancer (or a NodePort: both put
 * a port on the internet).
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { known } from "../resources";

export const K8S_OLLAMA_GPU = "kubernetes-ollama-requests-gpu";
export const K8S_ONE_PUBLIC_SERVICE = "kubernetes-one-public-entry";

type Props = Record<string, unknown>;
export const K8S_WORKLOADS = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet"];
const K8S_SERVICE = "kubernetes:core/v1:Service";
/** The label the front door's Service carries (components/kubernetes/target.ts appLabels("router")). */
const FRONT_DOOR_NAME = "router";

export interface PodContainer { name: string; image?: string; gpuLimit?: string }

/** Containers (init containers included) of a workload's pod template, with what a policy needs. */
export function podContainers(props: Props): { containers: PodContainer[]; tolerations: Props[] } {
    const pod = known(() => ((props.spec as Props)?.template as Props)?.spec) as Props | undefined;
    if (!pod) return { containers: [], tolerations: [] };
    const list = [...((known(() => pod.initContainers) as Props[] | undefined) ?? []), ...((known(() => pod.containers) as Props[] | undefined) ?? [])];
    const containers = list.map((c) => {
        const limits = known(() => (c.resources as Props | undefined)?.limits) as Props | undefined;
        const gpu = limits?.["nvidia.com/gpu"];
        return {
            name: String(known(() => c.name) ?? ""),
            image: typeof known(() => c.image) === "string" ? (c.image as string) : undefined,
            gpuLimit: gpu === undefined ? undefined : String(gpu),
        };
    });
    return { containers, tolerations: (known(() => pod.tolerations) as Props[] | undefined) ?? [] };
}

function isOllamaImage(image: string | undefined): boolean {
    return image !== undefined && /(^|\/)ollama\/ollama(:|@|$)/.test(image);
}

export function kubernetesOllamaGpu(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: K8S_OLLAMA_GPU,
        description: "Ollama pods on Kubernetes request an NVIDIA GPU and tolerate the GPU nodes' nvidia.com/gpu taint.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (!K8S_WORKLOADS.includes(args.type)) return;
            const { containers, tolerations } = podContainers(args.props);
            const server = containers.find((c) => c.name === "ollama" && isOllamaImage(c.image));
            if (!server) return;
            if (!server.gpuLimit || !(Number(server.gpuLimit) >= 1)) {
                reportViolation(`${args.name}: the Ollama container requests no GPU (resources.limits["nvidia.com/gpu"]); it would run on the CPU. Request 1.`);
            }
            if (!tolerations.some((t) => known(() => t.key) === "nvidia.com/gpu")) {
                reportViolation(`${args.name}: the Ollama pods do not tolerate the nvidia.com/gpu:NoSchedule taint DOKS puts on GPU nodes; they can never be scheduled there.`);
            }
        },
    };
}

export function kubernetesOnePublicEntry(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: K8S_ONE_PUBLIC_SERVICE,
        description: "No Service of type LoadBalancer or NodePort but the front door: everything else stays inside the cluster.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== K8S_SERVICE) return;
            const type = known(() => (args.props.spec as Props | undefined)?.type);
            if (type !== "LoadBalancer" && type !== "NodePort") return;
            const labels = known(() => (args.props.metadata as Props | undefined)?.labels) as Props | undefined;
            if (labels?.["app.kubernetes.io/name"] === FRONT_DOOR_NAME) return;
            reportViolation(`${args.name} is a Service of type ${String(type)}: it puts a port on the internet next to the front door. ` +
                "Use ClusterIP and route through the front door.");
        },
    };
}
