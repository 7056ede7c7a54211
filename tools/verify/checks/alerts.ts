/**
 * Two rows verify shows on a stack on DigitalOcean (prod and scale):
 * - `alert-policies`: every alert policy the stack created (the `alerts` output: the uptime
 *   check's down, latency and certificate alerts, the droplet's disk, memory and load policies),
 *   what fires each, and where it goes. Fails when it goes nowhere: nobody would be told.
 * - `health-endpoint`: the deployment's health answer, GET on the `healthUrl` output, the URL
 *   DigitalOcean's uptime check probes: 200 with every part well passes; a 503 is shown with the
 *   parts that failed and their reasons (components/health/contract.ts).
 * Pure row builders over plain data and a fetch, shared by the Docker shape (run-checks.ts) and the
 * Kubernetes shape (kubernetes/checks.ts).
 */
import type { AlertFacts, AlertPolicyFacts } from "../../../components/alerts/facts";
import type { HealthAnswer } from "../../../components/health/contract";
import type { Fetch } from "../http-fetch";
import { toReachError } from "../reach-error";

export type { AlertFacts };

/** A row before it gets its id and title (each shape has its own). */
export interface AlertRow {
    status: "pass" | "fail" | "skip";
    measured: string[];
    cause?: string;
    fix?: string;
    data?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** The `alerts` output, or undefined when the stack has none; a malformed one is a problem. */
export function parseAlertFacts(raw: unknown, problems: string[]): AlertFacts | undefined {
    if (raw === undefined || raw === null) return undefined;
    const policyOk = (p: unknown): p is AlertPolicyFacts =>
        isObj(p) && typeof p.name === "string" && (p.source === "uptime" || p.source === "droplet") && typeof p.type === "string" && typeof p.when === "string";
    const c = isObj(raw) ? raw.uptimeCheck : undefined;
    const d = isObj(raw) ? raw.destinations : undefined;
    if (!isObj(raw) || !isObj(d) || !strings(d.emails) || (d.slackChannel !== undefined && typeof d.slackChannel !== "string") ||
        !isObj(c) || typeof c.name !== "string" || typeof c.target !== "string" || !strings(c.regions) || typeof c.enabled !== "boolean" ||
        !Array.isArray(raw.policies) || !raw.policies.every(policyOk) || !strings(raw.notes)) {
        problems.push(`alerts is ${JSON.stringify(raw)}; expected {destinations, uptimeCheck, policies, notes} as index.ts exports it`);
        return undefined;
    }
    return raw as unknown as AlertFacts;
}

/** Where every alert goes, in one phrase. */
export function destinationsText(f: AlertFacts): string {
    const parts = [...f.destinations.emails, ...(f.destinations.slackChannel ? [`Slack ${f.destinations.slackChannel}`] : [])];
    return parts.length > 0 ? parts.join(", ") : "nobody";
}

/**
 * The alert row; `metricsAgent` is the droplet's agent line (prod), whose absence silences the
 * droplet's policies even though they exist.
 */
export function alertPoliciesRow(f: AlertFacts | undefined, metricsAgent?: string): AlertRow {
    if (!f) return { status: "skip", measured: ["no alerts in this stack (only stacks on DigitalOcean with a front door have them)"] };
    const check = `uptime check "${f.uptimeCheck.name}" on ${f.uptimeCheck.target} from ${f.uptimeCheck.regions.join(", ")}${f.uptimeCheck.enabled ? "" : " (disabled)"}`;
    const lines = [
        `${f.policies.length} alert${f.policies.length === 1 ? "" : "s"} to ${destinationsText(f)}`,
        check,
        ...f.policies.map((p) => `${p.source} ${p.type}: ${p.when}`),
        ...f.notes,
        ...(metricsAgent ? [metricsAgent] : []),
    ];
    const data = { destinations: f.destinations, uptimeCheck: f.uptimeCheck, policies: f.policies };
    if (f.policies.length === 0) {
        return {
            status: "fail", measured: lines, data,
            cause: "no destination is set: DigitalOcean runs the check but tells nobody when the door is down, the certificate expires or the disk fills up",
            fix: "pulumi config set --path 'alerts.emails[0]' ops@your-domain.org (an address DigitalOcean has verified), then pulumi up (docs/alerts.md)",
        };
    }
    if (metricsAgent?.startsWith("metrics agent: not running") && f.policies.some((p) => p.source === "droplet")) {
        return {
            status: "fail", measured: lines, data,
            cause: "DigitalOcean's metrics agent does not run on the droplet: its disk, memory and load policies exist but never see a value",
            fix: "the line above says why; on the droplet: curl -sSL https://repos.insights.digitalocean.com/install.sh | sudo bash",
        };
    }
    return { status: "pass", measured: lines, data };
}

/** The part names of a failing answer with their reasons: "gpu: qwen2.5:7b 62% in VRAM on ollama". */
function failedParts(a: Partial<HealthAnswer>): string[] {
    const checks = (isObj(a.checks) ? a.checks : {}) as Record<string, { reason?: unknown } | undefined>;
    return (Array.isArray(a.failed) ? a.failed : []).map((part) => {
        const reason = checks[part]?.reason;
        return `${part}: ${typeof reason === "string" && reason ? reason : "(no reason given)"}`;
    });
}

/** The well parts of an answer, in one line: "backend, gpu, watchdog ok; backup not set up". */
function partsLine(a: Partial<HealthAnswer>): string {
    const checks = (isObj(a.checks) ? a.checks : {}) as Record<string, { ok?: unknown; enabled?: unknown } | undefined>;
    const ok = Object.entries(checks).filter(([, c]) => c?.ok === true && c.enabled !== false).map(([n]) => n);
    const unused = Object.entries(checks).filter(([, c]) => c?.enabled === false).map(([n]) => n);
    return `${ok.length > 0 ? `${ok.join(", ")} ok` : "no part ok"}${unused.length > 0 ? `; not used here: ${unused.join(", ")}` : ""}`;
}

/**
 * GET the health URL. `fetch` is the caller's (with the TLS trust the door's CA calls for: the
 * certificate row judges the certificate, this row the answer).
 */
export async function healthEndpointRow(url: string | undefined, fetchImpl: Fetch): Promise<AlertRow> {
    if (!url) return { status: "skip", measured: ["no health URL in this stack (no front door)"] };
    let status: number;
    let text: string;
    try {
        const res = await fetchImpl(url, { method: "GET", headers: { accept: "application/json" } });
        status = res.status;
        text = await res.text();
    } catch (err) {
        const e = toReachError(err);
        return {
            status: "fail", measured: [`${url}: ${e.detail}`], data: { url, error: e.kind },
            cause: "the health URL does not answer: the front door is down, the name does not resolve to it, or the firewall drops 443; DigitalOcean's down alert fires the same way",
            fix: "see the front door rows above; on the host: docker logs of the proxy container (prod), or the router pods (scale)",
        };
    }
    let answer: Partial<HealthAnswer> | undefined;
    try {
        const parsed: unknown = JSON.parse(text);
        answer = isObj(parsed) ? (parsed as Partial<HealthAnswer>) : undefined;
    } catch {
        answer = undefined;
    }
    const data = { url, httpStatus: status, answer };
    if (status === 200 && answer?.status === "ok") {
        return { status: "pass", measured: [`HTTP 200 from ${url}: ${partsLine(answer)}`], data };
    }
    if (status === 503 && answer && Array.isArray(answer.failed)) {
        return {
            status: "fail", measured: [`HTTP 503 from ${url}: failing ${answer.failed.join(", ") || "(no part named)"}`, ...failedParts(answer)], data,
            cause: "the deployment is unwell: the parts above failed, and DigitalOcean's down alert fires while this lasts",
            fix: "docs/alerts.md says what each part means and what to do",
        };
    }
    return {
        status: "fail", measured: [`HTTP ${status} from ${url}: ${text.trim().slice(0, 160) || "(empty body)"}`], data,
        cause: "this is not the health responder's answer: the path reaches something else (the frontend, a login) or the door is misconfigured",
        fix: "services.healthPath must be the door's health route; an up redeploys the door's config",
    };
}
