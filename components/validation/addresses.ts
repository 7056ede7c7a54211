/**
 * IP addresses and CIDRs, parsed with ipaddr.js (not regexes) and judged the same way by the
 * profile validation (components/config/digitalocean.ts) and the policy pack (policy/rules/firewall.ts,
 * policy/rules/ollama-port.ts), as `isPinnedImage` is shared for images.
 *
 * Strict on purpose: IPv4 only in dotted four-part decimal (ipaddr.js's `IPv4.isValid` also takes
 * `0x7f.1`, `127.1` and octal parts, which Docker and DigitalOcean do not), IPv6 without a zone id,
 * prefix lengths in plain decimal within the family's width.
 */
import * as ipaddr from "ipaddr.js";

export type IpFamily = "ipv4" | "ipv6";

const WIDTH: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

/** One address, normalised (`::` for `0:0:0:0:0:0:0:0`). */
export interface IpAddress {
    family: IpFamily;
    /** Canonical text: dotted decimal, or RFC 5952 for IPv6. */
    text: string;
    value: bigint;
}

/** A CIDR as the interval of addresses it covers. */
export interface Cidr {
    family: IpFamily;
    prefix: number;
    /** Canonical `network/prefix` (host bits cleared, IPv6 in RFC 5952 form). */
    text: string;
    first: bigint;
    last: bigint;
}

function toBigInt(bytes: number[]): bigint {
    return bytes.reduce((acc, b) => (acc << 8n) + BigInt(b), 0n);
}

/** The address in `text`, or undefined when it is not a strict IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | undefined {
    if (typeof text !== "string") return undefined;
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
        const a = ipaddr.IPv4.parse(text);
        return { family: "ipv4", text: a.toString(), value: toBigInt(a.toByteArray()) };
    }
    if (text.includes(":") && !text.includes("%") && ipaddr.IPv6.isValid(text)) {
        const a = ipaddr.IPv6.parse(text);
        return { family: "ipv6", text: a.toRFC5952String(), value: toBigInt(a.toByteArray()) };
    }
    return undefined;
}

function formatValue(family: IpFamily, value: bigint): string {
    const bytes: number[] = [];
    for (let i = WIDTH[family] / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
    const a = ipaddr.fromByteArray(bytes);
    return a.kind() === "ipv6" ? (a as ipaddr.IPv6).toRFC5952String() : a.toString();
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/**
 * `text` as a CIDR. A bare address counts as one address (/32 or /128). A CIDR with host bits set
 * (`203.0.113.7/24`) is refused: it reads like one address but means the whole network.
 */
export function parseCidr(text: string): CidrParse {
    if (typeof text !== "string") return { ok: false, reason: "expected a CIDR such as 203.0.113.7/32" };
    const slash = text.indexOf("/");
    const addressText = slash < 0 ? text : text.slice(0, slash);
    const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
    const address = parseIp(addressText);
    if (!address) {
        return { ok: false, reason: `"${addressText}" is not an IPv4 address (four decimal numbers 0-255) or an IPv6 address` };
    }
    const width = WIDTH[address.family];
    if (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) {
        return { ok: false, reason: `the prefix length "${prefixText}" is not a number from 0 to ${width}` };
    }
    const prefix = prefixText === undefined ? width : Number(prefixText);
    if (prefix > width) return { ok: false, reason: `the prefix length /${prefix} is beyond ${width}, the width of an ${address.family === "ipv4" ? "IPv4" : "IPv6"} address` };
    const hostBits = BigInt(width - prefix);
    const first = (address.value >> hostBits) << hostBits;
    const last = first + (1n << hostBits) - 1n;
    if (first !== address.value) {
        const network = `${formatValue(address.family, first)}/${prefix}`;
        return { ok: false, reason: `it has host bits set: it means all of ${network}; write ${network}, or ${address.text}/${width} for that one address` };
    }
    return { ok: true, cidr: { family: address.family, prefix, text: `${address.text}/${prefix}`, first, last } };
}

/**
 * The broadest CIDR accepted for admin access (SSH) and the private ports, unless
 * `allowSshFromAnywhere` says otherwise.
 * - IPv4 /16 (65,536 addresses): room for an office network or an ISP's dynamic pool an admin's
 *   address moves around in; anything broader is a large share of a national provider.
 * - IPv6 /32: the smallest block a regional registry allocates to one provider (RIPE-738 §5.1.2,
 *   ARIN NRPM 6.5.2), so even a prefix that changes with each reconnect fits; broader spans providers.
 */
export const ADMIN_PREFIX_LIMIT: Readonly<Record<IpFamily, number>> = { ipv4: 16, ipv6: 32 };

/** True when the union of `cidrs` of `family` is the whole address space (0.0.0.0/1 + 128.0.0.0/1 is). */
export function coversWholeFamily(cidrs: readonly Cidr[], family: IpFamily): boolean {
    const sorted = cidrs.filter((c) => c.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = 0n; // the first address not covered yet
    for (const c of sorted) {
        if (c.first > next) return false;
        if (c.last + 1n > next) next = c.last + 1n;
    }
    return next === 1n << BigInt(WIDTH[family]);
}

/** One refused source of an admin-only rule: the value as written and why. */
export interface SourceProblem {
    value: string;
    reason: string;
}

/**
 * Checks the sources allowed to reach SSH (or a private port): every one a valid CIDR, none broader
 * than ADMIN_PREFIX_LIMIT, and together not the whole IPv4 or IPv6 space. With `allowAnywhere`
 * only validity is checked (an explicit decision to open SSH to the internet). `optIn` names the
 * setting that allows more, when there is one.
 */
export function checkAdminSources(sources: readonly string[], allowAnywhere: boolean, optIn?: string): SourceProblem[] {
    const orOptIn = optIn ? `, or set ${optIn} to accept that` : "";
    const problems: SourceProblem[] = [];
    const parsed: Cidr[] = [];
    for (const source of sources) {
        const p = parseCidr(source);
        if (!p.ok) {
            problems.push({ value: source, reason: `${p.reason}; expected a CIDR such as 203.0.113.7/32 or 2001:db8::/48` });
            continue;
        }
        parsed.push(p.cidr);
        const limit = ADMIN_PREFIX_LIMIT[p.cidr.family];
        if (!allowAnywhere && p.cidr.prefix < limit) {
            const what = p.cidr.prefix === 0 ? "it is the whole internet" : `/${p.cidr.prefix} is broader than /${limit}, the broadest admin range allowed for ${p.cidr.family === "ipv4" ? "IPv4" : "IPv6"}`;
            problems.push({ value: source, reason: `${what}; use your own address (/${WIDTH[p.cidr.family]}) or a range of /${limit} or narrower${orOptIn}` });
        }
    }
    if (!allowAnywhere) {
        for (const family of ["ipv4", "ipv6"] as const) {
            // Only when no single range was already refused as too broad: one sentence per mistake.
            const tooBroad = parsed.some((c) => c.family === family && c.prefix < ADMIN_PREFIX_LIMIT[family]);
            if (!tooBroad && coversWholeFamily(parsed, family)) {
                const parts = parsed.filter((c) => c.family === family).map((c) => c.text);
                problems.push({
                    value: parts.length <= 4 ? parts.join(", ") : `${parts.slice(0, 3).join(", ")}, ... (${parts.length} ranges)`,
                    reason: `together these ranges cover every ${family === "ipv4" ? "IPv4" : "IPv6"} address, which is the whole internet; list only your own ranges${orOptIn}`,
                });
            }
        }
    }
    return problems;
}

/** True when `ip` lies inside `cidr` (a bare address counts as /32 or /128); false when either is invalid. */
export function inCidr(ip: string, cidr: string): boolean {
    const a = parseIp(ip);
    const c = parseCidr(cidr);
    return a !== undefined && c.ok && a.family === c.cidr.family && a.value >= c.cidr.first && a.value <= c.cidr.last;
}

const LOOPBACK = ["127.0.0.0/8", "::1/128"];
/** RFC 1918, link-local, CGNAT and IPv6 unique-local/link-local ranges: not reachable from the internet. */
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10"];

export function isLoopback(ip: string): boolean {
    return ip === "localhost" || LOOPBACK.some((c) => inCidr(ip, c));
}

/** Loopback or a private range. The unspecified addresses (0.0.0.0, ::) mean every interface, so they are not. */
export function isPrivateOrLoopback(ip: string): boolean {
    return isLoopback(ip) || PRIVATE.some((c) => inCidr(ip, c));
}

/** `0.0.0.0` or `::` in any spelling: every interface. */
export function isUnspecified(ip: string): boolean {
    const a = parseIp(ip);
    return a !== undefined && a.value === 0n;
}

/** The canonical form of each valid CIDR in `sources` (invalid ones are left out: checkAdminSources reports them). */
export function normaliseCidrs(sources: readonly string[]): string[] {
    return sources.flatMap((s) => {
        const p = parseCidr(s);
        return p.ok ? [p.cidr.text] : [];
    });
}

/**
 * A listen or publish address: one of `keywords` (e.g. `auto`) or a strict IP address, returned
 * normalised; undefined when it is neither (a hex word such as `abc` is not an address).
 */
export function parseListenAddress(text: string, keywords: readonly string[]): string | undefined {
    if (keywords.includes(text)) return text;
    return parseIp(text)?.text;
}
