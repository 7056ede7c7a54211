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

/** Cluster-internal DNS name of a Service. */
export function serviceHost(name: string, namespace: string): string {
    return `${name}.${namespace}.svc.cluster.local`;
}
