/**
 * Runs the pack's resource policies outside the engine, on resources described as the engine
 * would send them (type, name, urn, inputs, which inputs are secret, protect). The arguments are
 * built the way @pulumi/policy builds them (props behind its unknown-checking proxy, `notApplicable`
 * throwing), so a policy behaves here as under `pulumi preview --policy-pack policy`.
 *
 * Used by the tests on the rendered dev and prod stacks, and by `npm run plan -- --check`.
 */
import { EnforcementLevel, Policy, ResourceValidationArgs, ResourceValidationPolicy, unknownCheckingProxy } from "@pulumi/policy";
import { withSecretPaths } from "./engine-secrets";

/** A resource as a policy sees it. Structurally a `RenderedResource` from tools/render.ts. */
export interface CheckedResource {
    type: string;
    name: string;
    urn: string;
    parent?: string;
    /** Inputs with secrets unwrapped. */
    inputs: Record<string, unknown>;
    /** Dotted paths into `inputs` that the engine would mark secret. */
    secretPaths: string[];
    protect: boolean;
}

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    type: string;
    name: string;
    urn: string;
    message: string;
}

class NotApplicable extends Error {}

function enforcementOf(policy: Policy): EnforcementLevel {
    return policy.enforcementLevel ?? "advisory";
}

function argsFor(resource: CheckedResource): ResourceValidationArgs {
    const props = withSecretPaths(structuredClone(resource.inputs), resource.secretPaths);
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: unknownCheckingProxy(props) as Record<string, unknown>,
        opts: {
            protect: resource.protect,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
            parent: resource.parent,
        },
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

/** Every violation the policies report on the resources. */
export async function checkResources(policies: ResourceValidationPolicy[], resources: CheckedResource[]): Promise<Violation[]> {
    const violations: Violation[] = [];
    for (const policy of policies) {
        const level = enforcementOf(policy);
        if (level === "disabled" || !policy.validateResource) continue;
        const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
        for (const resource of resources) {
            for (const validate of validations) {
                try {
                    await validate(argsFor(resource), (message: string) => {
                        violations.push({ policy: policy.name, enforcementLevel: level, type: resource.type, name: resource.name, urn: resource.urn, message });
                    });
                } catch (e) {
                    if (!(e instanceof NotApplicable)) throw e;
                }
            }
        }
    }
    return violations;
}

/** One line per violation: `[mandatory] policy: message`. */
export function formatViolations(violations: Violation[]): string {
    return violations.map((v) => `[${v.enforcementLevel}] ${v.policy} (${v.type} ${v.name}): ${v.message}`).join("\n");
}
