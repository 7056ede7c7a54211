/**
 * DNS names nobody can own, the naming twin of the documentation address ranges (hosts/cidr.ts).
 * The example stacks use them as placeholders (rag.example.com, ops@example.com) so the files
 * validate as they are; a real run must refuse them before it buys anything, because:
 * - no A record under them can point at our address, and Let's Encrypt refuses to issue for them,
 *   so the front door would never get a certificate;
 * - Let's Encrypt refuses an account whose contact is in example.com/.net/.org ("invalidContact:
 *   contact email has forbidden domain", letsencrypt/boulder#3748), so Caddy could not even start
 *   asking for one.
 */

/** RFC 2606 section 3: second-level names reserved for examples. */
const EXAMPLE_DOMAINS = ["example.com", "example.net", "example.org"] as const;

/**
 * Top-level names that are not on the public internet: RFC 2606 (example, test, invalid,
 * localhost), RFC 6762 (local, mDNS), RFC 8375 (home.arpa) and ICANN's private-use `internal`.
 */
const NON_PUBLIC_ZONES = ["example", "test", "invalid", "localhost", "local", "internal", "home.arpa"] as const;

/** The reserved zone `name` lies in (e.g. "example.com"), or undefined for a name that can be public. */
export function reservedZoneOf(name: string): string | undefined {
    const host = name.trim().toLowerCase().replace(/\.$/, "");
    return [...EXAMPLE_DOMAINS, ...NON_PUBLIC_ZONES].find((zone) => host === zone || host.endsWith(`.${zone}`));
}

/** Which RFC (or body) reserves the zone, for messages. */
export function reservedBy(zone: string): string {
    if ((EXAMPLE_DOMAINS as readonly string[]).includes(zone) || ["example", "test", "invalid", "localhost"].includes(zone)) return "RFC 2606";
    if (zone === "local") return "RFC 6762";
    if (zone === "home.arpa") return "RFC 8375";
    return "ICANN, for private use";
}
