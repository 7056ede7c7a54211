/**
 * Which DOKS version a cluster is created or kept at. `doks.kubernetesVersion` is a minor ("1.33",
 * the newest patch DigitalOcean offers at deploy time) or a full slug ("1.33.1-do.0", used as is).
 * The provider's getKubernetesVersions lists the offered slugs newest first (terraform-provider-
 * digitalocean kubernetes/datasource_kubernetes_versions.go takes valid_versions[0] as the latest);
 * with a prefix that matches nothing it returns an empty latest_version, which the cluster would
 * then be sent as its version. Resolving the minor here instead turns that into a message naming
 * the key, the value and the minors on offer, before the cluster is touched.
 */
import { PROJECT } from "../config";

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
