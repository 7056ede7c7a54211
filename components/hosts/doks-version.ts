/**
 * Which DOKS version a cluster is created or kept at. `doks.kubernetesVersion` is a minor ("1.33",
 * the newest patch DigitalOcean offers at deploy time) or a full slug ("1.33.1-do.0", used as is).
 * The provider's getKubernetesVersions lists the offered slugs newest first (terraform-provider-
 * digitalocean kubernetes/datasource_kubernetes_versions.go takes valid_versions[0] as the latest);
 * with a prefix that matches nothing it returns an empty latest_version, which the cluster would
 * then be sent as its version. Resolving the minor here instead turns that into a message naming
 * the key, the value and the minors on offer, before the cluster is touched.
 *
 * A minor means the newest patch *when the cluster is created*; an existing cluster already on a
 * patch of that minor keeps it. Following each new patch at every `up` would start an upgrade the
 * provider does not wait for (terraform-provider-digitalocean v2.99.1 kubernetes/
 * resource_kubernetes_cluster.go Update: `Kubernetes.Upgrade` is called and the read follows at
 * once), while the same `up` goes on changing objects on a cluster whose nodes are being replaced.
 * A new minor or slug is an upgrade you ask for; an older one than the cluster runs is refused
 * (DOKS cannot downgrade: the provider would replace the protected cluster).
 */
import { PROJECT } from "../project";

/** The minors ("1.35") of the offered slugs, newest first, each once. */
export function offeredMinors(offered: readonly string[]): string[] {
    return [...new Set(offered.map((slug) => /^(\d+\.\d+)\./.exec(slug)?.[1]).filter((m): m is string => m !== undefined))];
}

/** The slug to deploy: an exact slug as is; for a minor, the newest offered patch of it. */
export function resolveDoksVersion(requested: string, offered: readonly string[]): string {
    if (!/^\d+\.\d+$/.test(requested)) return requested;
    const match = offered.find((slug) => slug.startsWith(`${requested}.`));
    if (match) return match;
    const minors = offeredMinors(offered);
    const key = `${PROJECT}:doks.kubernetesVersion`;
    if (minors.length === 0) {
        throw new Error(`${key}: "${requested}" cannot be resolved: DigitalOcean lists no Kubernetes version to this token (doctl kubernetes options versions)`);
    }
    throw new Error(`${key}: "${requested}" is not offered by DigitalOcean now (it offers ${minors.join(", ")}; doctl kubernetes options versions). ` +
        `Set one of those minors, e.g. ${key} "${minors[0]}"; an existing cluster is upgraded to it in place (doctl kubernetes cluster get-upgrades lists the versions it can reach)`);
}

/** A slug's numbers (minor, patch, DigitalOcean revision), or undefined for a malformed one. */
function slugNumbers(slug: string): [number, number, number] | undefined {
    const m = /^1\.(\d+)\.(\d+)-do\.(\d+)$/.exec(slug);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function older(a: [number, number, number], b: [number, number, number]): boolean {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
}

/**
 * The version to send: for a minor, the cluster's own slug when it already runs that minor, else the
 * newest offered patch of it; a full slug as is; either refused when older than what the cluster runs.
 * `running` is the existing cluster's slug (undefined before it exists).
 */
export function chooseDoksVersion(requested: string, offered: readonly string[], running: string | undefined): string {
    const minorOnly = /^\d+\.\d+$/.test(requested);
    if (minorOnly && running?.startsWith(`${requested}.`)) return running;
    const chosen = minorOnly ? resolveDoksVersion(requested, offered) : requested;
    const [want, have] = [slugNumbers(chosen), running === undefined ? undefined : slugNumbers(running)];
    if (want && have && older(want, have)) {
        throw new Error(`${PROJECT}:doks.kubernetesVersion: "${requested}" is older than the cluster's ${running}; DOKS cannot downgrade a cluster ` +
            `(the provider would replace it, and it is protected). Set "1.${have[0]}" (keeps ${running}) or a newer version`);
    }
    return chosen;
}

/** True for the provider's answer when no cluster has the name (datasource_kubernetes_cluster.go). */
export function isClusterNotFound(err: unknown): boolean {
    const text = err instanceof Error ? err.message : String(err);
    return /Unable to find cluster with name|No clusters found/.test(text);
}
