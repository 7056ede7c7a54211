import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { CONTAINER, known, roleOf } from "../resources";
import { PROXY_ROLE } from "./published-ports";

export const FRONT_DOOR_OPEN = "front-door-open-to-anyone";

/** The host names a Caddy JSON config serves, and whether it has an authentication handler anywhere. */
export function readCaddyConfig(text: string): { hosts: string[]; authenticated: boolean } | undefined {
    let config: unknown;
    try {
        config = JSON.parse(text);
    } catch {
        return undefined;
    }
    const hosts: string[] = [];
    let authenticated = false;
    const walk = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (!node || typeof node !== "object") return;
        const o = node as Record<string, unknown>;
        if (o.handler === "authentication") authenticated = true;
        if (Array.isArray(o.host)) hosts.push(...o.host.filter((h): h is string => typeof h === "string"));
        Object.values(o).forEach(walk);
    };
    walk(config);
    return { hosts, authenticated };
}

/**
 * Always advisory (a deliberate choice may be a public app): a front door with no access control
 * lets anyone who finds the name use the app, and through it the GPU.
 */
export function frontDoorAuth(_context: PolicyContext): ResourceValidationPolicy {
    return {
        name: FRONT_DOOR_OPEN,
        description: "The front door asks for credentials (services.auth), or the stack knowingly serves the app to anyone.",
        enforcementLevel: "advisory",
        validateResource: (args, reportViolation) => {
            if (args.type !== CONTAINER || roleOf(args.props) !== PROXY_ROLE) return;
            const uploads = known(() => args.props.uploads);
            if (!Array.isArray(uploads)) return;
            for (const upload of uploads as Record<string, unknown>[]) {
                const content = known(() => upload.content);
                if (typeof content !== "string") continue;
                const config = readCaddyConfig(content);
                if (!config || config.authenticated) continue;
                reportViolation(
                    `The front door "${args.name}" for ${config.hosts.join(", ") || "its host"} has no access control: ` +
                        "anyone who finds the address can use the app (and through it the GPU). " +
                        "Add users in rag-stack:services.auth.users with bcrypt hashes in the secret authPasswordHashes (docs/front-door.md, \"Access control\"), or accept this knowingly.",
                );
            }
        },
    };
}
