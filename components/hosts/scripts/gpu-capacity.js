#!/usr/bin/env node
/*
 * GPU capacity check, run on the machine running Pulumi (command.local.Command) before the GPU
 * droplet is created: asks DigitalOcean which regions sell the size right now (GET /v2/sizes,
 * every page) and fails with the stack's advice when the region is not among them, instead of the
 * droplet create's bare 422 "Size is not available in this region".
 * Node.js 18+ stdlib only (fetch; the machine running a Pulumi TypeScript program has Node); CommonJS.
 *
 * Environment:
 *   DIGITALOCEAN_TOKEN   API token (the stack passes its secret config; else the user's environment)
 *   GPU_SIZE             size slug, e.g. gpu-4000adax1-20gb
 *   GPU_REGION           region slug, e.g. tor1
 *   CAPACITY_ADVICE      what to do when the size is not available (built by digitalocean-capacity.ts)
 *   DIGITALOCEAN_API_URL API base URL (default https://api.digitalocean.com; tests point it at a stand-in)
 * Exit codes: 0 the size is available in the region; 1 it is not (the advice is printed); 2 bad
 * environment; 3 DigitalOcean could not be asked (network, token): the message says what happened.
 */
"use strict";

const env = process.env;
const say = (line) => process.stdout.write(`capacity: ${line}\n`);
const fail = (code, message) => {
    process.stderr.write(`capacity: ${message}\n`);
    process.exit(code);
};

async function sellingRegions(apiUrl, token, size) {
    let url = `${apiUrl.replace(/\/+$/, "")}/v2/sizes?per_page=200`;
    for (let page = 0; url && page < 20; page++) {
        let res;
        try {
            res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, signal: AbortSignal.timeout(30_000) });
        } catch (err) {
            fail(3, `could not reach ${apiUrl} to check GPU capacity: ${err.cause?.message || err.message}`);
        }
        if (res.status === 401 || res.status === 403) {
            fail(3, `DigitalOcean refused the token (HTTP ${res.status}); check DIGITALOCEAN_TOKEN or rag-stack:digitaloceanToken`);
        }
        if (!res.ok) fail(3, `GET /v2/sizes answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
        const body = await res.json();
        const found = (body.sizes || []).find((s) => s.slug === size);
        if (found) return found.available === false ? [] : found.regions || [];
        url = body.links && body.links.pages && body.links.pages.next;
    }
    return undefined;
}

async function main() {
    const size = env.GPU_SIZE;
    const region = env.GPU_REGION;
    if (!size || !region) fail(2, "GPU_SIZE and GPU_REGION must be set");
    if (!env.DIGITALOCEAN_TOKEN) fail(2, "DIGITALOCEAN_TOKEN is not set: export it or run pulumi config set --secret digitaloceanToken <token>");
    const apiUrl = env.DIGITALOCEAN_API_URL || "https://api.digitalocean.com";
    say(`asking DigitalOcean where ${size} can be created now`);
    const regions = await sellingRegions(apiUrl, env.DIGITALOCEAN_TOKEN, size);
    if (regions === undefined) {
        fail(1, `DigitalOcean does not list the size ${size} for this account at all.\n${env.CAPACITY_ADVICE || ""}`);
    }
    if (regions.includes(region)) {
        say(`${size} is available in ${region} (sold now in: ${regions.join(", ")})`);
        return;
    }
    fail(1, `${size} is not available in ${region} now; DigitalOcean sells it now in: ${regions.length > 0 ? regions.join(", ") : "no region"}.\n${env.CAPACITY_ADVICE || ""}`);
}

main().catch((err) => fail(3, `unexpected error: ${err && err.stack ? err.stack : err}`));
