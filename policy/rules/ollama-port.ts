import { ResourceValidationPolicy } from "@pulumi/policy";
import { inCidr, isLoopback, isPrivateOrLoopback } from "../addresses";
import { PolicyContext } from "../context";
import { CONTAINER, envValue, environmentOf, isOllamaContainer, known, LOCAL_COMMAND, REMOTE_COMMAND } from "../resources";

export const OLLAMA_PORT = "ollama-port-not-public";

/**
 * Where an address may expose Ollama. Production: only loopback or the VPC's private range.
 * Elsewhere: any address not reachable from the internet (loopback, private ranges).
 */
function allowedAddress(context: PolicyContext, address: string): boolean {
    if (context.production) return isLoopback(address) || (context.vpcIpRange !== undefined && inCidr(address, context.vpcIpRange));
    return isPrivateOrLoopback(address);
}

function allowedText(context: PolicyContext): string {
    if (!context.production) return "127.0.0.1 or a private address";
    return context.vpcIpRange ? `127.0.0.1 or an address in the VPC (${context.vpcIpRange})` : "127.0.0.1";
}

/** The host part of OLLAMA_HOST (`0.0.0.0:11434`, `[::]:11434`, `auto:11434`, `http://h:p`). */
export function ollamaHostAddress(value: string): string {
    const text = value.replace(/^https?:\/\//, "").trim();
    const bracketed = /^\[([^\]]*)\]/.exec(text);
    if (bracketed) return bracketed[1];
    if ((text.match(/:/g) ?? []).length > 1) return text; // a bare IPv6 address
    return text.split(":")[0];
}

export function ollamaPort(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: OLLAMA_PORT,
        description: "The Ollama port is not published on a public address (prod: not published, or only on loopback or the VPC address).",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type === CONTAINER && isOllamaContainer(args.props)) {
                const ports = known(() => args.props.ports);
                if (!Array.isArray(ports)) return;
                for (const port of ports as Record<string, unknown>[]) {
                    const ip = known(() => port.ip);
                    const external = known(() => port.external) ?? known(() => port.internal);
                    if (ip !== undefined && ip !== null && typeof ip !== "string") continue;
                    const address = ip || "0.0.0.0"; // Docker publishes on every interface when no ip is given
                    if (!allowedAddress(context, address)) {
                        reportViolation(
                            `Ollama container "${args.name}" publishes port ${String(external)} on ${address}` +
                                `${ip ? "" : " (no ip given: every interface)"}; Ollama has no authentication. ` +
                                `Publish it on ${allowedText(context)} only, or not at all (the backend reaches it on the app network).`,
                        );
                    }
                }
                return;
            }
            if (args.type === LOCAL_COMMAND || args.type === REMOTE_COMMAND) {
                const host = envValue(environmentOf(args.type, args.props), "OLLAMA_HOST");
                if (!host) return;
                const address = ollamaHostAddress(host.value);
                // `auto` is resolved by native-start.sh to the narrowest address the backend can reach.
                if (address === "auto") return;
                const bound = address === "" ? "0.0.0.0" : address;
                if (!allowedAddress(context, bound)) {
                    reportViolation(
                        `${args.name} starts Ollama with OLLAMA_HOST=${host.value}: it listens on ${bound}` +
                            `${["0.0.0.0", "::"].includes(bound) ? " (every interface)" : ""}, where anyone who reaches this machine can use it. ` +
                            `Bind it to ${allowedText(context)} (rag-stack:ollama.bindAddress: auto does this).`,
                    );
                }
            }
        },
    };
}
