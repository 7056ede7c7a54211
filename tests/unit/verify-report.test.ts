import { fail, pass, skip } from "../../tools/verify/check-result";
import { parseStackOutputs } from "../../tools/verify/outputs";
import { allPassed, renderJson, renderTable } from "../../tools/verify/report";

const outputs = parseStackOutputs({
    ollamaPlacement: "native", ollamaModel: "m:1", ollamaAccelerator: "metal", ollamaUrlForBackend: "http://host.docker.internal:11434",
    ollamaUrlFromHost: "http://127.0.0.1:11434", dockerHost: "unix:///var/run/docker.sock",
    containers: { backend: "b", frontend: "f", neo4j: "n" }, backendUrl: "http://localhost:8000", backendHealthUrl: "http://localhost:8000/health",
    frontendUrl: "http://localhost:3000/", neo4jBoltUrl: "bolt://127.0.0.1:7687", neo4jUser: "neo4j", neo4jPassword: "s3cret-pass",
}, "test");
const header = { source: "stack dev", outputs, startedAt: new Date(0), durationMs: 1234 };

describe("report", () => {
    const results = [
        pass("ollama-host", "0.12.6 at http://127.0.0.1:11434 (2 ms)"),
        fail("ollama-from-backend", ["refused", "tried: wget crashed"], { cause: "bound to 127.0.0.1", fix: "bind the bridge" }),
        skip("benchmark", "not requested (--bench N)"),
    ];

    test("table: numbered rows, continuation lines, cause and fix under a failure, a summary", () => {
        const t = renderTable(results, header);
        expect(t).toMatch(/^ 1 {3}Ollama answers from the host +PASS {4}0\.12\.6/m);
        expect(t).toMatch(/^ 2 {3}Backend container reaches OLLAMA_BASE_URL +FAIL {4}refused$/m);
        expect(t).toMatch(/^ +tried: wget crashed$/m);
        expect(t).toMatch(/^ +cause: bound to 127\.0\.0\.1$/m);
        expect(t).toMatch(/^ +fix: {3}bind the bridge$/m);
        expect(t).toMatch(/^ 5 {3}Benchmark +skip/m);
        expect(t).toContain("FAILED: 1 passed, 1 failed, 1 skipped (1.2 s)");
    });

    test("skipped rows do not fail the run; failed ones do", () => {
        expect(allPassed([results[0], results[2]])).toBe(true);
        expect(allPassed(results)).toBe(false);
    });

    test("JSON for machines; the Neo4j password appears in neither form", () => {
        const j = JSON.parse(renderJson(results, header));
        expect(j.ok).toBe(false);
        expect(j.checks.map((c: { number: number }) => c.number)).toEqual([1, 2, 5]);
        expect(renderJson(results, header)).not.toContain("s3cret-pass");
        expect(renderTable(results, header)).not.toContain("s3cret-pass");
    });
});

describe("progress", () => {
    test("announces a slow step and says it is still running until it settles; silent when quiet", async () => {
        const { Progress } = await import("../../tools/verify/progress");
        const lines: string[] = [];
        const value = await new Progress(false, (s) => lines.push(s)).during("warm-up", new Promise((r) => setTimeout(() => r(42), 60)), 20);
        expect(value).toBe(42);
        expect(lines[0]).toBe("verify: warm-up\n");
        expect(lines.slice(1).every((l) => l.includes("still running"))).toBe(true);
        expect(lines.length).toBeGreaterThanOrEqual(2);
        const quiet: string[] = [];
        await new Progress(true, (s) => quiet.push(s)).during("x", Promise.resolve(1), 1);
        expect(quiet).toEqual([]);
    });
});
