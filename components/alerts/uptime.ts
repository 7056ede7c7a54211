/**
 * DigitalOcean's uptime check on the deployment's health URL (https://<publicHost><healthPath>,
 * components/health/) from at least two regions, and its alerts: `down` (the URL fails: no answer,
 * a TLS failure or a status other than 2xx; the health answer is 503 whenever a part is unwell),
 * `latency` (slower than the threshold) and `ssl_expiry` (the certificate has fewer days left).
 *
 * Read against terraform-provider-digitalocean v2.99.1 (bridged by @pulumi/digitalocean 4.80.1):
 * - uptime/resource_uptime_check.go: `type` one of ping http https (default https), `enabled`
 *   default true, `regions` a set (unchecked by the provider; the API takes us_east us_west
 *   eu_west se_asia: digitalocean/openapi specification/resources/uptime/models/check.yml). No
 *   field is ForceNew: every change is an update in place. godo's UpdateUptimeCheckRequest sends
 *   `enabled` without omitempty (godo uptime.go), so `enabled: false` reaches the API.
 * - uptime/resource_uptime_alert.go: `type` one of latency down down_global ssl_expiry,
 *   `comparison` greater_than less_than, `period` 2m 3m 5m 10m 15m 30m 1h, `notifications`
 *   required; `check_id` is not ForceNew, and an update sends it with the alert's old id, so the
 *   check is never replaced under its alerts (nothing here ever replaces it). A check or alert
 *   deleted outside Pulumi reads as gone (404 clears the id) and is created again.
 *
 * Parked (digitalocean.parked): the check stays, disabled (`enabled: false`), with its alerts.
 * A disabled check probes nothing, so nothing fires; unparking enables it again once the front door
 * is back (`after`), so the minutes of a droplet booting are not reported as an outage. Removing
 * the check instead would be equally quiet while parked, but would delete and recreate four objects
 * on every park and unpark and lose the check's history in the control panel.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { AlertSettings } from "../config/alerts";
import { alertNames } from "../names";
import { AlertNotifications } from "./destinations";
import type { AlertPolicyFacts, UptimeCheckFacts } from "./facts";

export interface UptimeAlertsArgs {
    /** The health URL through the front door. */
    target: string;
    settings: AlertSettings;
    /** Where the alerts go; undefined: the check alone, nobody is told. */
    notifications?: AlertNotifications;
    /** false while parked: the check probes nothing. */
    enabled: boolean;
    provider: digitalocean.Provider;
    /** What must be up before the check probes (the front door). */
    after?: pulumi.Input<pulumi.Resource>[];
}

export class UptimeAlerts extends pulumi.ComponentResource {
    public readonly check: digitalocean.UptimeCheck;
    public readonly alerts: digitalocean.UptimeAlert[] = [];
    public readonly checkFacts: UptimeCheckFacts;
    public readonly policyFacts: AlertPolicyFacts[] = [];

    constructor(name: string, args: UptimeAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:alerts:UptimeAlerts", name, {}, opts);
        const u = args.settings.uptime;
        const names = alertNames();
        const doOpts = { parent: this, provider: args.provider };
        this.check = new digitalocean.UptimeCheck(`${name}-check`, {
            name: names.uptimeCheck,
            type: "https",
            target: args.target,
            regions: [...u.regions],
            enabled: args.enabled,
        }, { ...doOpts, dependsOn: args.after });
        this.checkFacts = { name: names.uptimeCheck, target: args.target, regions: [...u.regions], enabled: args.enabled };

        if (args.notifications) {
            const notifications = [args.notifications];
            const alert = (key: string, alertName: string, inputs: Omit<digitalocean.UptimeAlertArgs, "checkId" | "notifications" | "name">, when: string) => {
                this.alerts.push(new digitalocean.UptimeAlert(`${name}-${key}`, { checkId: this.check.id, name: alertName, notifications, ...inputs }, doOpts));
                this.policyFacts.push({ name: alertName, source: "uptime", type: String(inputs.type), when });
            };
            alert("down", names.down, { type: "down", period: u.downPeriod },
                `the health URL fails (no answer, TLS error or not 2xx) for ${u.downPeriod}`);
            alert("latency", names.latency, { type: "latency", threshold: u.latencyMs, comparison: "greater_than", period: u.latencyPeriod },
                `the health URL answers slower than ${u.latencyMs} ms for ${u.latencyPeriod}`);
            // Days left on the certificate, below the threshold: "less_than".
            alert("ssl-expiry", names.sslExpiry, { type: "ssl_expiry", threshold: u.sslExpiryDays, comparison: "less_than" },
                `the certificate has less than ${u.sslExpiryDays} days left`);
        }
        this.registerOutputs({ checkId: this.check.id });
    }
}
