/**
 * The environment the stack gives the backend itself, one list for every placement: the Docker
 * container (components/services.ts) and the Kubernetes Deployment (components/kubernetes/app.ts)
 * both build theirs as a `BackendStackEnv`, so neither can set a name that is not here, and config
 * validation refuses each of these names in `services.backend.env` (a user's value would be
 * appended after the stack's and win in Docker, where the last of two equal names counts).
 */

/** What the stack sets, in the order the backend gets them. */
export const BACKEND_STACK_VARIABLES = ["OLLAMA_BASE_URL", "OLLAMA_MODEL", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"] as const;
export type BackendStackVariable = (typeof BACKEND_STACK_VARIABLES)[number];

/** The stack's backend variables, each with its value (a plain value, a secret, a reference: the placement's type). */
export type BackendStackEnv<V> = Record<BackendStackVariable, V>;

/**
 * Names the stack does not set but the backend may read for the same thing: LangChain's Neo4jGraph
 * and the Neo4j examples read NEO4J_USERNAME, so a value there could log in as someone else than
 * `services.neo4j.user`.
 */
export const BACKEND_STACK_ALIASES = ["NEO4J_USERNAME"] as const;

export type ReservedBackendVariable = BackendStackVariable | (typeof BACKEND_STACK_ALIASES)[number];

/** Where the stack takes each value from, for the refusal message. */
export const BACKEND_STACK_SOURCES: Record<ReservedBackendVariable, string> = {
    OLLAMA_BASE_URL: "the Ollama placement's URL",
    OLLAMA_MODEL: "rag-stack:ollama.model",
    NEO4J_URI: "the stack's Neo4j service",
    NEO4J_USER: "rag-stack:services.neo4j.user",
    NEO4J_PASSWORD: "the secret rag-stack:neo4jPassword",
    NEO4J_USERNAME: "rag-stack:services.neo4j.user, as NEO4J_USER",
};

/** Every name `services.backend.env` may not hold, in a fixed order. */
export const RESERVED_BACKEND_VARIABLES: readonly ReservedBackendVariable[] = [...BACKEND_STACK_VARIABLES, ...BACKEND_STACK_ALIASES];

/** The stack's variables in list order, then the user's: the one order both placements use. */
export function backendEnvEntries<V>(stack: BackendStackEnv<V>, user: Record<string, string>): [string, V | string][] {
    return [...BACKEND_STACK_VARIABLES.map((name): [string, V] => [name, stack[name]]), ...Object.entries(user)];
}
