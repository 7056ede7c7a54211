/**
 * The bill, running and parked, from list prices: droplet by the hour, volumes at $0.10/GiB-month,
 * the reserved IP free while assigned and $5/month unassigned; a month is DigitalOcean's 672-hour cap.
 * Expected values are worked out by hand here, not taken from the code.
 */
import { hostCost, parkingSaving } from "../../components/hosts/digitalocean-cost";

const PROD = { dropletPerHourUsd: 0.76, volumesGib: [100, 20] };

test("running: droplet + volumes, the assigned IP is free", () => {
    const c = hostCost("running", PROD);
    // 0.76 * 672 = 510.72; 120 GiB * $0.10 = $12.00; IP $0.
    expect(c.perMonthUsd).toBe(522.72);
    expect(c.perHourByItem).toEqual({ droplet: 0.76, volumes: 0.01786, reservedIp: 0 }); // 12 / 672 = 0.017857
    expect(c.perHourUsd).toBe(0.77786);
});

test("parked: volumes + the unassigned IP, no droplet", () => {
    const c = hostCost("parked", PROD);
    // $12.00 + $5.00
    expect(c.perMonthUsd).toBe(17);
    expect(c.perHourByItem).toEqual({ droplet: 0, volumes: 0.01786, reservedIp: 0.00744 }); // 5 / 672 = 0.0074405
    expect(c.perHourUsd).toBe(0.0253);
});

test("parking saves the droplet less the IP's charge: $505.72 a month on an RTX 4000 Ada, $2273.08 on an H100", () => {
    expect(parkingSaving(PROD)).toEqual({ perHourUsd: 0.75256, perMonthUsd: 505.72 });
    // 3.39 * 672 = 2278.08, less $5
    expect(parkingSaving({ dropletPerHourUsd: 3.39, volumesGib: [100, 20] }).perMonthUsd).toBe(2273.08);
});
