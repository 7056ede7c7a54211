/** IPv4/IPv6 address and CIDR checks for the port and firewall policies. */

function ipv4ToBigInt(ip: string): bigint | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reduce((acc, p) => (acc << 8n) + BigInt(Number(p)), 0n);
}

function ipv6ToBigInt(ip: string): bigint | undefined {
    const text = ip.replace(/^\[|\]$/g, "").split("%")[0];
    if (!/^[0-9a-fA-F:]+$/.test(text) || (text.match(/::/g) ?? []).length > 1) return undefined;
    const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
    const headGroups = head ? head.split(":") : [];
    const tailGroups = tail ? tail.split(":") : [];
    const missing = 8 - headGroups.length - tailGroups.length;
    if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
    const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...tailGroups];
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

interface Address {
    bits: 32 | 128;
    value: bigint;
}

export function parseAddress(ip: string): Address | undefined {
    const v4 = ipv4ToBigInt(ip);
    if (v4 !== undefined) return { bits: 32, value: v4 };
    const v6 = ipv6ToBigInt(ip);
    return v6 === undefined ? undefined : { bits: 128, value: v6 };
}

/** True when `ip` lies inside `cidr` (a bare address counts as /32 or /128). */
export function inCidr(ip: string, cidr: string): boolean {
    const [base, prefixText] = cidr.split("/");
    const a = parseAddress(ip);
    const b = parseAddress(base);
    if (!a || !b || a.bits !== b.bits) return false;
    const prefix = prefixText === undefined ? a.bits : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > a.bits) return false;
    const shift = BigInt(a.bits - prefix);
    return a.value >> shift === b.value >> shift;
}

const LOOPBACK = ["127.0.0.0/8", "::1/128"];
/** RFC 1918, link-local, CGNAT and IPv6 unique-local/link-local ranges: not reachable from the internet. */
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"];
/** CIDRs meaning "the whole internet". */
export const ANYWHERE = ["0.0.0.0/0", "::/0"];

export function isLoopback(ip: string): boolean {
    return ip === "localhost" || LOOPBACK.some((c) => inCidr(ip, c));
}

/** Loopback or a private range. The unspecified addresses (0.0.0.0, ::) mean every interface, so they are not. */
export function isPrivateOrLoopback(ip: string): boolean {
    return isLoopback(ip) || PRIVATE.some((c) => inCidr(ip, c));
}

/** A source that is the whole internet: 0.0.0.0/0, ::/0 (or spelled as ranges of the same size). */
export function isAnywhere(source: string): boolean {
    const [base, prefix] = source.split("/");
    const a = parseAddress(base);
    return ANYWHERE.includes(source) || (a !== undefined && a.value === 0n && prefix === "0");
}
