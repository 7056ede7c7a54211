/**
 * Where every alert of the stack goes: the e-mail addresses and the Slack channel of
 * `rag-stack:alerts`, in the shape both DigitalOcean alert resources take (`UptimeAlert`'s
 * `notifications[0]` and `MonitorAlert`'s `alerts`: `{ emails, slacks: [{ channel, url }] }`).
 *
 * The webhook URL is marked secret here: the provider does not mark it (no `Sensitive` on
 * `url` in terraform-provider-digitalocean v2.99.1 monitoring/resource_monitor_alert.go and
 * uptime/resource_uptime_alert.go; @pulumi/digitalocean 4.80.1 lists no additionalSecretOutputs
 * for either resource), so without it the URL, which lets anyone post to the channel, would sit in
 * the state and the preview in plain text.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AlertSettings } from "../config/alerts";

export interface AlertNotifications {
    emails: string[];
    slacks: { channel: string; url: pulumi.Output<string> }[];
}

/** The destinations, or undefined when there is nobody to tell (DigitalOcean needs at least one). */
export function alertNotifications(a: AlertSettings): AlertNotifications | undefined {
    if (a.emails.length === 0 && !a.slack) return undefined;
    return {
        emails: [...a.emails],
        slacks: a.slack ? [{ channel: a.slack.channel, url: pulumi.secret(a.slack.url) }] : [],
    };
}

/** What verify shows of the destinations: the addresses and the channel, never the webhook. */
export interface AlertDestinationFacts {
    emails: string[];
    slackChannel?: string;
}

export function destinationFacts(a: AlertSettings): AlertDestinationFacts {
    return { emails: [...a.emails], ...(a.slack ? { slackChannel: a.slack.channel } : {}) };
}
