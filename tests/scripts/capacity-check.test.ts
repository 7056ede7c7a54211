/**
 * The capacity check at deploy, run as real processes: the stand-in Ollama serves /api/tags and
 * /api/show with a geometry the test chooses, and components/capacity/scripts/capacity-check.sh
 * reads it and the GPU memory, then passes or fails with the validation's own arithmetic.
 * Native placement: the command the rendered dev stack registers, with its environment. Container
 * placement: the same script with OLLAMA_CONTAINER; the `docker exec` hop and nvidia-smi are
 * sandbox shims (no Docker container or GPU here): `docker exec NAME cmd...` runs cmd, and the
 * `ollama` it runs is the stand-in's own CLI, a client of the stand-in server.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { computeBudget, formatArithmetic, gb, GIB, OVERHEAD_BYTES } from "../../components/capacity/budget";
import { CAPACITY_COMMAND, CAPACITY_SCRIPT, capacityEnvironment } from "../../components/capacity/deploy-check";
import { PROJECT_ROOT, RenderedResource } from "../../tools/render";
import { answers, LOCAL_COMMAND, renderNative, Sandbox, scriptResults, STANDIN, waitFor } from "./support/native";

jest.setTimeout(60_000);

/** A model the validation table does not know: only the deploy-time check can judge it. */
const MODEL = "standin-llm:7b-q8_0";
const WEIGHTS = 8_100_000_000;

interface Geometry { layers: number; heads: number; kvHeads: number; embedding: number; context: number }
const QWEN_LIKE: Geometry = { layers: 28, heads: 28, kvHeads: 4, embedding: 3584, context: 32768 };

let box: Sandbox;
afterEach(async () => { await box?.cleanup(); });

async function startStandin(g: Geometry): Promise<void> {
    box = await new Sandbox().init();
    box.spawn(STANDIN, ["serve"], {
        OLLAMA_HOST: `127.0.0.1:${box.port}`, OLLAMA_MODELS: box.models, STANDIN_PRELOADED_MODELS: MODEL,
        STANDIN_MODEL_SIZE_BYTES: String(WEIGHTS),
        STANDIN_SHOW_BLOCK_COUNT: String(g.layers), STANDIN_SHOW_HEAD_COUNT: String(g.heads),
        STANDIN_SHOW_HEAD_COUNT_KV: String(g.kvHeads), STANDIN_SHOW_EMBEDDING_LENGTH: String(g.embedding),
        STANDIN_SHOW_CONTEXT_LENGTH: String(g.context),
    });
    expect(await waitFor(() => answers(box.url), 10_000)).toBe(true);
}

/** The arithmetic validation would print for this geometry: the script must print the same. */
function expected(g: Geometry, numParallel: number, contextLength: number): string {
    return formatArithmetic(computeBudget({
        model: MODEL, weightsBytes: WEIGHTS, numParallel, contextLength,
        geometry: { layers: g.layers, kvHeads: g.kvHeads, headDim: g.embedding / g.heads, contextLimit: g.context },
    }));
}

describe("native placement: the command the dev stack registers", () => {
    let capacity: RenderedResource;
    let render: Awaited<ReturnType<typeof renderNative>>;
    beforeAll(async () => {
        const r = await renderNative({ "ollama.model": MODEL, "ollama.numParallel": 4, "ollama.contextLength": 32768, "ollama.gpuMemoryGb": 12 });
        const found = r.rendered.ofType(LOCAL_COMMAND).filter((c) => c.name.endsWith("-capacity"));
        expect(found).toHaveLength(1);
        capacity = found[0];
        render = r;
    });

    test("runs after the pull and before the GPU check's warm-up", () => {
        expect(capacity.inputs.create).toBe(CAPACITY_COMMAND);
        expect(render.rendered.dependsOn(capacity, render.model)).toBe(true);
        expect(render.rendered.dependsOn(render.gpu, capacity)).toBe(true);
    });

    test("a geometry that does not fit fails with the validation's arithmetic", async () => {
        await startStandin(QWEN_LIKE);
        const r = await box.run(capacity.inputs.create, box.envOf(capacity));
        expect(r.code).toBe(6);
        const arithmetic = expected(QWEN_LIKE, 4, 32768);
        expect(arithmetic).toBe("8.1 GB weights + 4 × 32768 × 56 KiB = 7.5 GB KV (f16) + 1.1 GB overhead = 16.7 GB");
        expect(r.stderr).toContain(`rag-stack:ollama: ${MODEL} with numParallel 4 and contextLength 32768 does not fit the GPU: ${arithmetic} > ${gb(12 * GIB)} usable (rag-stack:ollama.gpuMemoryGb 12 GiB)`);
        expect(scriptResults(r.stdout)).toMatchObject({ capacity: "too-big", budget: arithmetic });
    });

    test("a geometry that fits passes, and says by how much", async () => {
        const small: Geometry = { layers: 8, heads: 16, kvHeads: 2, embedding: 2048, context: 32768 };
        await startStandin(small);
        const r = await box.run(capacity.inputs.create, box.envOf(capacity));
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(scriptResults(r.stdout)).toMatchObject({ capacity: "fits", budget: expected(small, 4, 32768) });
        expect(r.stdout).toContain(`standin-llm:7b-q8_0: qwen2, 8 layers, 2 KV heads of 128, context up to 32768, ${WEIGHTS} bytes of weights`);
    });

    test("a context above the model's limit is capped, as Ollama caps it", async () => {
        const short: Geometry = { ...QWEN_LIKE, context: 2048 };
        await startStandin(short);
        const r = await box.run(capacity.inputs.create, box.envOf(capacity));
        expect(r.code).toBe(0);
        expect(scriptResults(r.stdout).budget).toBe(expected(short, 4, 32768));
        expect(scriptResults(r.stdout).budget).toContain("context 32768 capped at the model's 2048");
    });
});

describe("container placement: docker exec into the Ollama container, nvidia-smi for the memory", () => {
    const settings = {
        model: MODEL, accelerator: "nvidia" as const, numParallel: 2, contextLength: 16384,
    };
    function containerEnv(extra: Record<string, string> = {}): Record<string, string> {
        // capacityEnvironment takes OllamaSettings; only the fields it reads matter here.
        const env = capacityEnvironment(settings as unknown as Parameters<typeof capacityEnvironment>[0]);
        return { ...env, OLLAMA_CONTAINER: "rag-stack-test-ollama", OLLAMA_HOST: `127.0.0.1:${box.port}`, ...extra };
    }
    function shims(nvidiaMiB: string): void {
        box.fake("ollama", `#!/bin/sh\nexec node ${JSON.stringify(STANDIN)} "$@"\n`);
        box.fake("docker", "#!/bin/sh\n# docker exec NAME cmd...: runs cmd here\n[ \"$1\" = exec ] || exit 64\nshift 2\nexec \"$@\"\n");
        box.fake("nvidia-smi", `#!/bin/sh\nprintf '%s\\n' ${nvidiaMiB}\n`);
    }

    test("fits on a 20 GiB card (nvidia-smi 20475 MiB)", async () => {
        await startStandin(QWEN_LIKE);
        shims("20475");
        const r = await box.run(`sh ${CAPACITY_SCRIPT}`, containerEnv());
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(scriptResults(r.stdout)).toMatchObject({ capacity: "fits", budget: expected(QWEN_LIKE, 2, 16384) });
        expect(r.stdout).toContain("(nvidia-smi: 1 GPU(s), 20475 MiB): fits");
    });

    test("does not fit a 12 GiB card with 48 layers: the failure names the arithmetic and nvidia-smi", async () => {
        const deep: Geometry = { ...QWEN_LIKE, layers: 48, kvHeads: 8 };
        await startStandin(deep);
        shims("12288");
        const r = await box.run(`sh ${CAPACITY_SCRIPT}`, containerEnv());
        expect(r.code).toBe(6);
        expect(r.stderr).toContain(`does not fit the GPU: ${expected(deep, 2, 16384)} > ${gb(12288 * 1048576)} usable (nvidia-smi: 1 GPU(s), 12288 MiB)`);
        // `ollama list` prints "8.1 GB": the weights term is the same to the tenth.
        expect(expected(deep, 2, 16384)).toMatch(/^8\.1 GB weights/);
    });

    test("a million-token model: `ollama show` prints its context as Go's %g (1.048576e+06), read back as the integer", async () => {
        const long: Geometry = { ...QWEN_LIKE, context: 1_048_576 };
        await startStandin(long);
        shims("20475");
        const r = await box.run(`sh ${CAPACITY_SCRIPT}`, containerEnv());
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("context up to 1048576,");
        expect(scriptResults(r.stdout)).toMatchObject({ capacity: "fits", budget: expected(long, 2, 16384) });
    });

    test("without nvidia-smi nor a configured memory, it reports and leaves the verdict to the GPU check", async () => {
        await startStandin(QWEN_LIKE);
        shims("");
        box.fake("nvidia-smi", "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n");
        const r = await box.run(`sh ${CAPACITY_SCRIPT}`, containerEnv());
        expect(r.code).toBe(0);
        expect(scriptResults(r.stdout).capacity).toBe("unknown");
        expect(r.stdout).toContain("GPU memory unknown");
    });
});

test("the overhead the script is given is budget.ts's", () => {
    expect(capacityEnvironment({ model: "m:t", accelerator: "metal" } as unknown as Parameters<typeof capacityEnvironment>[0]))
        .toMatchObject({ RAG_CAPACITY_OVERHEAD_BYTES: String(OVERHEAD_BYTES) });
});

(spawnSync("shellcheck", ["--version"]).status === 0 ? test : test.skip)("capacity-check.sh passes shellcheck (POSIX sh)", () => {
    const res = spawnSync("shellcheck", ["--shell=sh", "--format=gcc", path.relative(PROJECT_ROOT, CAPACITY_SCRIPT)], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(res.stdout + res.stderr).toBe("");
    expect(res.status).toBe(0);
});
