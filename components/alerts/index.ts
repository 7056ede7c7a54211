/**
 * The alerts of a stack on DigitalOcean: the uptime check on the health URL with its alerts
 * (./uptime.ts) and, on a droplet, its alert policies (./droplet.ts), all sent to the destinations
 * of `rag-stack:alerts` (./destinations.ts). Without any destination only the check is created
 * (validation warns a production stack about it). What verify lists comes out as `facts`.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { AlertSettings } from "../config/alerts";
import { alertNotifications, destinationFacts } from "./destinations";
import { DropletAlerts } from "./droplet";
import type { AlertFacts } from "./facts";
import { UptimeAlerts } from "./uptime";

export type { AlertFacts, AlertPolicyFacts } from "./facts";

export interface StackAlertsArgs {
    settings: AlertSettings;
    /** The health URL through the front door (https://<publicHost><healthPath>). */
    healthUrl: string;
    /** The stack's DigitalOcean provider. */
    provider: digitalocean.Provider;
    /** false while parked: the check is disabled. */
    checkEnabled: boolean;
    /** The droplet whose metrics are watched (prod, running); absent: no droplet policies. */
    droplet?: digitalocean.Droplet;
    /** What must be up before anything probes or watches (the front door). */
    after?: pulumi.Input<pulumi.Resource>[];
    /** Why some alerts are absent, for verify (parked, scale's nodes). */
    notes?: string[];
}

export class StackAlerts extends pulumi.ComponentResource {
    public readonly uptime: UptimeAlerts;
    public readonly droplet?: DropletAlerts;
    public readonly facts: AlertFacts;

    constructor(name: string, args: StackAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:alerts:StackAlerts", name, {}, opts);
        const notifications = alertNotifications(args.settings);
        this.uptime = new UptimeAlerts(`${name}-uptime`, {
            target: args.healthUrl,
            settings: args.settings,
            notifications,
            enabled: args.checkEnabled,
            provider: args.provider,
            after: args.after,
        }, { parent: this });
        if (args.droplet && notifications) {
            this.droplet = new DropletAlerts(`${name}-droplet`, {
                droplet: args.droplet,
                settings: args.settings,
                notifications,
                provider: args.provider,
                after: args.after,
            }, { parent: this });
        }
        const notes = [...(args.notes ?? [])];
        if (!notifications) notes.unshift("no destination is set (alerts.emails, alerts.slack.channel with alertsSlackWebhook): no alert is created, nobody is told");
        this.facts = {
            destinations: destinationFacts(args.settings),
            uptimeCheck: this.uptime.checkFacts,
            policies: [...this.uptime.policyFacts, ...(this.droplet?.policyFacts ?? [])],
            notes,
        };
        this.registerOutputs({ facts: this.facts });
    }
}
