/**
 * The kubeconfig of the scale stack (its `kubeconfig` output, or a file), read by
 * @kubernetes/client-node's KubeConfig: the current context's cluster (server, CA, TLS settings)
 * and user (bearer token, client certificate, or an exec/auth-provider plugin the library runs).
 * DOKS kubeconfigs carry a bearer token and the cluster's CA, base64-encoded.
 *
 * Checked here so a bad kubeconfig is a sentence naming what is wrong before anything is sent.
 * As before the library came in: without a current-context, the first context is used; without
 * contexts, the first cluster with the first user.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { kubernetesClient } from "./library";

export interface ClusterAccess {
    kubeConfig: KubeConfig;
    /** The current cluster's API server URL, without a trailing slash. */
    server: string;
}

export class KubeconfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KubeconfigError";
    }
}

/** Reads and checks a kubeconfig text. */
export function parseKubeconfig(text: string): ClusterAccess {
    const kc = new (kubernetesClient().KubeConfig)();
    try {
        kc.loadFromString(text);
    } catch (err) {
        if (!(err instanceof Error)) throw err;
        if (err.name === "YAMLException") throw new KubeconfigError(`the kubeconfig is not YAML: ${err.message}`);
        // js-yaml reads an empty text as undefined, and loadFromString then reads its fields.
        if (err instanceof TypeError) throw new KubeconfigError("the kubeconfig is empty");
        // client-node 0.22.3 names the bad entry (src/config_types.ts): "clusters[0].cluster.server is missing".
        if (/^clusters\[\d+\]\.cluster\.server is missing$/.test(err.message)) throw new KubeconfigError("the kubeconfig's cluster has no server URL");
        throw new KubeconfigError(`the kubeconfig is not usable: ${err.message}`);
    }
    if (kc.getClusters().length === 0) throw new KubeconfigError("the kubeconfig lists no clusters");
    const contexts = kc.getContexts();
    if (contexts.length === 0) {
        kc.addContext({ name: "rag-stack-verify", cluster: kc.getClusters()[0].name, user: kc.getUsers()[0]?.name ?? "" });
        kc.setCurrentContext("rag-stack-verify");
    } else if (!kc.getCurrentContext()) {
        kc.setCurrentContext(contexts[0].name);
    }
    const context = kc.getContextObject(kc.getCurrentContext());
    if (!context) throw new KubeconfigError(`the kubeconfig has no context named ${JSON.stringify(kc.getCurrentContext())}`);
    const cluster = kc.getCluster(context.cluster);
    if (!cluster) throw new KubeconfigError(`the kubeconfig has no cluster named ${JSON.stringify(context.cluster)}`);
    if (!/^https?:\/\//.test(cluster.server)) throw new KubeconfigError("the kubeconfig's cluster has no server URL");
    if (context.user && !kc.getUser(context.user)) throw new KubeconfigError(`the kubeconfig has no user named ${JSON.stringify(context.user)}`);
    return { kubeConfig: kc, server: cluster.server.replace(/\/+$/, "") };
}
