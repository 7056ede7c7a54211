import { MASK, maskInputs, maskOutputs } from "../../tools/plan/mask";

const SECRET = "s3cret-placeholder";

describe("plan secret masking", () => {
    test("a secret env list is masked entry by entry: secret and credential values hidden, the rest shown", () => {
        const inputs = {
            image: "rag-backend:dev",
            envs: ["OLLAMA_BASE_URL=http://ollama:11434", `NEO4J_PASSWORD=${SECRET}`, "API_TOKEN=from-somewhere-else", "PLAIN=1"],
        };
        const masked = maskInputs(inputs, ["envs"], [SECRET]);
        expect(masked.value).toEqual({
            image: "rag-backend:dev",
            envs: ["OLLAMA_BASE_URL=http://ollama:11434", `NEO4J_PASSWORD=${MASK}`, `API_TOKEN=${MASK}`, "PLAIN=1"],
        });
        expect(masked.maskedPaths).toEqual(["envs.1", "envs.2"]);
        expect(inputs.envs[1]).toContain(SECRET); // the render's own data is not touched
    });

    test("secret scalars, objects and non-env list items are masked whole", () => {
        const masked = maskInputs(
            { token: "abc", connection: { host: "h", privateKey: "k" }, items: [{ a: 1 }, "x"] },
            ["token", "connection", "items"],
            [SECRET],
        );
        expect(masked.value).toEqual({ token: MASK, connection: MASK, items: [MASK, MASK] });
    });

    test("a known secret value is masked wherever it appears, even where it lost its secret marking", () => {
        const masked = maskInputs({ create: `echo ${SECRET}`, environment: { NEO4J_AUTH: `neo4j/${SECRET}` } }, [], [SECRET]);
        expect(JSON.stringify(masked.value)).not.toContain(SECRET);
        expect(masked.maskedPaths).toEqual(["create", "environment.NEO4J_AUTH"]);
    });

    test("secret outputs are masked whole, others only where they hold a known secret", () => {
        const masked = maskOutputs({ neo4jPassword: SECRET, url: "http://x", nested: { dsn: `bolt://u:${SECRET}@h` } }, ["neo4jPassword"], [SECRET]);
        expect(masked.value).toEqual({ neo4jPassword: MASK, url: "http://x", nested: { dsn: MASK } });
        expect(masked.maskedPaths).toEqual(["neo4jPassword", "nested.dsn"]);
    });
});
