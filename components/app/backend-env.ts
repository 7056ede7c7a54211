/**
 * The backend's environment contract, one for every placement: the Docker container
 * (components/services.ts) and the Kubernetes Deployment (components/kubernetes/app.ts) both build
 * theirs with `backendEnvEntries` from a `BackendStackEnv`, so neither can set a name that is not
 * here, and the config validation (components/config/services.ts) refuses each of these names in
 * `services.backend.env` with `reservedBackendEnvProblems` (a user's value would be appended after
 * the stack's and win in Docker, where the last of two equal names counts).
 *
 * Variables named by the profile rather than here (the coming `ollama.models[].env`, one variable
 * per model holding its name) plug in as `ProfileVariables`: both placements pass them to
 * `backendEnvEntries`, after the stack's own and before the user's, and the validation passes them,
 * with where each comes from, to `reservedBackendEnvProblems` once the section that names them is read.
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

/** Variables whose names the profile chooses, each with its value: plain values, set by every placement alike. */
export type ProfileVariables = Record<string, string>;

/** The stack's variables in list order, then the profile's, then the user's: the one order both placements use. */
export function backendEnvEntries<V>(stack: BackendStackEnv<V>, user: Record<string, string>, profile: ProfileVariables = {}): [string, V | string][] {
    return [...BACKEND_STACK_VARIABLES.map((name): [string, V] => [name, stack[name]]), ...Object.entries(profile), ...Object.entries(user)];
}

/** Values never shown in a message. */
const SECRET_VARIABLES: readonly string[] = ["NEO4J_PASSWORD"];

/**
 * One problem per name of `user` (services.backend.env, fully qualified as `key`) that the stack
 * sets itself: the fixed names (RESERVED_BACKEND_VARIABLES), and `profile`'s names with where each
 * comes from (a config key). Secret values are not shown.
 */
export function reservedBackendEnvProblems(key: string, user: Record<string, string>, profile: Record<string, string> = {}): string[] {
    const sources: [string, string][] = [...RESERVED_BACKEND_VARIABLES.map((name): [string, string] => [name, BACKEND_STACK_SOURCES[name]]), ...Object.entries(profile)];
    const problems: string[] = [];
    for (const [name, source] of sources) {
        if (!Object.prototype.hasOwnProperty.call(user, name)) continue;
        const shown = SECRET_VARIABLES.includes(name) ? "(a password, not shown)" : JSON.stringify(user[name]);
        problems.push(`${key}.${name}: ${shown} is not allowed; this variable is wired by the stack itself (from ${source}); remove it from services.backend.env`);
    }
    return problems;
}
