/**
 * What the DigitalOcean side of a stack costs by the hour and by the month, running or parked,
 * from list prices (no API call: `up`, `preview` and `npm run plan` all give the same numbers).
 *
 * Prices as of 2026-11-25 (DIGITALOCEAN_PRICES_DATE), USD, before tax:
 * - GPU droplets: the hourly price in components/hosts/digitalocean-sizes.ts (its sources there).
 *   Droplets bill from creation to destruction, powered off or not: only destroying one stops its
 *   bill (https://docs.digitalocean.com/products/droplets/details/pricing/, "Droplet Billing
 *   Details": "You are still billed for Droplets that are powered off ... To end billing, destroy
 *   the Droplet").
 * - Block storage volumes: $0.10 per GiB per month, billed hourly
 *   (https://docs.digitalocean.com/products/volumes/details/pricing/). A volume bills whether it is
 *   attached or not, so parking does not change it.
 * - Reserved IPv4: free while assigned to a droplet; an unassigned one bills $5.00 per month
 *   (https://docs.digitalocean.com/products/networking/reserved-ips/details/pricing/; the how-to
 *   page says "Assigned reserved IPv4 addresses are free, but unassigned reserved IPv4 addresses
 *   are not", and doctl's `reserved-ip-action unassign` help: "unassigned reserved IP addresses
 *   remain available on your account but accumulate charges"). Parked, the address is unassigned.
 * - VPC, cloud firewall, tag and SSH key: no charge.
 * - Hourly billing is capped at 672 hours (4 weeks) a month
 *   (https://www.digitalocean.com/help/pricing-and-billing/general/): a month here is 672 hours,
 *   which is also what a whole month costs at most.
 */
export const DIGITALOCEAN_PRICES_DATE = "2026-11-25";
/** Hours DigitalOcean bills in a month at most (the monthly cap: 4 weeks). */
export const BILLED_HOURS_PER_MONTH = 672;
export const VOLUME_USD_PER_GIB_MONTH = 0.1;
export const UNASSIGNED_RESERVED_IP_USD_PER_MONTH = 5;

export type HostState = "running" | "parked";

/** USD per hour, item by item; what is not billed in a state is 0. */
export interface CostItems {
    droplet: number;
    volumes: number;
    reservedIp: number;
}

export interface HostCost {
    state: HostState;
    /** What is billed now, item by item (USD per hour). */
    perHourByItem: CostItems;
    perHourUsd: number;
    perMonthUsd: number;
}

export interface CostInputs {
    /** List price of the droplet per hour (from the sizes table). */
    dropletPerHourUsd: number;
    /** Sizes of the block volumes, GiB. */
    volumesGib: number[];
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;
/** Hourly prices keep 5 decimals: a 20 GiB volume is $0.00298/h. */
const hourly = (usd: number): number => Math.round(usd * 100_000) / 100_000;

/** The bill of the stack's DigitalOcean resources in `state`. */
export function hostCost(state: HostState, inputs: CostInputs): HostCost {
    const volumeGib = inputs.volumesGib.reduce((a, b) => a + b, 0);
    const items: CostItems = {
        droplet: state === "running" ? inputs.dropletPerHourUsd : 0,
        volumes: (volumeGib * VOLUME_USD_PER_GIB_MONTH) / BILLED_HOURS_PER_MONTH,
        reservedIp: state === "running" ? 0 : UNASSIGNED_RESERVED_IP_USD_PER_MONTH / BILLED_HOURS_PER_MONTH,
    };
    const perHour = items.droplet + items.volumes + items.reservedIp;
    return {
        state,
        perHourByItem: { droplet: hourly(items.droplet), volumes: hourly(items.volumes), reservedIp: hourly(items.reservedIp) },
        perHourUsd: hourly(perHour),
        perMonthUsd: cents(perHour * BILLED_HOURS_PER_MONTH),
    };
}

/** What parking saves compared with running: the droplet, less the unassigned IP's charge. */
export function parkingSaving(inputs: CostInputs): { perHourUsd: number; perMonthUsd: number } {
    const running = hostCost("running", inputs);
    const parked = hostCost("parked", inputs);
    return { perHourUsd: hourly(running.perHourUsd - parked.perHourUsd), perMonthUsd: cents(running.perMonthUsd - parked.perMonthUsd) };
}

/** Weeks in DigitalOcean's billed month (672 h). */
const WEEKS_PER_MONTH = BILLED_HOURS_PER_MONTH / (7 * 24);

/**
 * A month on a schedule: running `runningHoursPerWeek`, parked the rest, at list prices; and what
 * that saves against running the whole month. Idle parking saves more, by how little the GPU is
 * used: not counted here.
 */
export function scheduledMonth(inputs: CostInputs, runningHoursPerWeek: number): { runningHoursPerMonth: number; perMonthUsd: number; savingPerMonthUsd: number } {
    const hours = Math.min(Math.max(runningHoursPerWeek, 0), 7 * 24) * WEEKS_PER_MONTH;
    const running = hostCost("running", inputs);
    const parked = hostCost("parked", inputs);
    const perMonth = running.perHourUsd * hours + parked.perHourUsd * (BILLED_HOURS_PER_MONTH - hours);
    return { runningHoursPerMonth: Math.round(hours * 100) / 100, perMonthUsd: cents(perMonth), savingPerMonthUsd: cents(Math.max(0, running.perMonthUsd - perMonth)) };
}
