/**
 * The environment variables the kubelet gives a container for the Services it can see, as
 * kubernetes/kubernetes pkg/kubelet/envvars/envvars.go (FromServices, makeLinkVariables) builds
 * them, and which Services it sees (pkg/kubelet/kubelet_pods.go getServiceEnvVarMap): with
 * enableServiceLinks (the default) every Service of the pod's namespace that has a cluster IP;
 * always the `kubernetes` Service of the `default` namespace.
 */

export interface ServiceLike {
    name: string;
    namespace: string;
    /** "None" for a headless Service (no variables), undefined for one that gets a cluster IP. */
    clusterIP?: string;
    ports: { name?: string; port: number; protocol?: string }[];
}

/** The API server's own Service, in `default`: its variables reach every pod. */
export const KUBERNETES_SERVICE: ServiceLike = { name: "kubernetes", namespace: "default", ports: [{ name: "https", port: 443 }] };

function envName(s: string): string {
    const name = s.replace(/[.-]/g, "_").toUpperCase();
    return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The variable names one Service produces. */
export function serviceLinkNames(service: ServiceLike): string[] {
    if (service.clusterIP === "None" || service.ports.length === 0) return [];
    const prefix = envName(service.name);
    const names = [`${prefix}_SERVICE_HOST`, `${prefix}_SERVICE_PORT`, `${prefix}_PORT`];
    for (const p of service.ports) {
        if (p.name) names.push(`${prefix}_SERVICE_PORT_${envName(p.name)}`);
        const portPrefix = `${prefix}_PORT_${p.port}_${(p.protocol ?? "TCP").toUpperCase()}`;
        names.push(portPrefix, `${portPrefix}_PROTO`, `${portPrefix}_PORT`, `${portPrefix}_ADDR`);
    }
    return names;
}

/** The names a pod in `namespace` is given, with its enableServiceLinks (undefined: the default, true). */
export function injectedNames(services: ServiceLike[], namespace: string, enableServiceLinks: boolean | undefined): string[] {
    const visible = services.filter((s) => s.namespace === namespace && enableServiceLinks !== false);
    return [...visible, KUBERNETES_SERVICE].flatMap(serviceLinkNames);
}
