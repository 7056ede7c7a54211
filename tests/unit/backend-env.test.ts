/**
 * The backend's environment contract (components/app/backend-env.ts): the one order both placements
 * set the variables in, and the refusal of the stack's own names in services.backend.env, including
 * names a profile section chooses (the seam the per-model variables plug into).
 */
import { BACKEND_STACK_VARIABLES, backendEnvEntries, BackendStackEnv, reservedBackendEnvProblems } from "../../components/app/backend-env";

const stack: BackendStackEnv<string> = {
    OLLAMA_BASE_URL: "http://ollama:11434", OLLAMA_MODEL: "qwen2.5:7b-instruct-q8_0", NEO4J_URI: "bolt://neo4j:7687", NEO4J_USER: "neo4j", NEO4J_PASSWORD: "secret",
};

test("the stack's variables first, in the contract's order, then the profile's, then the user's", () => {
    const entries = backendEnvEntries(stack, { LOG_LEVEL: "debug" }, { EMBEDDING_MODEL: "nomic-embed-text:v1.5" });
    expect(entries.map(([name]) => name)).toEqual([...BACKEND_STACK_VARIABLES, "EMBEDDING_MODEL", "LOG_LEVEL"]);
    expect(backendEnvEntries(stack, {}).map(([name]) => name)).toEqual([...BACKEND_STACK_VARIABLES]);
});

test("a user's value for a name the stack sets is refused with where the stack takes it from, a password never shown", () => {
    expect(reservedBackendEnvProblems("rag-stack:services.backend.env", { NEO4J_PASSWORD: "hunter22", OLLAMA_MODEL: "x", LOG_LEVEL: "debug" })).toEqual([
        'rag-stack:services.backend.env.OLLAMA_MODEL: "x" is not allowed; this variable is wired by the stack itself (from rag-stack:ollama.model); remove it from services.backend.env',
        "rag-stack:services.backend.env.NEO4J_PASSWORD: (a password, not shown) is not allowed; this variable is wired by the stack itself (from the secret rag-stack:neo4jPassword); remove it from services.backend.env",
    ]);
});

test("names a profile section chooses are refused the same way, naming their key", () => {
    expect(reservedBackendEnvProblems("rag-stack:services.backend.env", { EMBEDDING_MODEL: "mine" }, { EMBEDDING_MODEL: "rag-stack:ollama.models[1].env" })).toEqual([
        'rag-stack:services.backend.env.EMBEDDING_MODEL: "mine" is not allowed; this variable is wired by the stack itself (from rag-stack:ollama.models[1].env); remove it from services.backend.env',
    ]);
});
