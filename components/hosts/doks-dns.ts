/**
 * The `scale` stack's public name in DigitalOcean DNS: an A record for `services.publicHost` that
 * points at the front door's load balancer.
 *
 * Why the stack makes it itself: a load balancer with a Let's Encrypt certificate makes DigitalOcean
 * create an A record for the certificate's *apex* domain pointing at it, unless the Service says
 * `do-loadbalancer-disable-lets-encrypt-dns-records` (digitalocean-cloud-controller-manager
 * docs/controllers/services/annotations.md; godo PR #482: "an A record is created from the apex
 * domain in the cert pointing to the LB IP"): for rag.example.com that would point example.com, a
 * team's website, at this stack. The front door turns that off (kubernetes/front-door.ts) and this
 * record names exactly publicHost.
 *
 * The zone is the longest suffix of publicHost that is a domain in the account (a zone may be a
 * subdomain, sub.example.com): looked up before the certificate is asked for, so a name outside
 * DigitalOcean DNS stops `preview` with the reason instead of failing at the certificate.
 *
 * Lifecycle (terraform-provider-digitalocean v2.99.1 digitalocean/domain/resource_record.go):
 * `domain` and `type` replace the record, `name` and `value` update it in place (a new publicHost in
 * the same zone, a new load balancer address); a record already deleted by hand is gone for the
 * provider (404 on read and on delete); `destroy` deletes it before the load balancer, whose address
 * it depends on, so no name is left pointing at an address DigitalOcean may give to someone else.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../project";

/** TTL of the record, s: short, so that a move of the load balancer reaches users quickly. */
export const PUBLIC_HOST_TTL = 300;

/** publicHost and each parent with at least two labels, longest first: where its zone can be. */
export function zoneCandidates(host: string): string[] {
    const labels = host.toLowerCase().replace(/\.$/, "").split(".");
    const out: string[] = [];
    for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join("."));
    return out;
}

/** The zone holding `host` among the account's domains (the longest suffix), or undefined. */
export function zoneFor(host: string, domains: readonly string[]): string | undefined {
    const names = new Set(domains.map((d) => d.toLowerCase()));
    return zoneCandidates(host).find((c) => names.has(c));
}

/** The record's name inside its zone: "@" for the zone's apex, else the labels before the zone. */
export function recordName(host: string, zone: string): string {
    const h = host.toLowerCase().replace(/\.$/, "");
    return h === zone ? "@" : h.slice(0, h.length - zone.length - 1);
}

/** The zone of `host` among the account's domains, or an error saying what to do. */
export function zoneOrRefuse(host: string, domains: readonly string[]): string {
    const zone = zoneFor(host, domains);
    if (zone) return zone;
    throw new Error(`${PROJECT}:services.publicHost: "${host}" is in no domain of this DigitalOcean account (looked for ${zoneCandidates(host).join(", ")}; ` +
        "doctl compute domain list). The load balancer's Let's Encrypt certificate and its DNS record need the domain's DNS on DigitalOcean: " +
        `add the domain there (doctl compute domain create), or set ${PROJECT}:doks.dnsRecord false (and name an existing certificate in ` +
        `${PROJECT}:doks.certificateName if the domain is elsewhere) and point the name at the publicIp output yourself`);
}

/** Looks the zone up in the account; fails with what to do when DigitalOcean DNS does not hold the name. */
export function lookupZone(host: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const domains = digitalocean.getDomainsOutput({ filters: [{ key: "name", values: zoneCandidates(host) }] }, opts);
    return domains.domains.apply((found) => zoneOrRefuse(host, found.map((d) => d.name)));
}

/** Records of the name that point elsewhere than `address` (A, AAAA or CNAME), one line each. */
export function foreignAddresses(records: readonly { id: number; type: string; value: string }[], address: string): string[] {
    return records.filter((rec) => ["A", "AAAA", "CNAME"].includes(rec.type) && rec.value !== address).map((rec) => `${rec.type} ${rec.value} (record ${rec.id})`);
}

/** Other addresses the name already has, as the zone's records say. */
export async function otherAddresses(zone: string, name: string, address: string, opts: pulumi.InvokeOptions): Promise<string[]> {
    const { records } = await digitalocean.getRecords({ domain: zone, filters: [{ key: "name", values: [name] }] }, opts);
    return foreignAddresses(records, address);
}

export interface PublicHostRecordArgs {
    host: string;
    zone: pulumi.Input<string>;
    /** The load balancer's address. */
    address: pulumi.Output<string | undefined>;
    provider: digitalocean.Provider;
}

/**
 * The A record publicHost -> the load balancer. It warns when the name has other addresses too (the
 * droplet's, during a move from `prod`): DNS then splits users between them until those are deleted.
 */
export function publicHostRecord(name: string, args: PublicHostRecordArgs, opts: pulumi.CustomResourceOptions): digitalocean.DnsRecord {
    const zone = pulumi.output(args.zone);
    const value = pulumi.all([zone, args.address]).apply(async ([z, address]) => {
        if (!address) throw new Error(`the front door's load balancer has no address yet, so ${args.host} cannot point at it; run up again once it has one (kubectl get service front-door)`);
        const others = await otherAddresses(z, recordName(args.host, z), address, { provider: args.provider });
        if (others.length > 0) {
            pulumi.log.warn(`${args.host} also points at ${others.join(", ")}, not this stack's load balancer (${address}): DNS splits users between them. ` +
                `When you switch users over (after copying the graph), delete those records: doctl compute domain records delete ${z} <record id>`);
        }
        return address;
    });
    return new digitalocean.DnsRecord(name, {
        domain: zone,
        type: "A",
        name: zone.apply((z) => recordName(args.host, z)),
        value,
        ttl: PUBLIC_HOST_TTL,
    }, { ...opts, provider: args.provider });
}
