/**
 * verify's alert rows: the alert policies and where they go (from the `alerts` output), and the
 * health endpoint's answer (a GET of `healthUrl`: 200 passes, a 503 shows the failed parts and
 * their reasons, anything else is not the responder). The fetch is a stand-in: no network.
 */
import { alertPoliciesRow, healthEndpointRow, parseAlertFacts } from "../../tools/verify/checks/alerts";
import type { AlertFacts } from "../../components/alerts/facts";
import type { Fetch } from "../../tools/verify/http-fetch";
import { ReachError } from "../../tools/verify/reach-error";
import { parkedLines, parkedStack } from "../../tools/verify/parked";

const URL = "https://rag.example.com/healthz";
const FACTS: AlertFacts = {
    destinations: { emails: ["ops@example.org"], slackChannel: "#rag-alerts" },
    uptimeCheck: { name: "rag-stack-prod health", target: URL, regions: ["us_east", "eu_west"], enabled: true },
    policies: [
        { name: "rag-stack-prod down", source: "uptime", type: "down", when: "the health URL fails (no answer, TLS error or not 2xx) for 3m" },
        { name: "rag-stack-prod: root disk in use above 85% for 10m", source: "droplet", type: "v1/insights/droplet/disk_utilization_percent", when: "root disk in use above 85% for 10m" },
    ],
    notes: [],
};

function answering(status: number, body: string, seen: string[] = []): Fetch {
    return (async (input: string | URL | Request) => {
        seen.push(String(input));
        return new Response(body, { status, headers: { "content-type": "application/json" } });
    }) as Fetch;
}

describe("alert policies", () => {
    test("each policy, what fires it and where it goes, and the check with its regions", () => {
        const row = alertPoliciesRow(FACTS);
        expect(row.status).toBe("pass");
        expect(row.measured).toEqual([
            "2 alerts to ops@example.org, Slack #rag-alerts",
            `uptime check "rag-stack-prod health" on ${URL} from us_east, eu_west`,
            "uptime down: the health URL fails (no answer, TLS error or not 2xx) for 3m",
            "droplet v1/insights/droplet/disk_utilization_percent: root disk in use above 85% for 10m",
        ]);
    });

    test("the droplet's metrics agent: shown; not running fails the row, since the droplet's policies would see nothing", () => {
        expect(alertPoliciesRow(FACTS, "metrics agent: running (do-agent 3.18.14)")).toMatchObject({ status: "pass" });
        expect(alertPoliciesRow(FACTS, "metrics agent: running (do-agent 3.18.14)").measured).toContain("metrics agent: running (do-agent 3.18.14)");
        const down = alertPoliciesRow(FACTS, "metrics agent: not running: apt stayed busy; ...");
        expect(down.status).toBe("fail");
        expect(down.cause).toMatch(/never see a value/);
        expect(alertPoliciesRow({ ...FACTS, policies: FACTS.policies.slice(0, 1) }, "metrics agent: not running: x").status).toBe("pass");
    });

    test("no destination: it fails, saying nobody is told and how to add an address", () => {
        const row = alertPoliciesRow({ ...FACTS, destinations: { emails: [] }, policies: [], notes: ["no destination is set"] });
        expect(row.status).toBe("fail");
        expect(row.measured[0]).toBe("0 alerts to nobody");
        expect(row.cause).toMatch(/tells nobody/);
        expect(row.fix).toContain("pulumi config set --path 'alerts.emails[0]'");
    });

    test("parked: the check is shown disabled, with the note", () => {
        const row = alertPoliciesRow({ ...FACTS, uptimeCheck: { ...FACTS.uptimeCheck, enabled: false }, policies: FACTS.policies.slice(0, 1), notes: ["parked: the uptime check is disabled"] });
        expect(row.status).toBe("pass");
        expect(row.measured[1]).toMatch(/\(disabled\)$/);
        expect(row.measured).toContain("parked: the uptime check is disabled");
    });

    test("a stack without alerts skips the row; a malformed output is a problem naming it", () => {
        expect(alertPoliciesRow(undefined).status).toBe("skip");
        const problems: string[] = [];
        expect(parseAlertFacts({ destinations: { emails: "x" } }, problems)).toBeUndefined();
        expect(problems[0]).toMatch(/^alerts is .* expected \{destinations, uptimeCheck, policies, notes\}/);
        expect(parseAlertFacts(JSON.parse(JSON.stringify(FACTS)), [])).toEqual(FACTS);
        expect(parseAlertFacts(undefined, [])).toBeUndefined();
    });
});

describe("health endpoint", () => {
    test("200 with every part well passes, naming the parts and the unused ones", async () => {
        const seen: string[] = [];
        const body = JSON.stringify({ status: "ok", failed: [], checks: {
            backend: { ok: true, reason: "HTTP 200" }, gpu: { ok: true, reason: "100%" },
            watchdog: { ok: true, reason: "", enabled: true }, backup: { ok: true, reason: "not set up", enabled: false },
        }, lastOllamaRequestAt: null });
        const row = await healthEndpointRow(URL, answering(200, body, seen));
        expect(seen).toEqual([URL]);
        expect(row.status).toBe("pass");
        expect(row.measured).toEqual([`HTTP 200 from ${URL}: backend, gpu, watchdog ok; not used here: backup`]);
    });

    test("503 shows each failed part with its reason", async () => {
        const body = JSON.stringify({ status: "failing", failed: ["gpu", "watchdog"], checks: {
            backend: { ok: true, reason: "HTTP 200" },
            gpu: { ok: false, reason: "qwen2.5:7b-instruct-q8_0 is 62% in GPU memory on ollama", models: [] },
            watchdog: { ok: false, reason: "the GPU watchdog gave up at 2026-12-03T10:00:00Z", enabled: true },
        }, lastOllamaRequestAt: null });
        const row = await healthEndpointRow(URL, answering(503, body));
        expect(row.status).toBe("fail");
        expect(row.measured).toEqual([
            `HTTP 503 from ${URL}: failing gpu, watchdog`,
            "gpu: qwen2.5:7b-instruct-q8_0 is 62% in GPU memory on ollama",
            "watchdog: the GPU watchdog gave up at 2026-12-03T10:00:00Z",
        ]);
        expect(row.fix).toContain("docs/alerts.md");
    });

    test("the front door's own 503 (responder down) names the responder", async () => {
        const body = '{"status":"failing","failed":["responder"],"checks":{"responder":{"ok":false,"reason":"the health responder did not answer","proxyStatus":502}},"lastOllamaRequestAt":null}';
        const row = await healthEndpointRow(URL, answering(503, body));
        expect(row.measured[1]).toBe("responder: the health responder did not answer");
    });

    test("an answer that is not the responder's (the frontend's page, a 401) fails as such", async () => {
        const row = await healthEndpointRow(URL, answering(200, "<!doctype html><title>RAG</title>"));
        expect(row.status).toBe("fail");
        expect(row.measured[0]).toBe(`HTTP 200 from ${URL}: <!doctype html><title>RAG</title>`);
        expect(row.cause).toMatch(/not the health responder's answer/);
        expect((await healthEndpointRow(URL, answering(401, ""))).measured[0]).toBe(`HTTP 401 from ${URL}: (empty body)`);
    });

    test("no answer: it fails saying the down alert fires the same way; no URL: skipped", async () => {
        const refusing = (async () => { throw new ReachError("refused", "connect ECONNREFUSED 203.0.113.7:443"); }) as unknown as Fetch;
        const row = await healthEndpointRow(URL, refusing);
        expect(row.status).toBe("fail");
        expect(row.measured[0]).toBe(`${URL}: connect ECONNREFUSED 203.0.113.7:443`);
        expect(row.cause).toMatch(/down alert fires the same way/);
        expect((await healthEndpointRow(undefined, answering(200, "{}"))).status).toBe("skip");
    });
});

describe("parked", () => {
    const raw = (enabled: boolean) => ({ state: "parked", publicIp: "203.0.113.7", alerts: { ...FACTS, uptimeCheck: { ...FACTS.uptimeCheck, enabled } } });

    test("the parked row says the uptime check is disabled and nothing fires", () => {
        const lines = parkedLines(parkedStack(raw(false))!);
        expect(lines[lines.length - 1]).toBe('alerts: uptime check "rag-stack-prod health" disabled while parked (nothing fires), the droplet\'s policies gone with it; both come back on unpark');
    });

    test("a check still enabled while parked (an up not run yet) is called out", () => {
        const lines = parkedLines(parkedStack(raw(true))!);
        expect(lines[lines.length - 1]).toMatch(/is still enabled: its down alert fires while parked; run: pulumi up$/);
    });

    test("a stack without alerts keeps its three lines", () => {
        expect(parkedLines(parkedStack({ state: "parked" })!)).toHaveLength(3);
    });
});
