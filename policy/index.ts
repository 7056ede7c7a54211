/**
 * rag-stack policy pack (CrossGuard): `pulumi preview --policy-pack policy` from the project root.
 * Mandatory on production stacks, advisory elsewhere (context.ts); the policies are in rules/.
 */
import { PolicyPack } from "@pulumi/policy";
import { policyContextFromEnvironment } from "./context";
import { recordEngineSecrets } from "./engine-secrets";
import { createPolicies } from "./policies";

recordEngineSecrets();
const context = policyContextFromEnvironment(process.env);

new PolicyPack("rag-stack", {
    description: `rag-stack guard rails (${context.enforcement} for stack ${context.stack ?? "(unknown: treated as production)"})`,
    enforcementLevel: context.enforcement,
    policies: createPolicies(context),
});
