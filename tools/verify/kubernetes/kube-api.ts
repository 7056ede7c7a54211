/**
 * The Kubernetes API as verify asks it (no kubectl), with @kubernetes/client-node: typed reads of
 * the StatefulSet, its pods and the Services, with the kubeconfig's credentials and a timeout on
 * every call. Pinned at 0.22.3, its last CommonJS release: 1.x and 2.x are ES modules only, which
 * this CommonJS project (and jest, which runs verify in-process) cannot require on Node 20, and
 * 2.x needs Node 22 (its undici 8).
 *
 * Pods and Services are reached through the API server's proxy subresources
 * (`pods/<name>:<port>/proxy/<path>`, `services/<name>:<port>/proxy/<path>`), plain HTTPS: nothing
 * to port-forward, no websocket. The generated client reads those answers whole (and encodes a `/`
 * in the path as %2F), so they go through http-fetch.ts's streaming fetch instead, with the same
 * credentials (KubeConfig.applyToHTTPSOptions): Ollama's NDJSON arrives line by line, through the
 * Ollama client (ollama-client.ts).
 */
import type { AppsV1Api, CoreV1Api, V1Pod, V1Service, V1StatefulSet, VersionApi } from "@kubernetes/client-node";
import * as https from "https";
import { Fetch, httpFetch } from "../http-fetch";
import { OllamaApi } from "../ollama-client";
import { ClusterAccess } from "./kubeconfig";
import { kubernetesClient } from "./library";

type Api = CoreV1Api | AppsV1Api | VersionApi;

export class KubeApi {
    private readonly core: CoreV1Api;
    private readonly apps: AppsV1Api;
    private readonly versions: VersionApi;

    constructor(private readonly access: ClusterAccess, private readonly timeoutMs: number) {
        const kc = access.kubeConfig;
        const k8s = kubernetesClient();
        this.core = this.withTimeout(kc.makeApiClient(k8s.CoreV1Api));
        this.apps = this.withTimeout(kc.makeApiClient(k8s.AppsV1Api));
        this.versions = this.withTimeout(kc.makeApiClient(k8s.VersionApi));
    }

    private withTimeout<T extends Api>(api: T): T {
        // The generated clients send with `request`, whose `timeout` bounds the connection and every read.
        api.addInterceptor((options) => { options.timeout = this.timeoutMs; });
        return api;
    }

    /** Runs one typed call; a failure becomes an Error saying which call and why, as a sentence. */
    private async call<T>(what: string, send: () => Promise<{ body: T }>): Promise<T> {
        try {
            return (await send()).body;
        } catch (err) {
            throw new Error(describeApiFailure(what, err, this.timeoutMs));
        }
    }

    async serverVersion(): Promise<string | undefined> {
        return (await this.call("GET /version", () => this.versions.getCode())).gitVersion;
    }

    statefulSet(namespace: string, name: string): Promise<V1StatefulSet> {
        return this.call(`GET /apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`, () => this.apps.readNamespacedStatefulSet(name, namespace));
    }

    async pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
        const list = await this.call(`GET /api/v1/namespaces/${namespace}/pods?labelSelector=${labelSelector}`,
            () => this.core.listNamespacedPod(namespace, undefined, undefined, undefined, undefined, labelSelector));
        return list.items;
    }

    service(namespace: string, name: string): Promise<V1Service> {
        return this.call(`GET /api/v1/namespaces/${namespace}/services/${name}`, () => this.core.readNamespacedService(name, namespace));
    }

    /** A fetch to the API server with the kubeconfig's credentials (CA, client certificate, token). */
    fetch(timeoutMs: number): Fetch {
        return httpFetch(timeoutMs, async () => {
            const options: https.RequestOptions = {};
            await this.access.kubeConfig.applyToHTTPSOptions(options);
            return options;
        });
    }

    /** GET through a Service's proxy: the HTTP status the Service's pods answered. */
    async serviceProxyGet(namespace: string, service: string, port: string | number, path: string): Promise<number> {
        const res = await this.fetch(this.timeoutMs)(this.access.server + KubeApi.serviceProxy(namespace, service, port, path));
        await res.arrayBuffer();
        return res.status;
    }

    /** Ollama in one pod, through the pod's proxy, with the Ollama client. */
    ollamaInPod(namespace: string, pod: string, port: number): OllamaApi {
        return new OllamaApi(`pod ${pod} through the API server`, this.access.server + KubeApi.podProxy(namespace, pod, port, ""), (t) => this.fetch(t));
    }

    /** Path of a pod's port through the API server's proxy. */
    static podProxy(namespace: string, pod: string, port: number, path: string): string {
        return `/api/v1/namespaces/${namespace}/pods/${pod}:${port}/proxy${path}`;
    }

    /** Path of a Service's port through the API server's proxy. */
    static serviceProxy(namespace: string, service: string, port: string | number, path: string): string {
        return `/api/v1/namespaces/${namespace}/services/${service}:${port}/proxy${path}`;
    }
}

/** "GET /version: HTTP 401 Unauthorized", "GET /version: no answer within 5 s", "...: connect ECONNREFUSED ...". */
export function describeApiFailure(what: string, err: unknown, timeoutMs: number): string {
    if (err instanceof kubernetesClient().HttpError) {
        const body = typeof err.body === "string" ? err.body : JSON.stringify(err.body ?? "");
        const message = (err.body as { message?: unknown } | undefined)?.message;
        return `${what}: HTTP ${err.statusCode ?? err.response?.statusCode ?? "?"} ${typeof message === "string" ? message : body.slice(0, 200)}`.trim();
    }
    const e = err as NodeJS.ErrnoException;
    if (e?.code === "ETIMEDOUT" || e?.code === "ESOCKETTIMEDOUT") return `no answer from the Kubernetes API within ${Math.round(timeoutMs / 1000)} s (${what})`;
    return `${what}: ${e?.message ?? String(err)}`;
}
