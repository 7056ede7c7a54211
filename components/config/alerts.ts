/**
 * `rag-stack:alerts`: who is told when a production deployment is unwell, and when. The
 * destinations (e-mail addresses, a Slack channel whose webhook is the secret `alertsSlackWebhook`)
 * and the thresholds of DigitalOcean's uptime check on the health URL and of the droplet's alert
 * policies (components/alerts/). Read on the stacks with a public front door: a DigitalOcean
 * droplet (prod) and a DigitalOcean Kubernetes cluster (scale).
 *
 * The enumerations are the provider's own (terraform-provider-digitalocean v2.99.1, the version
 * @pulumi/digitalocean 4.80.1 bridges): an uptime alert's `period` is one of 2m 3m 5m 10m 15m 30m
 * 1h (uptime/resource_uptime_alert.go), a monitor alert's `window` one of 5m 10m 30m 1h
 * (monitoring/resource_monitor_alert.go), and an uptime check's regions us_east, us_west, eu_west,
 * se_asia (docs/resources/uptime_check.md; the resource itself does not check them, the API does).
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../project";
import type { HostProvider } from "./host";
import { Reader } from "./reader";
import { integer, list, oneOf, section, SettingsOf, string } from "./schema";
import type { RawSecrets } from "./secrets";
import type { CertificateAuthority } from "./services";

export const UPTIME_REGIONS = ["us_east", "us_west", "eu_west", "se_asia"] as const;
export const UPTIME_PERIODS = ["2m", "3m", "5m", "10m", "15m", "30m", "1h"] as const;
export const MONITOR_WINDOWS = ["5m", "10m", "30m", "1h"] as const;

/** The stacks whose front door DigitalOcean can probe from the internet. */
const ON_DIGITALOCEAN = { providers: ["digitalocean", "doks"] } as const;

/** An address as DigitalOcean's notifications take it: one @, a dot in the domain, no spaces or brackets. */
export const EMAIL = /^[^\s@<>(),;:"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
/** Slack's incoming webhooks: https://hooks.slack.com/services/<team>/<bot>/<secret> (or /workflows/...). */
export const SLACK_WEBHOOK = /^https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9/_-]+$/;
const SLACK_WEBHOOK_ALLOWED = "expected a Slack incoming-webhook URL such as https://hooks.slack.com/services/T000/B000/XXXX (https only)";
const SET_WEBHOOK = "pulumi config set --secret alertsSlackWebhook https://hooks.slack.com/services/...";

export const ALERTS = section({
    emails: list({ default: [], allowed: "e-mail addresses such as ops@your-domain.org", doc: "E-mail addresses that receive every alert of the stack." }),
    slack: section({
        channel: string({ optional: true, pattern: /^\S.{0,79}$/, allowed: "expected the Slack channel's name, such as #rag-alerts",
            doc: "The Slack channel alerts are posted to; the webhook URL is the secret alertsSlackWebhook." }),
    }, { doc: "A Slack channel, with the webhook in the secret alertsSlackWebhook." }),
    uptime: section({
        regions: list({ default: ["us_east", "eu_west"], pattern: new RegExp(`^(${UPTIME_REGIONS.join("|")})$`),
            allowed: `each item must be one of: ${UPTIME_REGIONS.join(", ")}`,
            doc: "Where DigitalOcean probes the health URL from: at least two, so one region's network trouble is not mistaken for an outage." }),
        downPeriod: oneOf(UPTIME_PERIODS, { default: "3m", doc: "How long the health URL must fail (not answer, or answer other than 2xx) before the `down` alert fires." }),
        latencyMs: integer({ default: 3000, min: 100, max: 10000, doc: "Milliseconds above which the health URL's answer counts as slow." }),
        latencyPeriod: oneOf(UPTIME_PERIODS, { default: "10m", doc: "How long answers must stay slower than latencyMs before the `latency` alert fires." }),
        sslExpiryDays: integer({ default: 14, min: 1, max: 30,
            doc: "Days before the certificate expires that the `ssl_expiry` alert fires (Caddy renews with a third of the lifetime left: 30 days of a 90-day certificate)." }),
    }, { doc: "DigitalOcean's uptime check on the health URL and its alerts." }),
    droplet: section({
        diskPercent: integer({ default: 85, min: 50, max: 99, doc: "Per cent of the droplet's root disk in use above which the disk alert fires." }),
        memoryPercent: integer({ default: 90, min: 50, max: 99, doc: "Per cent of the droplet's memory in use above which the memory alert fires." }),
        volumePercent: integer({ default: 90, min: 50, max: 99,
            doc: "Per cent of the models or the Neo4j volume in use above which the health answer fails (503: the `down` alert), since DigitalOcean measures the root disk only." }),
        load5: integer({ default: 16, min: 1, max: 1024,
            doc: "The 5-minute load average above which the load alert fires (16: twice the 8 vCPUs of the smallest GPU size; raise it on bigger sizes)." }),
        window: oneOf(MONITOR_WINDOWS, { default: "10m", doc: "How long a droplet metric must stay above its threshold before its alert fires." }),
    }, { appliesTo: { providers: ["digitalocean"] }, doc: "The droplet's alert policies (DigitalOcean Monitoring)." }),
}, { appliesTo: ON_DIGITALOCEAN, doc: "Who is told when the deployment is unwell (e-mail, Slack), and the thresholds of the uptime check and the droplet's alerts." });

export type AlertThresholds = SettingsOf<typeof ALERTS.keys>;

/** The alert settings as read, with the Slack destination complete (channel and secret webhook) or absent. */
export interface AlertSettings {
    emails: string[];
    /** Both halves, or nothing: DigitalOcean needs the channel and the webhook URL. */
    slack?: { channel: string; url: pulumi.Output<string> };
    uptime: AlertThresholds["uptime"];
    droplet: AlertThresholds["droplet"];
}

export function readAlerts(problems: string[], raw: unknown, provider: HostProvider, webhook: RawSecrets["alertsSlackWebhook"]): AlertSettings {
    const r = Reader.of(problems, "alerts", raw, ALERTS.keys);
    const all = r.all();
    all.emails.forEach((address, index) => {
        if (!EMAIL.test(address)) {
            problems.push(`${r.key("emails")}[${index}]: ${JSON.stringify(address)} is not allowed; expected an e-mail address such as ops@your-domain.org`);
        }
    });
    for (const dup of all.emails.filter((e, i) => all.emails.indexOf(e) !== i)) r.problem("emails", dup, "list each address once");
    const regions = all.uptime.regions;
    if (new Set(regions).size < 2) {
        problems.push(`${r.key("uptime.regions")}: ${JSON.stringify(regions)} is not allowed; list at least two different regions (${UPTIME_REGIONS.join(", ")}), ` +
            "so one region's network trouble is not taken for an outage");
    }
    if (raw !== undefined && provider !== "digitalocean" && provider !== "doks") {
        problems.push(`${PROJECT}:alerts is set but ${PROJECT}:host.provider is "${provider}"; DigitalOcean's checks and alerts need a stack on DigitalOcean ` +
            "(host.provider digitalocean or doks). Remove the section");
    }
    return { emails: all.emails, slack: readSlack(problems, r, all.slack.channel, webhook), uptime: all.uptime, droplet: all.droplet };
}

function readSlack(problems: string[], r: Reader<typeof ALERTS.keys>, channel: string | undefined, webhook: RawSecrets["alertsSlackWebhook"]): AlertSettings["slack"] {
    const key = `${PROJECT}:alertsSlackWebhook`;
    if (!webhook) {
        if (channel !== undefined) problems.push(`${key} is missing; ${r.key("slack.channel")} needs the channel's incoming-webhook URL: ${SET_WEBHOOK}`);
        return undefined;
    }
    let ok = true;
    if (!webhook.isSecret) {
        problems.push(`${key} is stored in plain text in the stack file; a webhook URL lets anyone post to the channel. Run: ${SET_WEBHOOK}`);
        ok = false;
    }
    if (webhook.text !== undefined && !SLACK_WEBHOOK.test(webhook.text)) {
        // The value is a secret: say what is wrong with it without showing it.
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(webhook.text)?.[1];
        const why = scheme && scheme.toLowerCase() !== "https" ? `it is a ${scheme}: URL, not https` : "it is not a hooks.slack.com webhook URL";
        problems.push(`${key}: (a secret, not shown) is not allowed; ${why}. ${SLACK_WEBHOOK_ALLOWED}`);
        ok = false;
    }
    if (channel === undefined) {
        problems.push(`${r.key("slack.channel")} is missing; DigitalOcean posts to a named channel with the webhook of ${key}: set it, e.g. "#rag-alerts"`);
        ok = false;
    }
    return ok && channel !== undefined ? { channel, url: pulumi.secret(webhook.value) } : undefined;
}

/** True when at least one destination is set: without any, DigitalOcean has nobody to tell. */
export function hasAlertDestination(a: AlertSettings): boolean {
    return a.emails.length > 0 || a.slack !== undefined;
}

/** What the alert warnings look at: the stack, its alerts, and who signs the door's certificate. */
export interface AlertWarningInputs {
    production: boolean;
    provider: HostProvider;
    alerts: AlertSettings;
    /** The Docker door's CA (services.proxy.ca) when the door is on; scale's load balancer has a Let's Encrypt certificate. */
    doorCa?: CertificateAuthority;
}

/**
 * The warnings of a stack on DigitalOcean: a production stack whose alerts would reach nobody; a
 * door whose certificate no browser trusts (Let's Encrypt's staging CA, Caddy's own), which an
 * https uptime check may well count as down and whose expiry says nothing about the real one.
 */
export function alertWarnings(w: AlertWarningInputs): string[] {
    if (w.provider !== "digitalocean" && w.provider !== "doks") return [];
    const warnings: string[] = [];
    if (w.production && !hasAlertDestination(w.alerts)) {
        warnings.push(`${PROJECT}:alerts.emails is empty and ${PROJECT}:alertsSlackWebhook is not set: nobody is told when this production stack is down, ` +
            "its certificate is about to expire or its disk fills up (the uptime check still runs and shows in DigitalOcean's control panel). " +
            "Add an address: pulumi config set --path 'alerts.emails[0]' ops@your-domain.org (docs/alerts.md)");
    }
    if (w.doorCa !== undefined && w.doorCa !== "letsencrypt" && hasAlertDestination(w.alerts)) {
        warnings.push(`${PROJECT}:services.proxy.ca is ${w.doorCa}: the front door's certificate is one no browser trusts, so DigitalOcean's https uptime check ` +
            "may report the health URL as down and its certificate alert watches a certificate nobody uses. Switch to ca: letsencrypt once the door works (docs/front-door.md)");
    }
    return warnings;
}
