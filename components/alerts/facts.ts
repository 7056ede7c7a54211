/**
 * What the stack tells verify and a person about its alerts (the `alerts` output): where they go,
 * the uptime check, and one line per alert policy saying what fires it. Plain data, no secret.
 */
import type { AlertDestinationFacts } from "./destinations";

export interface AlertPolicyFacts {
    /** The name DigitalOcean shows (an uptime alert's name, a monitor alert's description). */
    name: string;
    /** `uptime`: an alert of the uptime check; `droplet`: a policy on the droplet's metrics. */
    source: "uptime" | "droplet";
    /** The provider's type: down, latency, ssl_expiry, v1/insights/droplet/... */
    type: string;
    /** What fires it, in words: "the health URL fails for 3m". */
    when: string;
}

export interface UptimeCheckFacts {
    name: string;
    target: string;
    regions: string[];
    /** false while the stack is parked: nothing probes, nothing fires. */
    enabled: boolean;
}

export interface AlertFacts {
    destinations: AlertDestinationFacts;
    uptimeCheck: UptimeCheckFacts;
    /** Empty when there is nobody to tell (the check still runs and shows in the control panel). */
    policies: AlertPolicyFacts[];
    /** Why some alerts are not there (parked: no droplet policies; scale: no node policies). */
    notes: string[];
}
