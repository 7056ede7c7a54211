/** Every policy of the pack, at the enforcement level the stack calls for (see context.ts). */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "./context";
import { firewall } from "./rules/firewall";
import { firewallWebOnly } from "./rules/firewall-public-ports";
import { frontDoorAuth } from "./rules/front-door-auth";
import { imagesPinned } from "./rules/images";
import { kubernetesOllamaGpu, kubernetesOnePublicEntry } from "./rules/kubernetes";
import { neo4jBackedUp } from "./rules/neo4j-backed-up";
import { neo4jPassword } from "./rules/neo4j-password";
import { ollamaGpu } from "./rules/ollama-gpu";
import { ollamaOrigins } from "./rules/ollama-origins";
import { ollamaPort } from "./rules/ollama-port";
import { proxyOnlyPublishes } from "./rules/published-ports";
import { volumesProtected } from "./rules/volumes";

export function createPolicies(context: PolicyContext): ResourceValidationPolicy[] {
    return [
        ollamaGpu(context),
        ollamaOrigins(context),
        ollamaPort(context),
        firewall(context),
        imagesPinned(context),
        neo4jPassword(context),
        neo4jBackedUp(context),
        volumesProtected(context),
        proxyOnlyPublishes(context),
        firewallWebOnly(context),
        frontDoorAuth(context),
        kubernetesOllamaGpu(context),
        kubernetesOnePublicEntry(context),
    ];
}
