/**
 * Where Kubernetes objects of the stack go: the cluster's provider and the app's namespace. Every
 * Kubernetes implementation (Ollama's third placement, the app) takes this, never the cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface KubernetesTarget {
    /** Provider built from the cluster's kubeconfig. */
    provider: k8s.Provider;
    /** Namespace name every namespaced object is created in. */
    namespace: string;
    /** What must exist before the first object (the namespace, the node pools). */
    dependsOn: pulumi.Resource[];
}

/** Labels Kubernetes recommends (app.kubernetes.io/*), the selector subset first. */
export function appLabels(component: string): { selector: Record<string, string>; all: Record<string, string> } {
    const selector = {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": `${pulumi.getProject()}-${pulumi.getStack()}`,
    };
    return { selector, all: { ...selector, "app.kubernetes.io/part-of": pulumi.getProject(), "app.kubernetes.io/managed-by": "pulumi" } };
}

/**
 * What every pod template of the stack starts from. `enableServiceLinks: false`: without it the
 * kubelet gives each container `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT`, `<SERVICE>_PORT_<n>_TCP_*`...
 * for every Service of the namespace (kubernetes/kubernetes pkg/kubelet/envvars/envvars.go,
 * FromServices). Our Service `neo4j` makes those `NEO4J_*`, and the Neo4j 5 image's entrypoint
 * turns every `NEO4J_*` variable into a neo4j.conf setting (neo4j/docker-neo4j
 * docker-image-src/5/coredb/docker-entrypoint.sh), which 5.x's strict validation refuses as
 * unrecognised: the pod crash-loops. Neo4j's own Helm chart sets the same. The app finds every
 * Service by its DNS name (serviceHost), never by these variables.
 */
export const POD_DEFAULTS = { enableServiceLinks: false } as const;

/**
 * Replicas of one Deployment on different CPU nodes where the scheduler can: a node that goes away
 * (a drain, an upgrade, a failure) then takes one replica, not all. ScheduleAnyway, not
 * DoNotSchedule: with a node lost, the count on it would otherwise keep the last replicas pending
 * (kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints). Only nodes the
 * pods' nodeSelector admits count (nodeAffinityPolicy Honor, the default), so the GPU nodes do not.
 */
export function spreadOverNodes(selector: Record<string, string>): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }];
}

/** Cluster-internal DNS name of a Service. */
export function serviceHost(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.cluster.local`;
}
