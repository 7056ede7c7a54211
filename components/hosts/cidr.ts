/**
 * IPv4 CIDR arithmetic for the pre-flight checks (is this address in adminCidrs, is that CIDR a
 * documentation range), and the documentation ranges themselves.
 */

/** RFC 5737 (IPv4) and RFC 3849 (IPv6): reserved for examples, routed nowhere. */
export const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"] as const;

/** The address as a 32-bit number, or undefined when it is not a dotted IPv4 address. */
export function ipv4ToNumber(address: string): number | undefined {
    const parts = address.trim().split(".");
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function parseIpv4Cidr(cidr: string): { base: number; bits: number } | undefined {
    const [address, bitsText] = cidr.split("/");
    const base = ipv4ToNumber(address);
    const bits = Number(bitsText ?? "32");
    if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
    return { base, bits };
}

/** True when the IPv4 `address` lies inside the IPv4 `cidr`; false for anything IPv6 or malformed. */
export function ipv4InCidr(address: string, cidr: string): boolean {
    const ip = ipv4ToNumber(address);
    const range = parseIpv4Cidr(cidr);
    if (ip === undefined || !range) return false;
    const size = 2 ** (32 - range.bits);
    const start = Math.floor(range.base / size) * size;
    return ip >= start && ip < start + size;
}

/** The documentation range `cidr` lies entirely inside, or undefined. */
export function documentationRangeOf(cidr: string): string | undefined {
    if (cidr.includes(":")) {
        const [address, bitsText] = cidr.toLowerCase().split("/");
        const bits = Number(bitsText ?? "128");
        const first = address.split(":");
        const isDoc = first[0] === "2001" && /^0*db8$/.test(first[1] ?? "") && bits >= 32;
        return isDoc ? "2001:db8::/32" : undefined;
    }
    const range = parseIpv4Cidr(cidr);
    if (!range) return undefined;
    const [address] = cidr.split("/");
    return DOCUMENTATION_RANGES.find((doc) => !doc.includes(":") && range.bits >= Number(doc.split("/")[1]) && ipv4InCidr(address, doc));
}
