import { ResourceValidationPolicy } from "@pulumi/policy";
import { checkAdminSources } from "../addresses";
import { PolicyContext } from "../context";
import { DO_FIREWALL, known } from "../resources";

export const FIREWALL = "firewall-private-ports-closed";

/** Ollama, Neo4j Bolt and Neo4j HTTP: never reachable from the internet. */
export const PRIVATE_PORTS: Record<number, string> = { 11434: "Ollama", 7687: "Neo4j Bolt", 7474: "Neo4j HTTP" };
/** SSH: open to the admins' ranges only, judged by the same rule as rag-stack:digitalocean.adminCidrs. */
export const SSH_PORT = 22;

/** True when a DigitalOcean port range (`80`, `8000-9000`, `1-65535`, `all`, empty) includes `port`. */
export function rangeIncludes(portRange: string | undefined, port: number): boolean {
    const range = (portRange ?? "").trim();
    if (range === "" || range === "all" || range === "0") return true;
    const [lo, hi] = range.split("-").map((p) => Number(p.trim()));
    if (!Number.isFinite(lo)) return false;
    return port >= lo && port <= (Number.isFinite(hi) ? hi : lo);
}

interface OpeningRule {
    index: number;
    protocol: string;
    portRange: string | undefined;
    sources: string[];
}

/** Inbound rules that let traffic in (not icmp, not deny) with known sources and port range. */
function openingRules(rules: unknown): OpeningRule[] {
    if (!Array.isArray(rules)) return [];
    return rules.flatMap((rule: Record<string, unknown>, index: number): OpeningRule[] => {
        const protocol = String(known(() => rule.protocol) ?? "");
        if (protocol === "icmp" || known(() => rule.action) === "deny") return [];
        const sources = known(() => rule.sourceAddresses);
        const portRange = known(() => rule.portRange);
        if (!Array.isArray(sources) || (portRange !== undefined && typeof portRange !== "string")) return [];
        return [{ index, protocol, portRange, sources: sources.filter((s): s is string => typeof s === "string") }];
    });
}

/**
 * SSH and the private ports may only be opened to admin-sized ranges (components/validation/addresses.ts:
 * valid CIDRs, none broader than /16 IPv4 or /32 IPv6, not together the whole space). All rules that
 * include a port are judged together, so two rules of 0.0.0.0/1 and 128.0.0.0/1 are caught. SSH may
 * be opened wider only when the stack sets `rag-stack:digitalocean.allowSshFromAnywhere: true`.
 */
export function firewall(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: FIREWALL,
        description: "SSH (22), Ollama (11434) and Neo4j (7687, 7474) are open only to admin-sized ranges (the VPC, admins' CIDRs), never to the internet.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== DO_FIREWALL) return;
            const rules = openingRules(known(() => args.props.inboundRules));
            const guarded: [number, string][] = [[SSH_PORT, "SSH"], ...Object.entries(PRIVATE_PORTS).map(([p, s]): [number, string] => [Number(p), s])];
            for (const [port, service] of guarded) {
                const including = rules.filter((r) => rangeIncludes(r.portRange, port));
                if (including.length === 0) continue;
                const allowAnywhere = port === SSH_PORT && context.allowSshFromAnywhere === true;
                const sources = [...new Set(including.flatMap((r) => r.sources))];
                const problems = checkAdminSources(sources, allowAnywhere,
                    port === SSH_PORT ? "rag-stack:digitalocean.allowSshFromAnywhere: true" : undefined);
                if (problems.length === 0) continue;
                const where = including.map((r) => `inbound rule ${r.index} (${r.protocol} ${r.portRange || "all ports"} from ${r.sources.join(", ")})`).join(" and ");
                reportViolation(
                    `Firewall "${args.name}" ${where} opens ${service} (${port}) too widely: ` +
                        problems.map((p) => `"${p.value}": ${p.reason}`).join("; ") +
                        (port === SSH_PORT ? "." : ". Open it to the VPC range at most; the stack itself opens it to nobody."),
                );
            }
        },
    };
}
