/**
 * GPU capacity. DigitalOcean answers a droplet create with 422 "Size is not available in this
 * region" when the region has no capacity left for the size; the provider passes that through as
 * is. The stack cannot rewrite a provider's error, so it asks first: a command on the machine
 * running Pulumi (scripts/gpu-capacity.js) reads the sizes DigitalOcean sells right now
 * (`GET /v2/sizes`: each size's `regions` and `available`) before the droplet is created, and
 * fails with the advice below instead. It runs when the droplet is about to be created (first
 * `up`, unparking, a new size or region), never on an unrelated update. Capacity taken between
 * that check and the create still shows as the provider's 422: the same advice applies
 * (docs/parking.md, "No GPU capacity").
 */
import { DIGITALOCEAN_GPU_DATA_DATE, DIGITALOCEAN_GPU_SIZES } from "./digitalocean-sizes";

/** What to do when `size` cannot be created in `region`: the sizes table's regions and sizes, and how to switch. */
export function capacityAdvice(size: string, region: string): string {
    const entry = DIGITALOCEAN_GPU_SIZES[size];
    const otherRegions = (entry?.regions ?? []).filter((r) => r !== region);
    const otherSizes = Object.entries(DIGITALOCEAN_GPU_SIZES)
        .filter(([slug, s]) => slug !== size && s.regions.includes(region))
        .map(([slug, s]) => `${slug} (${s.gpuCount}x ${s.gpu}, ${s.vramGb} GB, $${s.pricePerHourUsd}/h)`);
    const lines = [
        `DigitalOcean cannot create ${size} in ${region} now (its API answers 422 "Size is not available in this region"): no GPU capacity left there. Nothing was created; the volumes and the reserved IP are untouched.`,
        `- Wait and run \`pulumi up\` again: GPU capacity comes back as other customers release droplets.`,
        otherSizes.length > 0
            ? `- Another size sold in ${region}: ${otherSizes.join("; ")}. Switch: pulumi config set --path digitalocean.size <size> (same region: the volumes, data and address stay).`
            : `- No other size in the sizes table is sold in ${region}.`,
        otherRegions.length > 0
            ? `- Another region that sells ${size} (sizes table, ${DIGITALOCEAN_GPU_DATA_DATE}): ${otherRegions.join(", ")}. Switch: pulumi config set --path digitalocean.region <region>. ` +
                "Volumes, reserved IPs and VPCs belong to one region: a new region means NEW, EMPTY volumes (the model is pulled again, the Neo4j graph starts empty unless you restore it), a new address (update DNS) and a new VPC; " +
                "the old volumes are protected, so `pulumi up` refuses to replace them until you decide what happens to them (docs/parking.md, \"No GPU capacity\")."
            : `- The sizes table lists no other region for ${size}.`,
        "- Or stay parked until then: pulumi config set --path digitalocean.parked true && pulumi up",
        "Live lists: doctl compute size list; doctl compute region list.",
    ];
    return lines.join("\n");
}
