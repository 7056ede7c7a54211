/**
 * Pre-flight for the names the public front door is reached by: a real run refuses the example
 * stacks' placeholder names (validation/reserved-names.ts) before anything billable is created.
 * Config validation accepts them on purpose, so the example stack files validate as they are.
 */
import type { ServicesSettings } from "../config/services";
import { PROJECT } from "../project";
import { reservedBy, reservedZoneOf } from "../validation/reserved-names";

function publicHostProblem(publicHost: string, issuer: string): string | undefined {
    const zone = reservedZoneOf(publicHost);
    if (!zone) return undefined;
    return `${PROJECT}:services.publicHost: "${publicHost}" is in ${zone}, reserved (${reservedBy(zone)}) so that nobody can own it: ` +
        `no A record can point it at this stack's address and ${issuer} refuses to issue a certificate for it. ` +
        "Set the DNS name you own and point at the publicIp output";
}

/** The droplet's Caddy door: publicHost and the ACME contact, when Let's Encrypt issues the certificate. */
export function frontDoorNameProblems(services: ServicesSettings): string[] {
    const { proxy, publicHost } = services;
    if (!proxy.enabled || proxy.ca === "internal") return [];
    const problems: string[] = [];
    const host = publicHostProblem(publicHost, "Let's Encrypt");
    if (host) problems.push(host);
    const emailZone = proxy.acmeEmail ? reservedZoneOf(proxy.acmeEmail.split("@").pop() ?? "") : undefined;
    if (emailZone) {
        problems.push(`${PROJECT}:services.proxy.acmeEmail: "${proxy.acmeEmail}" is in ${emailZone} (${reservedBy(emailZone)}): Let's Encrypt refuses an account ` +
            `with a contact in a reserved domain, so Caddy could never ask for a certificate. Set an address you read (expiry notices go there)`);
    }
    return problems;
}

/** The DOKS load balancer: publicHost, when DigitalOcean issues a Let's Encrypt certificate for it. */
export function loadBalancerNameProblems(publicHost: string, certificateName: string | undefined): string[] {
    if (certificateName !== undefined) return [];
    const host = publicHostProblem(publicHost, "DigitalOcean (Let's Encrypt)");
    return host ? [host] : [];
}
