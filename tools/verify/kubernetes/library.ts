/**
 * @kubernetes/client-node, loaded on first use: it loads every generated API model when required
 * (about 0.7 s here), which verify of a Docker stack, and the unit tests that only parse outputs,
 * never need. Types come from `import type`, which costs nothing at run time.
 */
import type * as k8s from "@kubernetes/client-node";

let loaded: typeof k8s | undefined;

export function kubernetesClient(): typeof k8s {
    loaded ??= require("@kubernetes/client-node") as typeof k8s;
    return loaded;
}
