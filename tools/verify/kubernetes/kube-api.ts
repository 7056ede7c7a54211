/**
 * A minimal Kubernetes API client for verify (no kubectl): GET and POST on the API server with the
 * kubeconfig's credentials, JSON or a line stream back. Ollama pods and Services are reached
 * through the API server's proxy subresources (`pods/<name>:<port>/proxy/<path>`,
 * `services/<name>:<port>/proxy/<path>`), plain HTTPS: nothing to port-forward, no websocket.
 */
import * as http from "http";
import * as https from "https";
import { ClusterAccess } from "./kubeconfig";

export interface KubeResponse {
    status: number;
    text: string;
}

export class KubeApi {
    constructor(private readonly access: ClusterAccess, private readonly timeoutMs: number) {}

    /** Sends a request; `onLine` sees each line of the body as it arrives (NDJSON streams). */
    request(method: "GET" | "POST", path: string, body?: unknown, onLine?: (line: string) => void, timeoutMs = this.timeoutMs): Promise<KubeResponse> {
        const url = new URL(this.access.server + path);
        const secure = url.protocol === "https:";
        const headers: Record<string, string> = { Accept: "application/json" };
        if (this.access.token) headers.Authorization = `Bearer ${this.access.token}`;
        const payload = body === undefined ? undefined : JSON.stringify(body);
        if (payload !== undefined) headers["Content-Type"] = "application/json";
        const options: https.RequestOptions = {
            method, hostname: url.hostname, port: url.port || (secure ? 443 : 80), path: url.pathname + url.search, headers,
            ca: this.access.ca, cert: this.access.clientCert, key: this.access.clientKey, rejectUnauthorized: !this.access.insecure,
        };
        return new Promise((resolve, reject) => {
            const req = (secure ? https : http).request(options, (res) => {
                let text = "";
                let pending = "";
                res.setEncoding("utf8");
                res.on("data", (chunk: string) => {
                    text += chunk;
                    if (!onLine) return;
                    pending += chunk;
                    const lines = pending.split("\n");
                    pending = lines.pop() ?? "";
                    for (const l of lines) if (l.trim()) onLine(l.trim());
                });
                res.on("end", () => {
                    if (onLine && pending.trim()) onLine(pending.trim());
                    resolve({ status: res.statusCode ?? 0, text });
                });
                res.on("error", reject);
            });
            req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from the Kubernetes API within ${Math.round(timeoutMs / 1000)} s (${method} ${path})`)));
            req.on("error", reject);
            if (payload !== undefined) req.write(payload);
            req.end();
        });
    }

    async getJson<T>(path: string): Promise<T> {
        const r = await this.request("GET", path);
        if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
        return JSON.parse(r.text) as T;
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
