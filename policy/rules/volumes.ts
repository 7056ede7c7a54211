import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { DO_VOLUME, DOCKER_VOLUME, known } from "../resources";

export const VOLUMES_PROTECTED = "data-volumes-protected";

/**
 * Model stores (`*-models`) hold what Ollama can pull again; the components retain them on delete.
 * Every other volume holds data (Neo4j) and must be protected.
 */
export function isModelStore(name: string): boolean {
    return /(^|-)models$/.test(name);
}

/**
 * The front door's activity log (`*-activity-log`, components/health/activity-log.ts): a rolled log
 * of recent requests that a new droplet starts empty on purpose. Nothing in it is data to keep.
 */
export function isActivityLog(name: string): boolean {
    return /(^|-)activity-log$/.test(name);
}

/**
 * A Docker volume that binds a host directory (`driverOpts: {type: none, o: bind, device}`) holds
 * no data itself: removing it leaves the directory alone. What backs the directory (a droplet's
 * block volume) is what must be protected, and this policy checks that volume too.
 */
export function bindsHostDirectory(props: Record<string, unknown>): string | undefined {
    const opts = known(() => props.driverOpts);
    if (!opts || typeof opts !== "object") return undefined;
    const o = known(() => (opts as Record<string, unknown>).o);
    const device = known(() => (opts as Record<string, unknown>).device);
    return typeof o === "string" && o.split(",").includes("bind") && typeof device === "string" ? device : undefined;
}

export function volumesProtected(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: VOLUMES_PROTECTED,
        description: "Data volumes (Docker and DigitalOcean) are protected: `pulumi up`/`destroy` cannot delete them. Model stores, the activity log and binds of host directories are exempt.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== DOCKER_VOLUME && args.type !== DO_VOLUME) return;
            if (isModelStore(args.name)) args.notApplicable(`${args.name} is a model store: a cache Ollama can pull again`);
            if (args.type === DOCKER_VOLUME && isActivityLog(args.name)) args.notApplicable(`${args.name} is the front door's activity log: recent requests, started empty on every new droplet`);
            const device = args.type === DOCKER_VOLUME ? bindsHostDirectory(args.props) : undefined;
            if (device) args.notApplicable(`${args.name} binds ${device}: removing it deletes no data`);
            if (!args.opts.protect) {
                reportViolation(
                    `Volume "${args.name}" holds data but is not protected: a replace or destroy would delete it. ` +
                        "Register it with protect: true (production stacks do).",
                );
            }
        },
    };
}
