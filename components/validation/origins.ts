/**
 * OLLAMA_ORIGINS entries. Ollama joins them with its defaults and hands them to gin-contrib/cors
 * with wildcards enabled, and reads the variable as a comma-separated list: so `*`, `http://*` or
 * `https://*.example.com` let every (or many) web page(s) drive the API from a user's browser, and
 * a comma or a control character would smuggle another entry in. Shared by the profile validation
 * (refused) and the policy pack (flagged), so both judge an origin the same way.
 */
import { hasControlCharacters } from "./env-names";
import { parseIp } from "./addresses";

export const ORIGIN_ALLOWED = "each origin must be scheme://host[:port] such as http://localhost:3000 or https://rag.example.com (no *, no path)";

/** `*`, or an http(s) origin with a `*` anywhere in it. Desktop schemes such as `app://*` are not web pages. */
export function isWildcardOrigin(origin: string): boolean {
    const text = origin.trim();
    return text === "*" || (/^https?:\/\//i.test(text) && text.includes("*"));
}

const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

function validHost(host: string): boolean {
    if (host.startsWith("[") && host.endsWith("]")) return parseIp(host.slice(1, -1))?.family === "ipv6";
    if (/^[\d.]+$/.test(host)) return parseIp(host)?.family === "ipv4";
    return host.length <= 253 && host.split(".").every((label) => HOST_LABEL.test(label));
}

/** Why `origin` is refused, or undefined when it is a valid, specific origin. */
export function originProblem(origin: string): string | undefined {
    if (hasControlCharacters(origin)) return "it holds a control character (a newline, tab or similar)";
    if (origin.includes(",")) return "it holds a comma, which OLLAMA_ORIGINS reads as a second origin; list each origin as its own item";
    if (isWildcardOrigin(origin)) return "a wildcard lets any web page drive your Ollama from a visitor's browser; name the frontend's origin (e.g. http://localhost:3000)";
    const app = /^([a-z][a-z0-9+.-]*):\/\/\*$/.exec(origin);
    if (app && !["http", "https"].includes(app[1])) return undefined; // app://*, tauri://*: a desktop app's own scheme
    const m = /^(https?):\/\/(\[[^\]]*\]|[^:/?#@\s]+)(?::(\d{1,5}))?$/.exec(origin);
    if (!m) return "it is not scheme://host[:port] (an origin has no path, query, user or trailing /)";
    if (!validHost(m[2])) return `"${m[2]}" is not a host name or IP address`;
    if (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535)) return `the port ${m[3]} is not from 1 to 65535`;
    return undefined;
}
