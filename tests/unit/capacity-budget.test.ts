/**
 * The VRAM budget at validation: every model of the table with a configuration that fits and one
 * that does not, on a DigitalOcean size and on a Mac; an unknown model left to the deploy-time
 * check; the refusal carries the arithmetic.
 */
import { ConfigError, parseProfile, RawConfig } from "../../components/config";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";
import { computeBudget, formatArithmetic, GIB, kvBytesPerToken } from "../../components/capacity/budget";
import { findKnownModel, KNOWN_MODELS } from "../../components/capacity/models";
import { capacityVerdict } from "../../components/capacity/validate";

const secrets = TEST_SECRETS;
const tokenEnv = DO_TOKEN_ENV;

function doRaw(size: string, ollama: Record<string, unknown>): RawConfig {
    return prodProfileRaw({ ollama, digitalocean: { size } });
}

function macRaw(ollama: Record<string, unknown>): RawConfig {
    return {
        ollama: { mode: "native", accelerator: "metal", ...ollama },
        docker: { host: "unix:///var/run/docker.sock" },
        services: { backend: { image: "rag-backend:dev" }, frontend: { image: "rag-frontend:dev" } },
    };
}

function capacityProblemsOf(stack: string, raw: RawConfig): string[] {
    try {
        parseProfile(stack, raw, secrets, tokenEnv);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.filter((p) => p.includes("does not fit the GPU"));
    }
    return [];
}

const models = [...KNOWN_MODELS.values()];
const chatModels = models.filter((m) => !m.embedding);

test("the table holds qwen2.5 7B/14B/32B in q4_K_M, q8_0 and fp16, llama3.1 8B, and three embedding models", () => {
    for (const size of ["7b", "14b", "32b"]) {
        for (const quant of ["q4_K_M", "q8_0", "fp16"]) expect(findKnownModel(`qwen2.5:${size}-instruct-${quant}`)).toBeDefined();
    }
    expect(findKnownModel("llama3.1:8b")).toBeDefined();
    for (const m of ["nomic-embed-text", "mxbai-embed-large", "bge-m3"]) expect(findKnownModel(m)?.embedding).toBe(true);
    // q8_0 doubles q4_K_M's weights roughly and fp16 doubles q8_0's; the geometry is the model's, not the quantization's.
    const q4 = findKnownModel("qwen2.5:14b-instruct-q4_K_M")!;
    const fp16 = findKnownModel("qwen2.5:14b-instruct-fp16")!;
    expect(fp16.weightsBytes / q4.weightsBytes).toBeGreaterThan(3);
    expect(fp16.geometry).toEqual(q4.geometry);
});

test("KV bytes per token: 2 × layers × KV heads × head dim × bytes per element (qwen2.5 7B: 56 KiB in f16)", () => {
    const g = findKnownModel("qwen2.5:7b-instruct-q8_0")!.geometry;
    expect(kvBytesPerToken(g, "f16")).toBe(2 * 28 * 4 * 128 * 2);
    expect(kvBytesPerToken(g, "f16")).toBe(56 * 1024);
    expect(kvBytesPerToken(g, "q8_0")).toBe(2 * 28 * 4 * 128 * (34 / 32));
    expect(kvBytesPerToken(g, "q4_0")).toBe(2 * 28 * 4 * 128 * (18 / 32));
});

test("defaults when unset are Ollama 0.12.6's: one slot, 4096 tokens, f16", () => {
    const known = findKnownModel("qwen2.5:7b-instruct-q8_0")!;
    const b = computeBudget({ model: known.name, weightsBytes: known.weightsBytes, geometry: known.geometry });
    expect(b).toMatchObject({ numParallel: 1, context: 4096, kvCacheType: "f16", kvBytes: 4096 * 57344 });
    // The seed measured 8.9 GB loaded for this model at 4096 tokens; the budget sits just above that.
    expect(b.totalBytes / 1e9).toBeGreaterThan(8.9);
    expect(b.totalBytes / 1e9).toBeLessThan(9.5);
});

test("a context above the model's own limit is capped, as Ollama caps num_ctx", () => {
    const known = findKnownModel("mxbai-embed-large")!;
    const b = computeBudget({ model: known.name, weightsBytes: known.weightsBytes, geometry: known.geometry, contextLength: 8192 });
    expect(b.context).toBe(512);
    expect(b.cappedFrom).toBe(8192);
    expect(formatArithmetic(b)).toContain("context 8192 capped at the model's 512");
});

describe.each(models.map((m) => [m.name, m] as const))("%s", (name, m) => {
    test("fits on a Mac whose GPU may use 96 GiB, with the defaults", () => {
        expect(capacityProblemsOf("dev", macRaw({ model: name, gpuMemoryGb: 96 }))).toEqual([]);
    });
    test("is refused on a Mac whose GPU memory holds the weights and nothing more", () => {
        const gpuMemoryGb = Number((m.weightsBytes / GIB).toFixed(2));
        const problems = capacityProblemsOf("dev", macRaw({ model: name, gpuMemoryGb }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(`rag-stack:ollama: ${name} with numParallel 1 and contextLength 4096 does not fit the GPU`);
        expect(problems[0]).toContain(`rag-stack:ollama.gpuMemoryGb ${gpuMemoryGb} GiB`);
    });
    test("fits on DigitalOcean gpu-h100x8-640gb with the defaults", () => {
        expect(capacityProblemsOf("prod", doRaw("gpu-h100x8-640gb", { model: name }))).toEqual([]);
    });
});

describe.each(chatModels.map((m) => [m.name] as const))("%s on gpu-4000adax1-20gb", (name) => {
    test("is refused with 64 slots at the model's full context", () => {
        const problems = capacityProblemsOf("prod", doRaw("gpu-4000adax1-20gb", { model: name, numParallel: 64, contextLength: 131072 }));
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain("gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada");
        expect(problems[0]).toMatch(/weights \+ 64 × \d+ × [\d.]+ KiB = [\d.]+ GB KV \(f16\)/);
    });
});

test("the refusal carries the arithmetic (the issue's example, on a Mac with 12 GiB for the GPU)", () => {
    const problems = capacityProblemsOf("dev", macRaw({ model: "qwen2.5:7b-instruct-q8_0", numParallel: 4, contextLength: 32768, gpuMemoryGb: 12 }));
    expect(problems).toEqual([
        "rag-stack:ollama: qwen2.5:7b-instruct-q8_0 with numParallel 4 and contextLength 32768 does not fit the GPU: " +
            "8.1 GB weights + 4 × 32768 × 56 KiB = 7.5 GB KV (f16) + 1.1 GB overhead = 16.7 GB > 12.9 GB usable " +
            "(rag-stack:ollama.gpuMemoryGb 12 GiB). Ollama would put layers on the CPU (the seed's 0.5 tok/s). " +
            "Lower rag-stack:ollama.numParallel or contextLength, set kvCacheType q8_0 with flashAttention: true, " +
            "pick a smaller quantization, or a GPU with more memory",
    ]);
});

test("the same configuration fits on gpu-4000adax1-20gb, and a q8_0 KV cache halves the KV term", () => {
    expect(capacityProblemsOf("prod", doRaw("gpu-4000adax1-20gb", { model: "qwen2.5:7b-instruct-q8_0", numParallel: 4, contextLength: 32768 }))).toEqual([]);
    const tight = macRaw({ model: "qwen2.5:7b-instruct-q8_0", numParallel: 4, contextLength: 32768, gpuMemoryGb: 14 });
    expect(capacityProblemsOf("dev", tight)).toHaveLength(1);
    expect(capacityProblemsOf("dev", { ...tight, ollama: { ...(tight.ollama as object), kvCacheType: "q8_0", flashAttention: true } })).toEqual([]);
    // Without flash attention Ollama keeps an f16 cache: the budget does not count on q8_0 then.
    expect(capacityProblemsOf("dev", { ...tight, ollama: { ...(tight.ollama as object), kvCacheType: "q8_0" } })).toHaveLength(1);
});

test("an unknown model is left to the deploy-time check; so is a Mac without gpuMemoryGb", () => {
    expect(capacityProblemsOf("prod", doRaw("gpu-4000adax1-20gb", { model: "mistral:7b-instruct", numParallel: 64, contextLength: 131072 }))).toEqual([]);
    const p = parseProfile("prod", doRaw("gpu-4000adax1-20gb", { model: "mistral:7b-instruct" }), secrets, tokenEnv);
    expect(capacityVerdict(p.ollama, p.host.provider, p.digitalocean)).toMatchObject({ kind: "model-unknown" });
    const mac = parseProfile("dev", macRaw({ model: "qwen2.5:32b-instruct-fp16" }), secrets, {});
    expect(capacityVerdict(mac.ollama, mac.host.provider, mac.digitalocean)).toMatchObject({ kind: "memory-unknown" });
});

test("accelerator cpu is not checked: system memory by choice", () => {
    const raw = macRaw({ model: "qwen2.5:32b-instruct-fp16", accelerator: "cpu", gpuMemoryGb: 1 });
    expect(capacityProblemsOf("dev", raw)).toEqual([]);
});

test.each([[0], [-1], ["lots"], [true]])("gpuMemoryGb %p is refused with the key named", (value) => {
    try {
        parseProfile("dev", macRaw({ model: "qwen2.5:7b", gpuMemoryGb: value }), secrets, {});
        throw new Error("expected a ConfigError");
    } catch (err) {
        expect((err as ConfigError).problems.some((p) => p.startsWith("rag-stack:ollama.gpuMemoryGb:"))).toBe(true);
    }
});
