/**
 * verify for the Kubernetes shape (the `scale` stack): reads its outputs (kubeconfig, the app's
 * Services, the model), asks the cluster through its API, prints a table or JSON.
 */
import { parseAlertFacts } from "../checks/alerts";
import { OutputsError } from "../outputs";
import { ClusterAccess, KubeconfigError, parseKubeconfig } from "./kubeconfig";
import { KubeApi } from "./kube-api";
import { renderScaleTable, runScaleChecks, ScaleCheckResult, ScaleTarget } from "./checks";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** True for the outputs of a stack whose Ollama runs on Kubernetes. */
export function isKubernetesOutputs(raw: unknown): boolean {
    return isObj(raw) && raw.ollamaPlacement === "kubernetes";
}

/** Validates the scale stack's outputs into what the checks need, or throws an OutputsError naming each problem. */
export function parseScaleOutputs(raw: unknown, source: string): { access: ClusterAccess; target: ScaleTarget } {
    const problems: string[] = [];
    const o = isObj(raw) ? raw : {};
    const app = isObj(o.kubernetesApp) ? o.kubernetesApp : {};
    const cluster = isObj(o.cluster) ? o.cluster : {};
    const str = (obj: Obj, key: string, label = key): string => {
        const v = obj[key];
        if (typeof v !== "string" || !v) problems.push(`${label} is missing`);
        else if (v === "[secret]") problems.push(`${label} is hidden ("[secret]"); read the outputs with --show-secrets`);
        return typeof v === "string" ? v : "";
    };
    const num = (obj: Obj, key: string, label: string): number => {
        const v = obj[key];
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1) problems.push(`${label} is ${JSON.stringify(v)}; expected a positive integer`);
        return typeof v === "number" ? v : 0;
    };
    const kubeconfig = str(o, "kubeconfig");
    const target: ScaleTarget = {
        namespace: str(app, "namespace", "kubernetesApp.namespace"),
        model: str(o, "ollamaModel"),
        accelerator: str(o, "ollamaAccelerator"),
        replicas: num(cluster, "ollamaReplicas", "cluster.ollamaReplicas"),
        ollamaPodPort: num(app, "ollamaPodPort", "kubernetesApp.ollamaPodPort"),
        backendPort: num(app, "backendPort", "kubernetesApp.backendPort"),
        backendHealthPath: str(app, "backendHealthPath", "kubernetesApp.backendHealthPath"),
        frontendPort: num(app, "frontendPort", "kubernetesApp.frontendPort"),
        healthUrl: typeof o.healthUrl === "string" && o.healthUrl ? o.healthUrl : undefined,
        alerts: parseAlertFacts(o.alerts, problems),
    };
    let access: ClusterAccess | undefined;
    if (kubeconfig && kubeconfig !== "[secret]") {
        try {
            access = parseKubeconfig(kubeconfig);
        } catch (err) {
            if (!(err instanceof KubeconfigError)) throw err;
            problems.push(`kubeconfig: ${err.message}`);
        }
    }
    if (problems.length > 0 || !access) throw new OutputsError(source, problems.length ? problems : ["kubeconfig is missing"]);
    return { access, target };
}

export interface ScaleVerifyOptions {
    concurrency: number;
    json: boolean;
    timeoutMs: number;
    generateTimeoutMs: number;
}

export async function verifyScale(raw: unknown, source: string, options: ScaleVerifyOptions): Promise<{ code: number; text: string; results: ScaleCheckResult[] }> {
    const { access, target } = parseScaleOutputs(raw, source);
    const api = new KubeApi(access, options.timeoutMs);
    const results = await runScaleChecks(api, target, { concurrency: options.concurrency, numPredict: 64, generateTimeoutMs: options.generateTimeoutMs, timeoutMs: options.timeoutMs });
    const ok = results.every((r) => r.status !== "fail");
    const heading = `rag-stack verify: ${source}\nOllama on Kubernetes: ${target.replicas} replica(s) of ${target.model} in namespace ${target.namespace}, API ${access.server}`;
    const text = options.json
        ? JSON.stringify({ ok, source, stack: { ...target, server: access.server }, checks: results.map((r, i) => ({ number: i + 1, ...r })) }, null, 2) + "\n"
        : renderScaleTable(results, heading);
    return { code: ok ? 0 : 1, text, results };
}
