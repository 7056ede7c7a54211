/**
 * Pure checks the front door's configuration needs: what a public DNS name looks like, and what a
 * bcrypt hash looks like. Dependency-free, used by the config validation
 * (components/config/services.ts, secrets.ts).
 */
import * as net from "net";

/**
 * A host name: dot-separated labels of 1-63 letters, digits or inner hyphens, a last label that is
 * not all digits (that would be an address), 253 characters at most. A trailing dot is not accepted
 * (Caddy matches the Host header, which never carries it). `localhost` and LAN names qualify.
 */
export function isHostName(name: string): boolean {
    if (name.length === 0 || name.length > 253) return false;
    const labels = name.split(".");
    const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
    if (!labels.every((l) => label.test(l))) return false;
    return !/^\d+$/.test(labels[labels.length - 1]);
}

/** A DNS name a public certificate can be issued for: a host name of at least two labels. */
export function isDnsName(name: string): boolean {
    return isHostName(name) && name.includes(".");
}

/** An IPv4 or IPv6 address (IPv6 with or without brackets). */
export function isIpAddress(text: string): boolean {
    return net.isIP(text.replace(/^\[(.*)\]$/, "$1")) !== 0;
}

/** Lowest bcrypt cost accepted: below 10 a stolen hash is cheap to brute-force. */
export const MIN_BCRYPT_COST = 10;

/**
 * `$2a$`, `$2b$` or `$2y$`, a two-digit cost, then 53 characters of bcrypt's base64 (22 of salt,
 * 31 of hash): the form `caddy hash-password` and `htpasswd -B` print, and what Go's bcrypt reads.
 */
const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** Undefined when `value` is a usable bcrypt hash; otherwise what is wrong with it (never the value itself). */
export function bcryptProblem(value: unknown): string | undefined {
    if (typeof value !== "string" || value === "") return "it is empty or not a string";
    const m = BCRYPT.exec(value);
    if (!m) {
        return `it is not a bcrypt hash (a ${value.length}-character value that does not start with $2a$, $2b$ or $2y$ and a cost; ` +
            "a plain-text password is never accepted)";
    }
    const cost = Number(m[1]);
    if (cost < MIN_BCRYPT_COST || cost > 31) return `its cost is ${cost}; use a cost from ${MIN_BCRYPT_COST} to 31`;
    return undefined;
}
