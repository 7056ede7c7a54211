/**
 * prod, rendered from the real Pulumi.prod.yaml: Ollama in an NVIDIA container on the app
 * network as `ollama`, the backend wired to it by alias, nothing of Ollama published.
 */
import * as fs from "fs";
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER, dockerLifecycleProblems, envOf, hostsOf, LOCAL_COMMAND, NETWORK, networksOf, portsOf } from "./support/containers";
import { goDuration, STOP_GRACE_SECONDS } from "../../components/container-options";
import { MACHINE_LABEL } from "../../components/hosts/machine-bound";
import { mockId } from "../../tools/mock-state";
import { deleteBeforeReplaceCascade, iterationOrders } from "./support/replacement-cascade";
import { OLLAMA_HEAL_STATE_DIR } from "../../components/hosts/gpu-watchdog";
import { HEALTH_RESPONDER_IMAGE, healthScript } from "../../components/health/responder";

let r: Rendered;
const SLACK_WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/prodwebhooksecret";

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "prod",
        secrets: { neo4jPassword: "prod-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "dop_v1_test", alertsSlackWebhook: SLACK_WEBHOOK },
        overrides: { "alerts.emails": ["ops@example.org", "oncall@example.org"], "alerts.slack.channel": "#rag-alerts" },
    }));
});

test("Ollama runs as a pinned GPU container on the app network with alias `ollama`", () => {
    const ollama = r.named("ollama-container", CONTAINER);
    expect(ollama.inputs.gpus).toBe("all");
    expect(networksOf(ollama)).toEqual([{ name: "rag-stack-prod", aliases: ["ollama"] }]);
    expect(ollama.inputs.image).toMatch(/^ollama\/ollama:\d+\.\d+\.\d+$/);
    expect(ollama.inputs.restart).toBe("unless-stopped");
    // The health check proves the GPU inside the container (nvidia-smi needs the utility capability).
    expect((ollama.inputs.healthcheck as { tests: string[] }).tests).toEqual(["CMD-SHELL", "nvidia-smi -L && ollama list"]);
    expect(envOf(ollama).NVIDIA_DRIVER_CAPABILITIES).toBe("compute,utility");
    expect(ollama.inputs.volumes).toEqual([
        expect.objectContaining({ containerPath: "/root/.ollama/models" }),
    ]);
    const env = envOf(ollama);
    expect(env.OLLAMA_HOST).toBe("0.0.0.0:11434");
    expect(env.OLLAMA_ORIGINS).not.toContain("*");
});

test("Ollama's port is not published at all in prod", () => {
    expect(portsOf(r.named("ollama-container", CONTAINER))).toEqual([]);
});

test("no native Ollama: no command starts a server on the Pulumi machine", () => {
    for (const c of r.ofType(LOCAL_COMMAND)) {
        expect((c.inputs.environment ?? {}) as Record<string, string>).not.toHaveProperty("OLLAMA_HOST");
    }
    expect(r.result.resources.some((x) => x.type === "rag-stack:ollama:NativeOllama")).toBe(false);
});

test("backend gets http://ollama:11434, depends on the Ollama container and its model, has no host-gateway mapping", () => {
    const backend = r.named("app-backend", CONTAINER);
    expect(envOf(backend).OLLAMA_BASE_URL).toBe("http://ollama:11434");
    expect(hostsOf(backend)).toEqual([]);
    expect(r.dependsOn(backend, r.named("ollama-container", CONTAINER))).toBe(true);
    expect(r.dependsOn(backend, r.named("ollama-container-model"))).toBe(true);
});

test("production pins every image", () => {
    for (const c of r.ofType(CONTAINER)) {
        expect(String(c.inputs.image)).toMatch(/:[^:/]+$/);
        expect(String(c.inputs.image)).not.toMatch(/:latest$/);
    }
});

test("outputs: container placement, backend URL by alias, nothing of Ollama reachable from outside, secrets secret", () => {
    const o = r.result.outputs;
    expect(o.ollamaPlacement).toBe("container");
    expect(o.ollamaAccelerator).toBe("nvidia");
    expect(o.ollamaUrlForBackend).toBe("http://ollama:11434");
    expect(o.ollamaUrlFromHost).toBeUndefined();
    expect(r.result.secretOutputs).toContain("neo4jPassword");
    const plain = JSON.stringify(Object.fromEntries(Object.entries(o).filter(([k]) => !r.result.secretOutputs.includes(k))));
    expect(plain).not.toContain("prod-password-1");
    expect(plain).not.toContain("dop_v1_test");
});

test("containers as the Docker provider needs them: replaced whole and delete-first, Go-spelled health durations, Neo4j stopped gracefully", () => {
    expect(r.ofType(CONTAINER).length).toBeGreaterThan(0);
    expect(dockerLifecycleProblems(r.result.resources, goDuration)).toEqual([]);
    expect(r.named("app-neo4j", CONTAINER).inputs.destroyGraceSeconds).toBe(60);
    expect(r.named("ollama-container", CONTAINER).inputs.destroyGraceSeconds).toBe(STOP_GRACE_SECONDS.ollama);
    expect(r.named("proxy-container", CONTAINER).inputs.destroyGraceSeconds).toBe(STOP_GRACE_SECONDS.proxy);
    expect(r.named("app-backend", CONTAINER).inputs.destroyGraceSeconds).toBeUndefined();
});

test("every container has its own stop timeout, what a park or a replaced droplet (deletedWith: no provider delete) leaves to dockerd", () => {
    const stopTimeouts = Object.fromEntries(r.ofType(CONTAINER).map((c) => [c.name, c.inputs.stopTimeout]));
    expect(stopTimeouts).toEqual({
        "app-neo4j": 60, "app-backend": 10, "app-frontend": 10,
        "ollama-container": STOP_GRACE_SECONDS.ollama, "proxy-container": STOP_GRACE_SECONDS.proxy,
        "health-container": 10,
    });
    for (const c of r.ofType(CONTAINER)) expect(c.deletedWith).toBe(r.ofType("digitalocean:index/droplet:Droplet")[0].urn);
});

describe("a replaced droplet: the app network goes after the containers, on any engine", () => {
    const droplet = () => r.ofType("digitalocean:index/droplet:Droplet")[0];
    const network = () => r.named("app-network", NETWORK);

    test("the network is deletedWith the droplet and replaced with it through an input (its machine label), not replaceWith", () => {
        expect(network().deletedWith).toBe(droplet().urn);
        expect(network().replaceWith).toEqual([]);
        expect(network().inputs.labels).toContainEqual({ label: MACHINE_LABEL, value: mockId(droplet().type, droplet().name) });
        expect(network().propertyDependencies?.labels).toContain(droplet().urn);
    });

    test("an engine before pulumi/pulumi#23818 deletes every container before the network, whatever order its map gives", () => {
        const containers = r.ofType(CONTAINER).map((c) => c.urn);
        expect(containers.length).toBe(6);
        const replacedWith = r.result.resources.filter((x) => x.replaceWith.includes(droplet().urn)).map((x) => x.urn);
        for (const order of iterationOrders(replacedWith)) {
            const deletes = deleteBeforeReplaceCascade(r.result, droplet().urn, () => order);
            const at = (urn: string) => deletes.indexOf(urn);
            expect(at(network().urn)).toBeGreaterThanOrEqual(0);
            for (const c of containers) expect({ container: c, before: at(c) >= 0 && at(c) < at(network().urn) }).toEqual({ container: c, before: true });
        }
    });
});

describe("the droplet's delete (park, replacement, destroy) has minutes for its graceful shutdown", () => {
    /** Seconds of a Go duration as the engine passes customTimeouts ("10m", "1h30m", "90s"). */
    const seconds = (d: string) => {
        const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
        if (!m || d === "") throw new Error(`not a duration: ${d}`);
        return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
    };
    const droplet = () => r.ofType("digitalocean:index/droplet:Droplet")[0];

    test("gracefulShutdown, and a delete timeout of minutes instead of the provider's 60 s", () => {
        expect(droplet().inputs.gracefulShutdown).toBe(true);
        const timeout = droplet().customTimeouts?.delete;
        expect(timeout).toBeDefined();
        // Neo4j's 60 s grace alone fills the provider's default; the destroy wait after it is another fixed 60 s.
        expect(seconds(String(timeout))).toBeGreaterThanOrEqual(5 * 60);
    });

    test("it holds the whole shutdown the droplet's own units allow (docker.service's TimeoutStopSec), the fixed 60 s destroy wait and the volume detaches", () => {
        const userData = String(droplet().inputs.userData);
        const stopSec = Number(/20-rag-stack-stop\.conf\n(?:.*\n)*?\s+TimeoutStopSec=(\d+)\n/.exec(userData)?.[1]);
        expect(stopSec).toBeGreaterThan(Math.max(...r.ofType(CONTAINER).map((c) => Number(c.inputs.stopTimeout))) + 5);
        expect(seconds(String(droplet().customTimeouts?.delete))).toBeGreaterThanOrEqual(stopSec + 60 + 2 * 60);
    });
});

describe("the health endpoint: /healthz through the door, answered by a responder on the app network", () => {
    const health = () => r.named("health-container", CONTAINER);
    type Json = Record<string, any>;
    const caddy = (): Json => JSON.parse((r.named("proxy-container", CONTAINER).inputs.uploads as { content: string }[])[0].content);
    const innerRoutes = (): Json[] => caddy().apps.http.servers["front-door"].routes[0].handle[0].routes;

    test("the responder: pinned busybox, httpd running the uploaded script, alias `health`, no port, nobody without capabilities", () => {
        const h = health();
        expect(h.inputs.name).toBe("rag-stack-prod-health");
        expect(HEALTH_RESPONDER_IMAGE).toMatch(/^busybox:1\.37\.0-musl@sha256:[0-9a-f]{64}$/);
        expect(r.named("health-image").inputs.name).toBe(HEALTH_RESPONDER_IMAGE);
        expect(h.inputs.command).toEqual(["httpd", "-f", "-p", "8081", "-h", "/srv/health"]);
        expect(h.inputs.uploads).toEqual([{ file: "/srv/health/cgi-bin/healthz", content: healthScript(), permissions: "0555" }]);
        expect(networksOf(h)).toEqual([{ name: "rag-stack-prod", aliases: ["health"] }]);
        expect(portsOf(h)).toEqual([]);
        expect(h.inputs.user).toBe("65534:65534");
        expect(h.inputs.capabilities).toEqual({ drops: ["ALL"] });
        expect(h.inputs.securityOpts).toEqual(["no-new-privileges"]);
        expect(h.inputs.init).toBe(true);
        expect(h.inputs.memory).toBe(64);
        expect(h.inputs.cpus).toBe("0.5");
        expect(h.inputs.labels).toEqual([{ label: "rag-stack.role", value: "health" }]);
    });

    test("its inputs: the backend's health path and Ollama by alias, the configured model, the watchdog's state, the backup job's status and the volumes read-only", () => {
        expect(envOf(health())).toEqual({
            HEALTH_BACKEND_URL: "http://backend:8000/health",
            HEALTH_OLLAMA_URLS: "http://ollama:11434",
            HEALTH_MODELS: "qwen2.5:7b-instruct-q8_0",
            HEALTH_WATCHDOG_DIR: "/status/gpu-watchdog",
            HEALTH_BACKUP_STATUS_DIR: "/status/backup",
            HEALTH_BACKUP_MAX_AGE_SECONDS: String(26 * 3600),
            HEALTH_DISK_DIRS: "models=/status/disk/models neo4j=/status/disk/neo4j",
            HEALTH_DISK_MAX_PERCENT: "90",
            HEALTH_CACHE_SECONDS: "5",
            HEALTH_TIMEOUT_SECONDS: "3",
            HEALTH_ACTIVITY_LOG: "/status/activity/ollama-activity.log",
            HEALTH_ACTIVITY_TAIL_BYTES: "262144",
        });
        expect(health().inputs.volumes).toEqual([
            { hostPath: OLLAMA_HEAL_STATE_DIR, containerPath: "/status/gpu-watchdog", readOnly: true },
            // The backup job's status files, on the Neo4j volume (backup.maxAgeHours: 26 by default).
            { hostPath: "/mnt/rag-stack-neo4j/backup-status", containerPath: "/status/backup", readOnly: true },
            // An empty directory on each block volume: df measures the volume, none of its data is visible.
            { hostPath: "/mnt/rag-stack-models/.rag-stack-health", containerPath: "/status/disk/models", readOnly: true },
            { hostPath: "/mnt/rag-stack-neo4j/.rag-stack-health", containerPath: "/status/disk/neo4j", readOnly: true },
            // The front door's activity log, read-only (health/activity-log.ts).
            { volumeName: expect.any(String), containerPath: "/status/activity", readOnly: true },
        ]);
        expect(hostsOf(health())).toEqual([]);
    });

    test("the door routes /healthz to it before authentication and the app, GET and HEAD only, and answers 503 JSON when it is down", () => {
        const routes = innerRoutes();
        const at = (pred: (x: Json) => boolean) => routes.findIndex(pred);
        const healthAt = at((x) => x.match?.[0]?.path?.[0] === "/healthz");
        expect(healthAt).toBe(1); // after the security headers
        expect(routes[healthAt].terminal).toBe(true);
        const inner = routes[healthAt].handle[0].routes;
        expect(inner[0].match).toEqual([{ method: ["GET", "HEAD"] }]);
        expect(inner[0].handle[0]).toEqual({ handler: "rewrite", uri: "/cgi-bin/healthz" });
        expect(inner[0].handle[1].upstreams).toEqual([{ dial: "health:8081", max_requests: 16 }]);
        expect(inner[1].handle[0]).toMatchObject({ handler: "static_response", status_code: 405 });
        expect(JSON.stringify(routes[healthAt])).not.toMatch(/backend:8000|frontend:3000/);
        const errors = caddy().apps.http.servers["front-door"].errors.routes;
        expect(errors).toHaveLength(1);
        expect(errors[0].match).toEqual([{ path: ["/healthz"], host: ["rag.example.com"] }]);
        expect(errors[0].handle[0]).toMatchObject({ handler: "static_response", status_code: 503 });
    });

    test("outputs: the health URL through the door, and the responder's container name", () => {
        expect(r.result.outputs.healthUrl).toBe("https://rag.example.com/healthz");
        expect((r.result.outputs.containers as Record<string, string>).health).toBe("rag-stack-prod-health");
    });
});

describe("alerts: DigitalOcean's uptime check on the health URL, its alerts, the droplet's policies", () => {
    const UPTIME_CHECK = "digitalocean:index/uptimeCheck:UptimeCheck";
    const UPTIME_ALERT = "digitalocean:index/uptimeAlert:UptimeAlert";
    const MONITOR_ALERT = "digitalocean:index/monitorAlert:MonitorAlert";
    /**
     * The provider's enumerations, from terraform-provider-digitalocean v2.99.1 (bridged by
     * @pulumi/digitalocean 4.80.1): uptime/resource_uptime_check.go, uptime/resource_uptime_alert.go
     * (ValidateFunc lists) and the API's regions (digitalocean/openapi uptime/models/check.yml). The
     * package's .d.ts comments spell the uptime ones camel-cased (`sslExpiry`, `greaterThan`,
     * `usEast`): the bridge's doc rewrite, not values the provider accepts.
     */
    const UPTIME_CHECK_TYPES = ["ping", "http", "https"];
    const UPTIME_REGIONS = ["us_east", "us_west", "eu_west", "se_asia"];
    const UPTIME_ALERT_TYPES = ["latency", "down", "down_global", "ssl_expiry"];
    const UPTIME_COMPARISONS = ["greater_than", "less_than"];
    const UPTIME_PERIODS = ["2m", "3m", "5m", "10m", "15m", "30m", "1h"];
    /** MonitorAlert's own .d.ts lists its types and windows verbatim: read from the installed package. */
    const monitorAlertDoc = fs.readFileSync(require.resolve("@pulumi/digitalocean/monitorAlert.d.ts"), "utf8");
    const docTypes = [...new Set([...monitorAlertDoc.matchAll(/`(v1\/[a-z0-9_/]+)`/g)].map((m) => m[1]))];
    const docWindows = /The time frame of the alert\. Either `5m`, `10m`, `30m`, or `1h`/.test(monitorAlertDoc) ? ["5m", "10m", "30m", "1h"] : [];

    const check = () => r.named("alerts-uptime-check", UPTIME_CHECK);
    const alert = (key: string) => r.named(`alerts-uptime-${key}`, UPTIME_ALERT);
    const notifications = [{ emails: ["ops@example.org", "oncall@example.org"], slacks: [{ channel: "#rag-alerts", url: SLACK_WEBHOOK }] }];

    test("one https check on the health URL through the door, from two regions, enabled while running, after the door is up", () => {
        expect(r.ofType(UPTIME_CHECK)).toHaveLength(1);
        expect(check().inputs).toEqual({
            name: "rag-stack-prod health",
            type: "https",
            target: "https://rag.example.com/healthz",
            regions: ["us_east", "eu_west"],
            enabled: true,
        });
        expect(UPTIME_CHECK_TYPES).toContain(check().inputs.type);
        for (const region of check().inputs.regions as string[]) expect(UPTIME_REGIONS).toContain(region);
        expect(check().provider).toMatch(/^urn:.*::host-do::/);
        expect(r.dependsOn(check(), r.named("proxy-container", CONTAINER))).toBe(true);
        expect(check().inputs.target).toBe(r.result.outputs.healthUrl);
    });

    test("down, latency and ssl_expiry (14 days) alerts on that check, each to every destination, types and enums the provider's", () => {
        expect(r.ofType(UPTIME_ALERT).map((a) => a.name).sort()).toEqual(["alerts-uptime-down", "alerts-uptime-latency", "alerts-uptime-ssl-expiry"]);
        expect(alert("down").inputs).toEqual({ checkId: "alerts-uptime-check-id", name: "rag-stack-prod down", type: "down", period: "3m", notifications });
        expect(alert("latency").inputs).toEqual({
            checkId: "alerts-uptime-check-id", name: "rag-stack-prod slow", type: "latency", threshold: 3000, comparison: "greater_than", period: "10m", notifications,
        });
        expect(alert("ssl-expiry").inputs).toEqual({
            checkId: "alerts-uptime-check-id", name: "rag-stack-prod certificate expiring", type: "ssl_expiry", threshold: 14, comparison: "less_than", notifications,
        });
        for (const a of r.ofType(UPTIME_ALERT)) {
            expect(UPTIME_ALERT_TYPES).toContain(a.inputs.type);
            if (a.inputs.comparison !== undefined) expect(UPTIME_COMPARISONS).toContain(a.inputs.comparison);
            if (a.inputs.period !== undefined) expect(UPTIME_PERIODS).toContain(a.inputs.period);
            expect(a.dependencies).toContain(check().urn);
            expect(a.provider).toBe(check().provider);
        }
    });

    test("the Slack webhook is a secret wherever it goes (the provider does not mark it), and in no output", () => {
        for (const a of [...r.ofType(UPTIME_ALERT), ...r.ofType(MONITOR_ALERT)]) {
            // The whole block is secret in the state (Pulumi cannot mark part of an object).
            expect(a.secretPaths).toEqual([a.type === UPTIME_ALERT ? "notifications" : "alerts"]);
        }
        expect(JSON.stringify(r.result.outputs)).not.toContain("prodwebhooksecret");
    });

    test("the droplet's policies: root disk, memory and 5-minute load, on the droplet by id, types and windows as the package lists them", () => {
        const droplet = r.ofType("digitalocean:index/droplet:Droplet")[0];
        expect(droplet.inputs.monitoring).toBe(true);
        const policies = Object.fromEntries(r.ofType(MONITOR_ALERT).map((p) => [p.name, p.inputs]));
        const common = { compare: "GreaterThan", window: "10m", enabled: true, entities: [mockId(droplet.type, droplet.name)], alerts: notifications[0] };
        expect(policies).toEqual({
            "alerts-droplet-disk": { ...common, type: "v1/insights/droplet/disk_utilization_percent", value: 85, description: "rag-stack-prod: root disk in use above 85% for 10m" },
            "alerts-droplet-memory": { ...common, type: "v1/insights/droplet/memory_utilization_percent", value: 90, description: "rag-stack-prod: memory in use above 90% for 10m" },
            "alerts-droplet-load5": { ...common, type: "v1/insights/droplet/load_5", value: 16, description: "rag-stack-prod: 5-minute load average above 16 for 10m" },
        });
        expect(docTypes.length).toBeGreaterThan(20);
        expect(docWindows).toEqual(["5m", "10m", "30m", "1h"]);
        for (const p of r.ofType(MONITOR_ALERT)) {
            expect(docTypes).toContain(p.inputs.type);
            expect(docWindows).toContain(p.inputs.window);
            expect(["GreaterThan", "LessThan"]).toContain(p.inputs.compare);
            expect(r.dependsOn(p, droplet)).toBe(true);
            // Watching starts once the door is up: the first boot's pulls are not an overload.
            expect(r.dependsOn(p, r.named("proxy-container", CONTAINER))).toBe(true);
        }
    });

    test("the alerts output lists every policy, what fires it and where it goes, without the webhook", () => {
        const facts = r.result.outputs.alerts as Record<string, any>;
        expect(facts.destinations).toEqual({ emails: ["ops@example.org", "oncall@example.org"], slackChannel: "#rag-alerts" });
        expect(facts.uptimeCheck).toEqual({ name: "rag-stack-prod health", target: "https://rag.example.com/healthz", regions: ["us_east", "eu_west"], enabled: true });
        expect(facts.policies.map((p: Record<string, string>) => `${p.source} ${p.type}`)).toEqual([
            "uptime down", "uptime latency", "uptime ssl_expiry",
            "droplet v1/insights/droplet/disk_utilization_percent", "droplet v1/insights/droplet/memory_utilization_percent", "droplet v1/insights/droplet/load_5",
        ]);
        expect(facts.policies[0].when).toBe("the health URL fails (no answer, TLS error or not 2xx) for 3m");
        expect(facts.notes).toEqual([]);
    });
});
