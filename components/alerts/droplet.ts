/**
 * The GPU droplet's alert policies (DigitalOcean Monitoring): root disk, memory and the 5-minute
 * load average above their thresholds for the configured window, on the droplet by its id.
 *
 * Read against terraform-provider-digitalocean v2.99.1 monitoring/resource_monitor_alert.go: `type`
 * from godo's constants (v1/insights/droplet/disk_utilization_percent, memory_utilization_percent,
 * load_5), `compare` GreaterThan or LessThan (godo monitoring.go AlertPolicyComp), `window` one of
 * 5m 10m 30m 1h, `value` a float >= 0, `alerts` exactly one block, `entities` the droplet ids. No
 * field is ForceNew: a new droplet (a replacement) changes `entities` in place. A policy deleted
 * outside Pulumi reads as gone (404) and is created again.
 *
 * The metrics come from DigitalOcean's metrics agent on the droplet, installed at creation by the
 * droplet's `monitoring: true` (hosts/digitalocean.ts). DigitalOcean's disk utilization is the root
 * disk's only ("the percentage of the root disk storage being used", docs.digitalocean.com
 * products/monitoring/how-to/set-up-alerts): the block volumes of the models and of Neo4j are not
 * measured by it.
 *
 * Registered only while the droplet exists: parked, there is no droplet and no policy (they are
 * deleted before the droplet, which they depend on). Created after the front door is up (`after`),
 * so the first boot's image pulls and model load are not taken for an overloaded machine.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { AlertSettings } from "../config/alerts";
import { alertNames } from "../names";
import { AlertNotifications } from "./destinations";
import type { AlertPolicyFacts } from "./facts";

/** The monitor alert types this stack sets, as the provider validates them (godo monitoring.go). */
export const DROPLET_ALERT_TYPES = {
    disk: "v1/insights/droplet/disk_utilization_percent",
    memory: "v1/insights/droplet/memory_utilization_percent",
    load5: "v1/insights/droplet/load_5",
} as const;

export interface DropletAlertsArgs {
    droplet: digitalocean.Droplet;
    settings: AlertSettings;
    notifications: AlertNotifications;
    provider: digitalocean.Provider;
    after?: pulumi.Input<pulumi.Resource>[];
}

export class DropletAlerts extends pulumi.ComponentResource {
    public readonly policies: digitalocean.MonitorAlert[] = [];
    public readonly policyFacts: AlertPolicyFacts[] = [];

    constructor(name: string, args: DropletAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:alerts:DropletAlerts", name, {}, opts);
        const d = args.settings.droplet;
        const names = alertNames();
        const policy = (key: keyof typeof DROPLET_ALERT_TYPES, value: number, what: string) => {
            const description = `${names.prefix}: ${what} above ${value}${key === "load5" ? "" : "%"} for ${d.window}`;
            this.policies.push(new digitalocean.MonitorAlert(`${name}-${key}`, {
                type: DROPLET_ALERT_TYPES[key],
                compare: "GreaterThan",
                value,
                window: d.window,
                description,
                enabled: true,
                entities: [args.droplet.id],
                alerts: args.notifications,
            }, { parent: this, provider: args.provider, dependsOn: args.after }));
            this.policyFacts.push({ name: description, source: "droplet", type: DROPLET_ALERT_TYPES[key], when: `${what} above ${value}${key === "load5" ? "" : "%"} for ${d.window}` });
        };
        policy("disk", d.diskPercent, "root disk in use");
        policy("memory", d.memoryPercent, "memory in use");
        policy("load5", d.load5, "5-minute load average");
        this.registerOutputs({});
    }
}
