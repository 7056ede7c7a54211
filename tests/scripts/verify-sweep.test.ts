/**
 * `npm run verify -- --sweep` against the stand-in Ollama with 2 parallel slots and a queue of 2,
 * as real processes (the stand-in server, verify in a child as `npm run verify` runs it): the
 * aggregate throughput doubles from 1 to 2 streams and stops growing after; the first-token time
 * grows once requests queue; requests beyond the queue get 503 and are counted; the JSON carries
 * the table's numbers; the chart is an SVG rendered by Vega.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LevelResult } from "../../tools/verify/load";
import { formatLoadTable } from "../../tools/verify/load-report";
import { runVerify, writeOutputsFile } from "../e2e/support/verify-cli";
import { answers, Sandbox, STANDIN, waitFor } from "./support/native";

jest.setTimeout(120_000);

const MODEL = "qwen2.5:7b-instruct-q8_0";
let box: Sandbox;
let levels: LevelResult[];
let measured: string[];
let chartFile: string;
let exitCode: number | null;

beforeAll(async () => {
    box = await new Sandbox().init();
    box.spawn(STANDIN, ["serve"], {
        OLLAMA_HOST: `127.0.0.1:${box.port}`, OLLAMA_MODELS: box.models, STANDIN_PRELOADED_MODELS: MODEL,
        // Per slot 25 tokens/s: a 10-token request holds its slot for 400 ms (long sleeps: timer drift stays small).
        STANDIN_PARALLEL_SLOTS: "2", STANDIN_MAX_QUEUE: "2", STANDIN_TOKENS_PER_SECOND: "25",
    });
    expect(await waitFor(() => answers(box.url), 10_000)).toBe(true);
    const outputs = writeOutputsFile({
        ollamaPlacement: "native", ollamaModel: MODEL, ollamaAccelerator: "metal",
        ollamaUrlForBackend: `http://host.docker.internal:${box.port}`, ollamaUrlFromHost: box.url,
        dockerHost: "unix:///var/run/docker.sock",
        containers: { backend: "rag-stack-test-backend", frontend: "rag-stack-test-frontend", neo4j: "rag-stack-test-neo4j" },
        backendUrl: "http://127.0.0.1:9", backendHealthUrl: "http://127.0.0.1:9/health", frontendUrl: "http://127.0.0.1:9",
        neo4jBoltUrl: "bolt://127.0.0.1:9", neo4jUser: "neo4j", neo4jPassword: "not-used-here",
    });
    chartFile = path.join(box.dir, "sweep.svg");
    const run = await runVerify(["--outputs", outputs, "--skip", "backend-exec,neo4j,http", "--quiet", "--json",
        "--sweep", "1,2,4,8", "--rounds", "2", "--load-tokens", "10", "--chart", chartFile]);
    fs.writeFileSync(path.join(os.tmpdir(), "rag-stack-verify-sweep-sample.json"), run.stdout);
    exitCode = run.code;
    const report = JSON.parse(run.stdout) as { checks: { id: string; status: string; measured: string[]; data: { levels: LevelResult[]; chart?: string } }[] };
    const load = report.checks.find((c) => c.id === "load");
    expect(load?.status).toBe("pass");
    levels = load!.data.levels;
    measured = load!.measured;
});
afterAll(async () => { await box?.cleanup(); });

const at = (n: number) => levels.find((l) => l.concurrency === n) as LevelResult;

test("verify passes and measures the four levels", () => {
    expect(exitCode).toBe(0);
    expect(levels.map((l) => l.concurrency)).toEqual([1, 2, 4, 8]);
    for (const l of levels) expect(l.requests).toBe(l.concurrency * 2);
});

test("aggregate throughput doubles from 1 to 2 streams (2 slots) and stops growing after", () => {
    const ratio2 = at(2).aggregateTokensPerSecond / at(1).aggregateTokensPerSecond;
    expect(ratio2).toBeGreaterThan(1.6);
    expect(ratio2).toBeLessThan(2.3);
    for (const n of [4, 8]) {
        const ratio = at(n).aggregateTokensPerSecond / at(2).aggregateTokensPerSecond;
        expect(ratio).toBeGreaterThan(0.75);
        expect(ratio).toBeLessThan(1.25);
    }
    // Each stream still decodes at the slot's rate (Ollama's own eval_count / eval_duration).
    for (const l of levels) expect(l.perStreamTokensPerSecond).toBeCloseTo(25, 0);
});

test("first-token time grows once requests queue for a slot", () => {
    expect(at(1).queued).toBe(0);
    expect(at(2).queued).toBe(0);
    expect(at(4).queued).toBeGreaterThan(0);
    // A queued request waits for a whole 400 ms generation before its first token.
    expect(at(4).ttftP95Ms as number).toBeGreaterThan(300);
    expect(at(4).ttftP95Ms as number).toBeGreaterThan(3 * (at(1).ttftP95Ms as number));
});

test("requests beyond the queue get 503 and are counted, not mistaken for answers", () => {
    for (const n of [1, 2, 4]) expect(at(n).busy).toBe(0);
    expect(at(8).busy).toBeGreaterThan(0);
    expect(at(8).ok + at(8).busy + at(8).failed).toBe(at(8).requests);
    expect(at(8).failed).toBe(0);
});

test("the table in the report shows the JSON's numbers", () => {
    const table = formatLoadTable(levels);
    for (const line of table) expect(measured).toContain(line);
    expect(table[0]).toMatch(/streams\s+requests\s+ok\s+503\s+queued\s+aggregate tok\/s\s+per-stream tok\/s\s+TTFT p50\s+TTFT p95/);
});

test("the chart is an SVG drawn by Vega with both series and the levels on the x axis", () => {
    const svg = fs.readFileSync(chartFile, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("aggregate tokens/s");
    expect(svg).toContain("p95 time to first token (ms)");
    expect(svg).toContain("concurrent streams");
    expect(measured).toContain(`chart: ${chartFile}`);
});
