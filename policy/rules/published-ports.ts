import { ResourceValidationPolicy } from "@pulumi/policy";
import { isLoopback } from "../addresses";
import { PolicyContext } from "../context";
import { CONTAINER, known, roleOf } from "../resources";

export const PROXY_ONLY_PUBLISHES = "only-proxy-publishes-ports";

/** Role label of the front door (components/proxy). */
export const PROXY_ROLE = "proxy";

/**
 * Production: the front door is the only container with ports beyond the machine's loopback.
 * A loopback publication (Neo4j's, for an ssh tunnel) reaches nobody outside the machine.
 */
export function proxyOnlyPublishes(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: PROXY_ONLY_PUBLISHES,
        description: "In production only the front door (Caddy) publishes ports; other containers publish nothing beyond 127.0.0.1.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== CONTAINER) return;
            if (!context.production) args.notApplicable("only production stacks must have a single front door");
            const role = roleOf(args.props);
            if (role === PROXY_ROLE) return;
            const ports = known(() => args.props.ports);
            if (!Array.isArray(ports)) return;
            for (const port of ports as Record<string, unknown>[]) {
                const ip = known(() => port.ip);
                if (ip !== undefined && ip !== null && typeof ip !== "string") continue;
                const address = ip || "0.0.0.0"; // Docker publishes on every interface when no ip is given
                if (isLoopback(address)) continue;
                const external = known(() => port.external) ?? known(() => port.internal);
                reportViolation(
                    `Container "${args.name}"${role ? ` (${role})` : ""} publishes port ${String(external)} on ${address}` +
                        `${ip ? "" : " (no ip given: every interface)"}; in production only the front door publishes ports. ` +
                        "Put it behind the front door (rag-stack:services.proxy.enabled: true; the proxy reaches it on the app network) or publish it on 127.0.0.1 only.",
                );
            }
        },
    };
}
