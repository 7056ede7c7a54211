import { ResourceValidationPolicy } from "@pulumi/policy";
import { isAnywhere } from "../addresses";
import { PolicyContext } from "../context";
import { DO_FIREWALL, known } from "../resources";

export const FIREWALL_WEB_ONLY = "firewall-only-web-ports-public";

/** The only ports any firewall rule may open to the whole internet: the front door's. */
export const WORLD_PORTS: readonly string[] = ["80", "443"];

/**
 * No inbound rule opens anything but 80 or 443 to 0.0.0.0/0 or ::/0: not SSH, not an app port,
 * not a range (even one that contains 80 or 443). ICMP and deny rules are not openings.
 */
export function firewallWebOnly(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: FIREWALL_WEB_ONLY,
        description: "Firewall rules open only 80 and 443 to 0.0.0.0/0 or ::/0; everything else comes from named sources.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== DO_FIREWALL) return;
            const rules = known(() => args.props.inboundRules);
            if (!Array.isArray(rules)) return;
            rules.forEach((rule: Record<string, unknown>, i: number) => {
                const protocol = String(known(() => rule.protocol) ?? "");
                if (protocol === "icmp" || known(() => rule.action) === "deny") return;
                const sources = known(() => rule.sourceAddresses);
                const open = Array.isArray(sources) ? sources.filter((s): s is string => typeof s === "string" && isAnywhere(s)) : [];
                if (open.length === 0) return;
                const portRange = known(() => rule.portRange);
                if (portRange !== undefined && typeof portRange !== "string") return;
                const range = (portRange ?? "").trim();
                if (WORLD_PORTS.includes(range)) return;
                reportViolation(
                    `Firewall "${args.name}" inbound rule ${i} opens ${protocol} ${range || "all ports"} to ${open.join(", ")}; ` +
                        `only ${WORLD_PORTS.join(" and ")} (the front door) may be open to the internet. ` +
                        "Allow other ports from named sources only (rag-stack:digitalocean.adminCidrs for SSH).",
                );
            });
        },
    };
}
