/**
 * The parts of a kubeconfig (the `kubeconfig` stack output of the scale stack, or a file) that a
 * client needs: the current context's server, its CA, and the user's token or client certificate.
 * DOKS kubeconfigs carry a bearer token and the cluster's CA, base64-encoded.
 */
import { parse as parseYaml } from "yaml";

export interface ClusterAccess {
    server: string;
    /** PEM of the cluster's CA, when the kubeconfig pins one. */
    ca?: string;
    token?: string;
    clientCert?: string;
    clientKey?: string;
    /** insecure-skip-tls-verify in the kubeconfig. */
    insecure: boolean;
}

export class KubeconfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KubeconfigError";
    }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const b64 = (v: unknown): string | undefined => (typeof v === "string" && v ? Buffer.from(v, "base64").toString("utf8") : undefined);

function named(list: unknown, name: string | undefined, what: string): Obj {
    if (!Array.isArray(list) || list.length === 0) throw new KubeconfigError(`the kubeconfig lists no ${what}s`);
    const found = name === undefined ? list[0] : list.find((e) => isObj(e) && e.name === name);
    if (!isObj(found)) throw new KubeconfigError(`the kubeconfig has no ${what} named ${JSON.stringify(name)}`);
    return found;
}

export function parseKubeconfig(text: string): ClusterAccess {
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (err) {
        throw new KubeconfigError(`the kubeconfig is not YAML: ${(err as Error).message}`);
    }
    if (!isObj(doc)) throw new KubeconfigError("the kubeconfig is empty");
    const currentName = typeof doc["current-context"] === "string" ? doc["current-context"] : undefined;
    const context = Array.isArray(doc.contexts) && doc.contexts.length > 0 ? named(doc.contexts, currentName, "context") : undefined;
    const ctx = isObj(context?.context) ? context.context : {};
    const cluster = named(doc.clusters, typeof ctx.cluster === "string" ? ctx.cluster : undefined, "cluster").cluster;
    if (!isObj(cluster) || typeof cluster.server !== "string" || !/^https?:\/\//.test(cluster.server)) {
        throw new KubeconfigError("the kubeconfig's cluster has no server URL");
    }
    const user = Array.isArray(doc.users) && doc.users.length > 0 ? named(doc.users, typeof ctx.user === "string" ? ctx.user : undefined, "user").user : {};
    const u = isObj(user) ? user : {};
    return {
        server: cluster.server.replace(/\/+$/, ""),
        ca: b64(cluster["certificate-authority-data"]),
        token: typeof u.token === "string" ? u.token : undefined,
        clientCert: b64(u["client-certificate-data"]),
        clientKey: b64(u["client-key-data"]),
        insecure: cluster["insecure-skip-tls-verify"] === true,
    };
}
