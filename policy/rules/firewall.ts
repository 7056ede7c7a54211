import { ResourceValidationPolicy } from "@pulumi/policy";
import { isAnywhere } from "../addresses";
import { PolicyContext } from "../context";
import { DO_FIREWALL, known } from "../resources";

export const FIREWALL = "firewall-private-ports-closed";

/** Ollama, Neo4j Bolt and Neo4j HTTP: never reachable from the internet. */
export const PRIVATE_PORTS: Record<number, string> = { 11434: "Ollama", 7687: "Neo4j Bolt", 7474: "Neo4j HTTP" };

/** True when a DigitalOcean port range (`80`, `8000-9000`, `1-65535`, `all`, empty) includes `port`. */
export function rangeIncludes(portRange: string | undefined, port: number): boolean {
    const range = (portRange ?? "").trim();
    if (range === "" || range === "all" || range === "0") return true;
    const [lo, hi] = range.split("-").map((p) => Number(p.trim()));
    if (!Number.isFinite(lo)) return false;
    return port >= lo && port <= (Number.isFinite(hi) ? hi : lo);
}

export function firewall(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: FIREWALL,
        description: "No firewall rule opens 11434 (Ollama), 7687 or 7474 (Neo4j) to 0.0.0.0/0 or ::/0.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== DO_FIREWALL) return;
            const rules = known(() => args.props.inboundRules);
            if (!Array.isArray(rules)) return;
            rules.forEach((rule: Record<string, unknown>, i: number) => {
                const protocol = String(known(() => rule.protocol) ?? "");
                const action = known(() => rule.action);
                if (protocol === "icmp" || action === "deny") return;
                const sources = known(() => rule.sourceAddresses);
                const open = Array.isArray(sources) ? sources.filter((s): s is string => typeof s === "string" && isAnywhere(s)) : [];
                if (open.length === 0) return;
                const portRange = known(() => rule.portRange);
                if (portRange !== undefined && typeof portRange !== "string") return;
                for (const [port, service] of Object.entries(PRIVATE_PORTS)) {
                    if (rangeIncludes(portRange, Number(port))) {
                        reportViolation(
                            `Firewall "${args.name}" inbound rule ${i} (${protocol} ${portRange || "all ports"} from ${open.join(", ")}) ` +
                                `opens ${service} (${port}) to the internet. Allow it from the VPC range only.`,
                        );
                    }
                }
            });
        },
    };
}
