/**
 * `npm run plan -- --stack prod --check`: the policy pack (policy/) run offline on the rendered
 * stack, at the enforcement level the stack gets under `pulumi preview --policy-pack policy`.
 * For CI and reviews without the Pulumi CLI; the real run remains `pulumi preview --policy-pack`.
 */
import { policyContext, PolicyContext } from "../../policy/context";
import { checkResources, formatViolations, Violation } from "../../policy/harness";
import { createPolicies } from "../../policy/policies";
import { PLACEHOLDER_SECRET, readStackConfig, renderStack } from "../render";
import { PlanSide } from "./args";
import { PLAN_SECRET_KEYS } from "./render-side";

export interface PolicyCheck {
    label: string;
    stack: string;
    enforcement: PolicyContext["enforcement"];
    violations: Violation[];
}

/** Renders `side` in this process (once per process) and runs every policy on its resources. */
export async function checkSide(side: PlanSide): Promise<PolicyCheck> {
    const secrets = Object.fromEntries(PLAN_SECRET_KEYS.map((k) => [k, PLACEHOLDER_SECRET]));
    const options = { stack: side.stack, overrides: side.overrides, secrets };
    const render = await renderStack(options);
    const context = policyContext(side.stack, readStackConfig(options).config);
    const violations = await checkResources(createPolicies(context), render.resources);
    // Messages quote inputs; the placeholder is not a real secret, but keep the output uniform with the plan.
    for (const v of violations) v.message = v.message.split(PLACEHOLDER_SECRET).join("[secret]");
    return { label: side.label, stack: side.stack, enforcement: context.enforcement, violations };
}

/** 1 when a mandatory violation would stop `pulumi up`, else 0. */
export function checkExitCode(check: PolicyCheck): number {
    return check.violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

export function formatCheck(check: PolicyCheck): string {
    const head = `Policy check of ${check.label} (offline, policy pack policy/, ${check.enforcement} for this stack)`;
    if (check.violations.length === 0) return `${head}\nNo violations.`;
    const blocking = check.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    return [
        head,
        formatViolations(check.violations),
        `${check.violations.length} violation(s), ${blocking} mandatory${blocking > 0 ? ": pulumi up would stop" : ""}.`,
    ].join("\n");
}
