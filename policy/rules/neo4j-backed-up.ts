import { ResourceValidationPolicy } from "@pulumi/policy";
import { PROJECT } from "../../components/project";
import { PolicyContext } from "../context";
import { CONTAINER, isNeo4jContainer, known } from "../resources";
import { K8S_WORKLOADS } from "./kubernetes";

export const NEO4J_BACKED_UP = "neo4j-backed-up";

/** True for a Kubernetes workload one of whose containers runs a neo4j image. */
function isNeo4jWorkload(props: Record<string, unknown>): boolean {
    const containers = known(() => ((props.spec as Record<string, unknown>)?.template as Record<string, unknown>)?.spec as Record<string, unknown>)?.containers;
    if (!Array.isArray(containers)) return false;
    return containers.some((c) => {
        const image = known(() => (c as Record<string, unknown>).image);
        return typeof image === "string" && /(^|\/)neo4j(:|@|$)/.test(image);
    });
}

/**
 * The graph is the one thing the stack cannot create again: on a production stack, the resource
 * that runs Neo4j is a violation unless `rag-stack:backup` backs it up, or the stack says, with
 * `backup.disabledOnPurpose: true`, that it wants none (the config refuses that key with backups on).
 */
export function neo4jBackedUp(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: NEO4J_BACKED_UP,
        description: "A production stack backs Neo4j up (rag-stack:backup), or opts out in so many words (backup.disabledOnPurpose).",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (!context.production) return;
            const neo4j = args.type === CONTAINER ? isNeo4jContainer(args.props) : K8S_WORKLOADS.includes(args.type) && isNeo4jWorkload(args.props);
            if (!neo4j) return;
            const backup = context.backup;
            if (backup.enabled || backup.disabledOnPurpose) return;
            reportViolation(`${args.name} runs Neo4j on a production stack without backups (${PROJECT}:backup.enabled is false${backup.enabledWritten ? "" :
                ` by default for host.provider ${JSON.stringify(context.hostProvider ?? "unknown")}`}): a lost volume loses the graph for good. ` +
                `Turn backups on, or set ${PROJECT}:backup.disabledOnPurpose: true to say that none is wanted.`);
        },
    };
}
