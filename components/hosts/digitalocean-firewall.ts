/**
 * The GPU droplet's cloud firewall rules, as plain data: SSH only from the admin CIDRs, 80 and 443
 * (the front door) from anywhere, ICMP, and nothing else inbound: Ollama and Neo4j (11434, 7687,
 * 7474) and the app's own ports are published by no container, so no rule names them. Without the
 * front door, the frontend's and backend's host ports are opened too (never 22 or a private port).
 * All outbound traffic is allowed (apt, image and model pulls, ACME).
 */
import { DIGITALOCEAN_PRIVATE_PORTS } from "../config/digitalocean";

export const ANYWHERE = ["0.0.0.0/0", "::/0"];

export interface FirewallRule {
    protocol: "tcp" | "udp" | "icmp";
    /** A port, a range `a-b`, or `all`; absent for icmp. */
    portRange?: string;
    sourceAddresses?: string[];
    destinationAddresses?: string[];
}

export interface FirewallRulesArgs {
    /** CIDRs allowed to reach SSH (validated in config: no 0.0.0.0/0 unless explicitly allowed). */
    adminCidrs: string[];
    /** Ports users reach from the internet besides 80 and 443 (none behind the front door). */
    publicPorts: number[];
}

export function firewallRules(args: FirewallRulesArgs): { inbound: FirewallRule[]; outbound: FirewallRule[] } {
    const publicPorts = [...new Set([80, 443, ...args.publicPorts])]
        .filter((p) => p !== 22 && !DIGITALOCEAN_PRIVATE_PORTS.includes(p))
        .sort((a, b) => a - b);
    const inbound: FirewallRule[] = [
        { protocol: "tcp", portRange: "22", sourceAddresses: [...args.adminCidrs] },
        ...publicPorts.map((p): FirewallRule => ({ protocol: "tcp", portRange: String(p), sourceAddresses: [...ANYWHERE] })),
        { protocol: "icmp", sourceAddresses: [...ANYWHERE] },
    ];
    const outbound: FirewallRule[] = [
        { protocol: "tcp", portRange: "all", destinationAddresses: [...ANYWHERE] },
        { protocol: "udp", portRange: "all", destinationAddresses: [...ANYWHERE] },
        { protocol: "icmp", destinationAddresses: [...ANYWHERE] },
    ];
    return { inbound, outbound };
}

/** True when `rule` lets `port` in from the whole internet (IPv4 or IPv6); ranges and `all` count. */
export function opensToInternet(rule: FirewallRule, port: number): boolean {
    if (!(rule.sourceAddresses ?? []).some((a) => ANYWHERE.includes(a))) return false;
    if (rule.protocol === "icmp") return false;
    const range = rule.portRange ?? "all";
    if (range === "all" || range === "0" || range === "") return true;
    const [lo, hi] = range.split("-").map(Number);
    return port >= lo && port <= (hi ?? lo);
}
