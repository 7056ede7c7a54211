import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { isWildcardOrigin } from "../../components/validation/origins";
import { envValue, environmentOf } from "../resources";

export const OLLAMA_ORIGINS = "ollama-origins-not-wildcard";

export function ollamaOrigins(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: OLLAMA_ORIGINS,
        description: "OLLAMA_ORIGINS names the frontend's origin, never `*` (any web page could drive Ollama).",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            const origins = envValue(environmentOf(args.type, args.props), "OLLAMA_ORIGINS");
            if (!origins) return;
            const wildcards = origins.value.split(",").filter(isWildcardOrigin);
            if (wildcards.length > 0) {
                reportViolation(
                    `${args.name} sets OLLAMA_ORIGINS=${origins.value}: ${wildcards.map((w) => `"${w.trim()}"`).join(", ")} lets any web page ` +
                        "call Ollama from a user's browser. Name the frontend's origin (rag-stack:ollama.origins, e.g. http://localhost:3000).",
                );
            }
        },
    };
}
