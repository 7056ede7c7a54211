/**
 * `rag-stack:alerts`, the secret `alertsSlackWebhook` and `services.healthPath`: destinations,
 * thresholds with their ranges and the provider's enumerations, the warning of a production stack
 * that tells nobody, and a health path that would hide one of the app's own routes.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseProfile, Profile, RawConfig, RawSecrets } from "../../components/config";
import type { CertificateAuthority } from "../../components/config/services";
import { alertWarnings } from "../../components/config/alerts";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";

const WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/abcdefXYZ123";

function webhook(text: string, isSecret = true): RawSecrets {
    return { ...TEST_SECRETS, alertsSlackWebhook: { value: pulumi.output(text), isSecret, text } };
}

function prod(alerts?: unknown, services: Record<string, unknown> = {}, proxy?: Record<string, unknown>): RawConfig {
    return { ...prodProfileRaw({ services, proxy }), alerts };
}

function scale(alerts?: unknown, services: Record<string, unknown> = {}): RawConfig {
    return {
        host: { provider: "doks" },
        ollama: { mode: "kubernetes", replicas: 2, model: "qwen2.5:7b-instruct-q8_0", accelerator: "nvidia", image: "ollama/ollama:0.12.6" },
        services: { publicHost: "rag.example.com", backend: { image: "rag-backend:1.0.0" }, frontend: { image: "rag-frontend:1.0.0" }, neo4j: { image: "neo4j:5.26.2-community" }, ...services },
        doks: { region: "tor1", kubernetesVersion: "1.33", gpuPool: { size: "gpu-4000adax1-20gb", minNodes: 2, maxNodes: 3 } },
        alerts,
    };
}

function problemsOf(raw: RawConfig, secrets: RawSecrets = TEST_SECRETS, stack = "prod"): string[] {
    try {
        parseProfile(stack, raw, secrets, DO_TOKEN_ENV);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

const valueOf = (o: pulumi.Output<string>) => new Promise<string>((resolve) => o.apply(resolve));

test("defaults: no destination, two probe regions, periods and thresholds from the provider's enumerations", () => {
    const p = parseProfile("prod", prod(), TEST_SECRETS, DO_TOKEN_ENV);
    expect(p.alerts).toEqual({
        emails: [],
        slack: undefined,
        uptime: { regions: ["us_east", "eu_west"], downPeriod: "3m", latencyMs: 3000, latencyPeriod: "10m", sslExpiryDays: 14 },
        droplet: { diskPercent: 85, memoryPercent: 90, volumePercent: 90, load5: 16, window: "10m" },
    });
    expect(p.services.healthPath).toBe("/healthz");
});

test("e-mails and a Slack channel with its secret webhook are read; the webhook stays a secret", async () => {
    const p = parseProfile("prod", prod({ emails: ["ops@example.org", "oncall@team.example.com"], slack: { channel: "#rag-alerts" } }), webhook(WEBHOOK), DO_TOKEN_ENV);
    expect(p.alerts.emails).toEqual(["ops@example.org", "oncall@team.example.com"]);
    expect(p.alerts.slack?.channel).toBe("#rag-alerts");
    expect(await (p.alerts.slack!.url as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
    expect(await valueOf(p.alerts.slack!.url)).toBe(WEBHOOK);
});

test("a malformed e-mail is refused naming the key and its index", () => {
    expect(problemsOf(prod({ emails: ["ops@example.org", "not-an-address", "a@b"] }))).toEqual([
        'rag-stack:alerts.emails[1]: "not-an-address" is not allowed; expected an e-mail address such as ops@your-domain.org',
        'rag-stack:alerts.emails[2]: "a@b" is not allowed; expected an e-mail address such as ops@your-domain.org',
    ]);
    expect(problemsOf(prod({ emails: "ops@example.org" }))).toEqual([
        'rag-stack:alerts.emails: "ops@example.org" is not allowed; expected a list of non-empty strings',
    ]);
    expect(problemsOf(prod({ emails: ["ops@example.org", "ops@example.org"] }))).toEqual([
        'rag-stack:alerts.emails: "ops@example.org" is not allowed; list each address once',
    ]);
});

test("a Slack webhook that is not https, or not Slack's, is refused without showing it", () => {
    const http = problemsOf(prod({ slack: { channel: "#ops" } }), webhook("http://hooks.slack.com/services/T0/B0/secretpart"));
    expect(http).toEqual([
        "rag-stack:alertsSlackWebhook: (a secret, not shown) is not allowed; it is a http: URL, not https. " +
            "expected a Slack incoming-webhook URL such as https://hooks.slack.com/services/T000/B000/XXXX (https only)",
    ]);
    const elsewhere = problemsOf(prod({ slack: { channel: "#ops" } }), webhook("https://evil.example.com/services/T0/B0/secretpart"));
    expect(elsewhere[0]).toContain("it is not a hooks.slack.com webhook URL");
    for (const p of [...http, ...elsewhere]) expect(p).not.toContain("secretpart");
});

test("the webhook in plain text, a webhook without a channel and a channel without a webhook are each refused with the command", () => {
    expect(problemsOf(prod({ slack: { channel: "#ops" } }), webhook(WEBHOOK, false))[0]).toMatch(
        /^rag-stack:alertsSlackWebhook is stored in plain text in the stack file; .* Run: pulumi config set --secret alertsSlackWebhook/);
    expect(problemsOf(prod(), webhook(WEBHOOK))).toEqual([
        'rag-stack:alerts.slack.channel is missing; DigitalOcean posts to a named channel with the webhook of rag-stack:alertsSlackWebhook: set it, e.g. "#rag-alerts"',
    ]);
    expect(problemsOf(prod({ slack: { channel: "#ops" } }))).toEqual([
        "rag-stack:alertsSlackWebhook is missing; rag-stack:alerts.slack.channel needs the channel's incoming-webhook URL: " +
            "pulumi config set --secret alertsSlackWebhook https://hooks.slack.com/services/...",
    ]);
});

test.each([
    [{ uptime: { latencyMs: 50 } }, "rag-stack:alerts.uptime.latencyMs: 50 is not allowed; expected an integer from 100 to 10000"],
    [{ uptime: { sslExpiryDays: 45 } }, "rag-stack:alerts.uptime.sslExpiryDays: 45 is not allowed; expected an integer from 1 to 30"],
    [{ uptime: { downPeriod: "1m" } }, 'rag-stack:alerts.uptime.downPeriod: "1m" is not allowed; use one of: 2m, 3m, 5m, 10m, 15m, 30m, 1h'],
    [{ uptime: { latencyPeriod: "4m" } }, 'rag-stack:alerts.uptime.latencyPeriod: "4m" is not allowed; use one of: 2m, 3m, 5m, 10m, 15m, 30m, 1h'],
    [{ droplet: { diskPercent: 100 } }, "rag-stack:alerts.droplet.diskPercent: 100 is not allowed; expected an integer from 50 to 99"],
    [{ droplet: { memoryPercent: 20 } }, "rag-stack:alerts.droplet.memoryPercent: 20 is not allowed; expected an integer from 50 to 99"],
    [{ droplet: { volumePercent: 100 } }, "rag-stack:alerts.droplet.volumePercent: 100 is not allowed; expected an integer from 50 to 99"],
    [{ droplet: { load5: 0 } }, "rag-stack:alerts.droplet.load5: 0 is not allowed; expected an integer from 1 to 1024"],
    [{ droplet: { window: "2m" } }, 'rag-stack:alerts.droplet.window: "2m" is not allowed; use one of: 5m, 10m, 30m, 1h'],
    [{ uptime: { regions: ["us_east", "nyc3"] } }, 'rag-stack:alerts.uptime.regions: "nyc3" is not allowed; each item must be one of: us_east, us_west, eu_west, se_asia'],
    [{ thresholds: {} }, "rag-stack:alerts.thresholds is not a known setting; known: emails, slack, uptime, droplet"],
])("%j is refused naming the key, the value and what is allowed", (alerts, problem) => {
    expect(problemsOf(prod(alerts))).toEqual([problem]);
});

test("fewer than two different probe regions are refused: one region's trouble is not an outage", () => {
    expect(problemsOf(prod({ uptime: { regions: ["eu_west", "eu_west"] } }))).toEqual([
        'rag-stack:alerts.uptime.regions: ["eu_west","eu_west"] is not allowed; list at least two different regions (us_east, us_west, eu_west, se_asia), ' +
            "so one region's network trouble is not taken for an outage",
    ]);
});

test("alerts on a stack DigitalOcean cannot probe are refused", () => {
    const dev: RawConfig = { host: { provider: "local" }, ollama: { mode: "container", accelerator: "cpu", model: "qwen2.5:7b-instruct-q8_0" }, alerts: { emails: ["ops@example.org"] } };
    expect(problemsOf(dev, TEST_SECRETS, "dev")).toEqual([
        'rag-stack:alerts is set but rag-stack:host.provider is "local"; DigitalOcean\'s checks and alerts need a stack on DigitalOcean (host.provider digitalocean or doks). Remove the section',
    ]);
});

const warningsOf = (p: Profile, doorCa?: CertificateAuthority) => alertWarnings({ production: p.production, provider: p.host.provider, alerts: p.alerts, doorCa });

test("a production stack without any destination gets a warning naming the key; with one, or not production, none", () => {
    const none = parseProfile("prod", prod(), TEST_SECRETS, DO_TOKEN_ENV);
    const warnings = warningsOf(none, "letsencrypt");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^rag-stack:alerts\.emails is empty and rag-stack:alertsSlackWebhook is not set: nobody is told/);
    expect(warnings[0]).toContain("pulumi config set --path 'alerts.emails[0]'");
    const scaleNone = parseProfile("scale", scale(), TEST_SECRETS, DO_TOKEN_ENV);
    expect(warningsOf(scaleNone)).toHaveLength(1);
    const mailed = parseProfile("prod", prod({ emails: ["ops@example.org"] }), TEST_SECRETS, DO_TOKEN_ENV);
    expect(warningsOf(mailed, "letsencrypt")).toEqual([]);
    const slacked = parseProfile("prod", prod({ slack: { channel: "#ops" } }), webhook(WEBHOOK), DO_TOKEN_ENV);
    expect(warningsOf(slacked, "letsencrypt")).toEqual([]);
    const trial = parseProfile("trial", prod(), TEST_SECRETS, DO_TOKEN_ENV);
    expect(warningsOf(trial, "letsencrypt")).toEqual([]);
});

test("alerts to someone with a certificate no browser trusts at the door: a warning saying the check may see it as down", () => {
    const mailed = parseProfile("prod", prod({ emails: ["ops@example.org"] }), TEST_SECRETS, DO_TOKEN_ENV);
    for (const ca of ["letsencrypt-staging", "internal"] as const) {
        const w = warningsOf(mailed, ca);
        expect(w).toHaveLength(1);
        expect(w[0]).toMatch(new RegExp(`^rag-stack:services\\.proxy\\.ca is ${ca}: .*may report the health URL as down`));
    }
    expect(warningsOf(mailed, "letsencrypt")).toEqual([]);
});

describe("services.healthPath", () => {
    test("another exact path is taken", () => {
        expect(parseProfile("prod", prod(undefined, { healthPath: "/_status/rag" }), TEST_SECRETS, DO_TOKEN_ENV).services.healthPath).toBe("/_status/rag");
    });

    test.each([["healthz"], ["/"], ["/healthz/"], ["/health*"], ["/a b"]])("%j is refused: one exact path starting with /", (path) => {
        expect(problemsOf(prod(undefined, { healthPath: path }))).toEqual([
            `rag-stack:services.healthPath: ${JSON.stringify(path)} is not allowed; expected a path such as /healthz: segments of letters, digits and . _ ~ -, no trailing slash, no wildcards`,
        ]);
    });

    test("under the API prefix (the backend's routes) it is refused, with the prefix the door really uses", () => {
        expect(problemsOf(prod(undefined, { healthPath: "/api/healthz" }))).toEqual([
            'rag-stack:services.healthPath: "/api/healthz" is not allowed; it is under the API prefix /api, whose requests belong to the backend; use a path outside it, such as /healthz',
        ]);
        expect(problemsOf(prod(undefined, { healthPath: "/v1" }))).toEqual([]);
        expect(problemsOf(prod(undefined, { healthPath: "/v1/health" }, { apiPrefix: "/v1" }))[0]).toContain("under the API prefix /v1");
        expect(problemsOf(scale(undefined, { healthPath: "/api" }), TEST_SECRETS, "scale")[0]).toContain("under the API prefix /api");
    });

    test("the frontend's own health path, and the router's probe on Kubernetes, are refused", () => {
        expect(problemsOf(prod(undefined, { healthPath: "/status", frontend: { image: "rag-frontend:1.0.0", path: "/status" } }))).toEqual([
            'rag-stack:services.healthPath: "/status" is not allowed; it is rag-stack:services.frontend.path, the frontend\'s own health path, which the door would then hide from it; use another, such as /healthz',
        ]);
        expect(problemsOf(scale(undefined, { healthPath: "/__router/health" }), TEST_SECRETS, "scale")).toEqual([
            'rag-stack:services.healthPath: "/__router/health" is not allowed; the router answers its load balancer\'s probe there; use another, such as /healthz',
        ]);
    });
});
