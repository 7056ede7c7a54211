import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { isSecretPath, secretPathsOf } from "../engine-secrets";
import { CONTAINER, environmentOf, LOCAL_COMMAND, REMOTE_COMMAND } from "../resources";

export const NEO4J_PASSWORD = "neo4j-password-secret";

/** Variables that carry the Neo4j password: NEO4J_AUTH (user/password) and NEO4J_PASSWORD. */
const PASSWORD_VARIABLES = ["NEO4J_AUTH", "NEO4J_PASSWORD"];

export function neo4jPassword(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: NEO4J_PASSWORD,
        description: "The Neo4j password is set, not the default, and a Pulumi secret wherever it is passed (encrypted in state).",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (![CONTAINER, LOCAL_COMMAND, REMOTE_COMMAND].includes(args.type)) return;
            const entries = environmentOf(args.type, args.props).filter((e) => PASSWORD_VARIABLES.includes(e.name));
            if (entries.length === 0) return;
            const secretPaths = secretPathsOf(args.props);
            for (const entry of entries) {
                const password = entry.name === "NEO4J_AUTH" ? entry.value.split("/").slice(1).join("/") : entry.value;
                if (entry.name === "NEO4J_AUTH" && entry.value.trim().toLowerCase() === "none") {
                    reportViolation(`${args.name} sets NEO4J_AUTH=none: Neo4j runs without authentication. Set rag-stack:neo4jPassword (as a secret).`);
                    continue;
                }
                if (password === "" || password === "neo4j") {
                    reportViolation(`${args.name} gives Neo4j ${password === "" ? "an empty" : "the default"} password in ${entry.name}. ` +
                        "Run: pulumi config set --secret neo4jPassword <password>.");
                }
                if (secretPaths === undefined) {
                    reportViolation(`${args.name}: cannot tell whether ${entry.name} is a secret (the engine's secret markers were not recorded; ` +
                        "see policy/engine-secrets.ts). Check that the Neo4j password is set with --secret.");
                } else if (!isSecretPath(secretPaths, entry.path)) {
                    reportViolation(`${args.name} passes the Neo4j password in ${entry.name} (${entry.path}) as plain text: it would be stored ` +
                        "unencrypted in the state. Pass it as a Pulumi secret (pulumi.secret, config set --secret).");
                }
            }
        },
    };
}
