/**
 * `npm run verify -- --stack scale`: the same questions as on a Docker host, asked of the cluster
 * through its API (no kubectl): the cluster answers; every Ollama replica is Ready, one per GPU
 * node; every replica's model is 100% in VRAM after a warm-up; with --concurrency N, N streams
 * spread over the replicas and each one's throughput; the backend's health and the frontend
 * through their Services; the front door's load balancer has its public address.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { AlertFacts, alertPoliciesRow, healthEndpointRow } from "../checks/alerts";
import { Fetch, httpFetch } from "../http-fetch";
import { findModel, GenerateStats, humanBytes, processorLabel, vramShare } from "../ollama-api";
import { toReachError } from "../reach-error";
import { KubeApi } from "./kube-api";

export type ScaleCheckId = "cluster" | "ollama-replicas" | "gpu-share" | "load-spread" | "backend-health" | "frontend" | "front-door"
    | "health-endpoint" | "alert-policies";

export const SCALE_CHECK_TITLES: Record<ScaleCheckId, string> = {
    "cluster": "Kubernetes API answers",
    "ollama-replicas": "Ollama replicas Ready, one per GPU node",
    "gpu-share": "Every replica's model 100% in VRAM",
    "load-spread": "Load across replicas (--concurrency)",
    "backend-health": "Backend health (Service)",
    "frontend": "Frontend answers (Service)",
    "front-door": "Front door load balancer has an address",
    "health-endpoint": "Health endpoint through the load balancer (what the uptime check sees)",
    "alert-policies": "Alert policies and where they go",
};

export interface ScaleCheckResult {
    id: ScaleCheckId;
    title: string;
    status: "pass" | "fail" | "skip";
    measured: string[];
    cause?: string;
    fix?: string;
    data?: Record<string, unknown>;
}

/** What the scale stack's outputs give verify. */
export interface ScaleTarget {
    namespace: string;
    model: string;
    accelerator: string;
    replicas: number;
    /** The port the Ollama pods listen on (the pod proxy's), not the Service's. */
    ollamaPodPort: number;
    backendPort: number;
    backendHealthPath: string;
    frontendPort: number;
    /** The health URL through the load balancer (index.ts `healthUrl`). */
    healthUrl?: string;
    /** The uptime check, its alerts and where they go (index.ts `alerts`). */
    alerts?: AlertFacts;
}

export interface ScaleOptions {
    /** Streams at once for the load row; 0 leaves it out. */
    concurrency: number;
    /** Tokens each stream generates. */
    numPredict: number;
    generateTimeoutMs: number;
    /** Timeout of every short call (/api/ps). */
    timeoutMs: number;
    /** How the health URL is fetched from here (the public HTTPS through the load balancer). */
    fetchHealth?: Fetch;
}

const row = (id: ScaleCheckId, status: ScaleCheckResult["status"], measured: string | string[], extra: Partial<ScaleCheckResult> = {}): ScaleCheckResult =>
    ({ id, title: SCALE_CHECK_TITLES[id], status, measured: [measured].flat(), ...extra });

/** One generation on a pod, through its proxy: Ollama's counters, or what went wrong. */
async function generate(api: KubeApi, ns: string, pod: string, port: number, model: string, numPredict: number, timeoutMs: number): Promise<{ stats?: GenerateStats; ttftMs?: number; error?: string }> {
    try {
        const g = await api.ollamaInPod(ns, pod, port).generate({ model, prompt: "Say OK.", options: { num_predict: numPredict, temperature: 0 } }, timeoutMs);
        return { stats: g.stats, ttftMs: g.ttftMs };
    } catch (err) {
        return { error: toReachError(err).detail };
    }
}

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export async function runScaleChecks(api: KubeApi, t: ScaleTarget, o: ScaleOptions): Promise<ScaleCheckResult[]> {
    const results: ScaleCheckResult[] = [];
    const ns = t.namespace;
    try {
        const version = await api.serverVersion();
        results.push(row("cluster", "pass", `Kubernetes ${version ?? "(version not reported)"}`));
    } catch (err) {
        results.push(row("cluster", "fail", (err as Error).message, {
            cause: "the API server did not answer with the stack's kubeconfig (cluster down, credentials expired after 7 days, or no network)",
            fix: "pulumi up --stack scale refreshes the kubeconfig output; check doctl kubernetes cluster list",
        }));
        const why = "not run: the Kubernetes API did not answer (row 1)";
        for (const id of ["ollama-replicas", "gpu-share", "load-spread", "backend-health", "frontend", "front-door"] as const) results.push(row(id, "skip", why));
        return results;
    }

    // Row 2: the StatefulSet's own count, and where each pod runs.
    let pods: string[] = [];
    try {
        const set = await api.statefulSet(ns, "ollama");
        const ready = (await api.pods(ns, "app.kubernetes.io/name=ollama")).filter(isReady);
        pods = ready.map((p) => p.metadata?.name ?? "?").sort();
        const nodes = ready.map((p) => p.spec?.nodeName ?? "?");
        const distinct = new Set(nodes).size === nodes.length;
        const wanted = set.spec?.replicas ?? t.replicas;
        const measured = [`${set.status?.readyReplicas ?? 0}/${wanted} Ready`, ...ready.map((p) => `${p.metadata?.name ?? "?"} on ${p.spec?.nodeName ?? "?"}`)];
        if ((set.status?.readyReplicas ?? 0) < wanted || ready.length < wanted) {
            results.push(row("ollama-replicas", "fail", measured, {
                cause: "a replica is not Ready: its model is still being pulled or loaded, no GPU node is free yet (the autoscaler adds one in minutes), or the model does not sit 100% on the GPU",
                fix: `look at the pod's events and probe messages: the StatefulSet's pods in namespace ${ns} (readiness prints the ollama ps line)`,
                data: { ready: ready.length, wanted },
            }));
        } else if (!distinct) {
            results.push(row("ollama-replicas", "fail", measured, { cause: "two replicas share a GPU node", fix: "the pod anti-affinity must be required on kubernetes.io/hostname" }));
        } else {
            results.push(row("ollama-replicas", "pass", measured, { data: { ready: ready.length, wanted } }));
        }
    } catch (err) {
        results.push(row("ollama-replicas", "fail", (err as Error).message, { cause: "the StatefulSet or its pods could not be read", fix: `check that namespace ${ns} holds the ollama StatefulSet` }));
    }

    // Row 3: every Ready replica, warmed up, then its share in VRAM.
    if (pods.length === 0) {
        results.push(row("gpu-share", "skip", "not run: no Ready replica (row 2)"));
    } else {
        const lines: string[] = [];
        const shares: Record<string, number> = {};
        let failed = false;
        for (const pod of pods) {
            const warm = await generate(api, ns, pod, t.ollamaPodPort, t.model, 1, o.generateTimeoutMs);
            if (warm.error) {
                failed = true;
                lines.push(`${pod}: warm-up failed: ${warm.error}`);
                continue;
            }
            const entry = await api.ollamaInPod(ns, pod, t.ollamaPodPort).ps(o.timeoutMs).then((models) => findModel(models, t.model), () => undefined);
            if (!entry || entry.sizeVram === undefined) {
                failed = true;
                lines.push(`${pod}: ${t.model} not loaded after the warm-up`);
                continue;
            }
            shares[pod] = vramShare(entry.size, entry.sizeVram);
            lines.push(`${pod}: ${processorLabel(entry.size, entry.sizeVram)} (${humanBytes(entry.sizeVram)} of ${humanBytes(entry.size)} in VRAM)`);
            if (t.accelerator !== "cpu" && shares[pod] < 1) failed = true;
        }
        results.push(row("gpu-share", failed ? "fail" : "pass", lines, failed ? {
            cause: "a replica runs the model partly on the CPU, or cannot load it (VRAM too small for model + context, or the GPU is not visible to the pod)",
            fix: "choose a bigger GPU size (doks.gpuPool.size) or a smaller model/context; the pod's readiness probe says the same",
            data: { shares },
        } : { data: { shares } }));
    }

    // Row 4: N streams at once, dealt round-robin to the replicas through their pods' proxies.
    if (o.concurrency <= 0) {
        results.push(row("load-spread", "skip", "not run: pass --concurrency N"));
    } else if (pods.length === 0) {
        results.push(row("load-spread", "skip", "not run: no Ready replica (row 2)"));
    } else {
        const started = Date.now();
        const runs = await Promise.all(Array.from({ length: o.concurrency }, (_, i) => {
            const pod = pods[i % pods.length];
            return generate(api, ns, pod, t.ollamaPodPort, t.model, o.numPredict, o.generateTimeoutMs).then((r) => ({ pod, ...r }));
        }));
        const wallS = (Date.now() - started) / 1000;
        const perPod: Record<string, { requests: number; tokens: number; errors: number }> = {};
        for (const pod of pods) perPod[pod] = { requests: 0, tokens: 0, errors: 0 };
        for (const r of runs) {
            perPod[r.pod].requests += 1;
            if (r.error || !r.stats) perPod[r.pod].errors += 1;
            else perPod[r.pod].tokens += r.stats.evalCount;
        }
        const total = Object.values(perPod).reduce((a, p) => a + p.tokens, 0);
        const errors = Object.values(perPod).reduce((a, p) => a + p.errors, 0);
        const rates = Object.fromEntries(Object.entries(perPod).map(([pod, p]) => [pod, p.tokens / wallS]));
        const lines = [
            `${o.concurrency} streams over ${pods.length} replicas: ${(total / wallS).toFixed(1)} tok/s in all, ${errors} failed`,
            ...Object.entries(perPod).map(([pod, p]) => `${pod}: ${p.requests} streams, ${rates[pod].toFixed(1)} tok/s`),
        ];
        const idle = Object.entries(perPod).filter(([, p]) => p.tokens === 0).map(([pod]) => pod);
        results.push(row("load-spread", errors > 0 || idle.length > 0 ? "fail" : "pass", lines, {
            ...(errors > 0 || idle.length > 0 ? { cause: idle.length ? `replica(s) served nothing: ${idle.join(", ")}` : "streams failed (queue full: HTTP 503, or timeouts)", fix: "read the failing pods' logs; raise replicas or ollama.numParallel within the VRAM budget" } : {}),
            data: { concurrency: o.concurrency, wallSeconds: wallS, aggregateTokensPerSecond: total / wallS, perReplica: perPod, errors },
        }));
    }

    for (const [id, service, port, path] of [
        ["backend-health", "backend", "http", t.backendHealthPath],
        ["frontend", "frontend", "http", "/"],
    ] as const) {
        try {
            const status = await api.serviceProxyGet(ns, service, port, path);
            results.push(row(id, status >= 200 && status < 300 ? "pass" : "fail", `HTTP ${status} from service ${service}${path}`,
                status >= 200 && status < 300 ? {} : { cause: `the ${service} Service has no Ready pod, or it answers an error`, fix: `look at the ${service} Deployment's pods and their readiness` }));
        } catch (err) {
            results.push(row(id, "fail", (err as Error).message, { cause: `service ${service} could not be reached through the API server`, fix: `check the ${service} Deployment` }));
        }
    }

    try {
        const svc = await api.service(ns, "front-door");
        const ingress = svc.status?.loadBalancer?.ingress?.[0];
        const address = ingress?.ip ?? ingress?.hostname;
        results.push(address
            ? row("front-door", "pass", `load balancer at ${address}; point the DNS name at it`)
            : row("front-door", "fail", "no address yet", { cause: "DigitalOcean is still provisioning the load balancer, or refused it (certificate name unknown)", fix: `look at the events of service front-door in namespace ${ns}` }));
    } catch (err) {
        results.push(row("front-door", "fail", (err as Error).message, { cause: "the front door Service could not be read", fix: "pulumi up --stack scale" }));
    }
    results.push({ id: "health-endpoint", title: SCALE_CHECK_TITLES["health-endpoint"], ...await healthEndpointRow(t.healthUrl, o.fetchHealth ?? httpFetch(o.timeoutMs)) });
    results.push({ id: "alert-policies", title: SCALE_CHECK_TITLES["alert-policies"], ...alertPoliciesRow(t.alerts) });
    return results;
}

export function renderScaleTable(results: ScaleCheckResult[], heading: string): string {
    const width = Math.max(...results.map((r) => r.title.length));
    const lines = [heading, "", ` #   ${"Check".padEnd(width)}  Result  Measured`];
    results.forEach((r, i) => {
        const [first, ...rest] = r.measured;
        lines.push(`${String(i + 1).padStart(2)}   ${r.title.padEnd(width)}  ${({ pass: "PASS", fail: "FAIL", skip: "skip" })[r.status].padEnd(6)}  ${first ?? ""}`.trimEnd());
        const pad = " ".repeat(5 + width + 2 + 8);
        for (const more of rest) lines.push(`${pad}${more}`);
        if (r.status === "fail") {
            if (r.cause) lines.push(`${pad}cause: ${r.cause}`);
            if (r.fix) lines.push(`${pad}fix:   ${r.fix}`);
        }
    });
    const n = (s: ScaleCheckResult["status"]) => results.filter((r) => r.status === s).length;
    lines.push("", `${n("fail") === 0 ? "OK" : "FAILED"}: ${n("pass")} passed, ${n("fail")} failed, ${n("skip")} skipped`);
    return lines.join("\n") + "\n";
}
