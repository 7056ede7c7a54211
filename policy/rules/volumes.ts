import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { DO_VOLUME, DOCKER_VOLUME } from "../resources";

export const VOLUMES_PROTECTED = "data-volumes-protected";

/**
 * Model stores (`*-models`) hold what Ollama can pull again; the components retain them on delete.
 * Every other volume holds data (Neo4j) and must be protected.
 */
export function isModelStore(name: string): boolean {
    return /(^|-)models$/.test(name);
}

export function volumesProtected(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: VOLUMES_PROTECTED,
        description: "Data volumes (Docker and DigitalOcean) are protected: `pulumi up`/`destroy` cannot delete them. Model stores are exempt.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (args.type !== DOCKER_VOLUME && args.type !== DO_VOLUME) return;
            if (isModelStore(args.name)) args.notApplicable(`${args.name} is a model store: a cache Ollama can pull again`);
            if (!args.opts.protect) {
                reportViolation(
                    `Volume "${args.name}" holds data but is not protected: a replace or destroy would delete it. ` +
                        "Register it with protect: true (production stacks do).",
                );
            }
        },
    };
}
