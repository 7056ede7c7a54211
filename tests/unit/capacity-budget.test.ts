/**
 * The VRAM budget at validation: every model of the table with a configuration that fits and one
 * that does not, on a DigitalOcean size and on a Mac; an unknown model left to the deploy-time
 * check; the refusal carries the arithmetic.
 */
import { ConfigError, parseProfile, RawConfig } from "../../components/config";
import { DO_TOKEN_ENV, prodProfileRaw, TEST_SECRETS } from "./support/profiles";
import { computeBudget, formatArithmetic, GIB, kvBytesPerToken } from "../../components/capacity/budget";
import { findKnownModel, KNOWN_MODELS } from "../../components/capacity/models";
import { capacityVerdict, capacityWarnings } from "../../components/capacity/validate";
import { manifestUrl } from "../../components/capacity/registry";
import { GGML_BITS_PER_WEIGHT, readTag, TagEstimate } from "../../components/capacity/tag-estimate";

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
            "(rag-stack:ollama.gpuMemoryGb 12 GiB). Ollama would put layers on the CPU and answer at CPU speed. " +
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

test("a model outside the table whose tag's weights fit is left to the real figures (no KV term at validation); so is a Mac without gpuMemoryGb", () => {
    expect(capacityProblemsOf("prod", doRaw("gpu-4000adax1-20gb", { model: "mistral:7b-instruct", numParallel: 64, contextLength: 131072 }))).toEqual([]);
    const p = parseProfile("prod", doRaw("gpu-4000adax1-20gb", { model: "mistral:7b-instruct" }), secrets, tokenEnv);
    expect(capacityVerdict(p.ollama, p.host.provider, p.digitalocean)).toMatchObject({ kind: "estimated", tooBig: false });
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

describe("a model outside the table, estimated from its tag", () => {
    const estimateOf = (model: string): TagEstimate => {
        const r = readTag(model);
        if (r.kind !== "estimate") throw new Error(`${model}: ${r.why}`);
        return r.estimate;
    };

    test("bits per weight are ggml's block sizes: bytes per block × 8 / weights per block", () => {
        expect(GGML_BITS_PER_WEIGHT).toMatchObject({
            f16: 16, bf16: 16, f32: 32, q8_0: 8.5, q6_K: 6.5625, q5_K: 5.5, q5_1: 6, q5_0: 5.5, q4_K: 4.5, q4_1: 5, q4_0: 4.5,
            mxfp4: 4.25, q3_K: 3.4375, q2_K: 2.625,
        });
    });

    test.each([
        // [model, counted parameters, quantization, bits per weight, lower bound on the weights in GB]
        ["qwen2.5:72b-instruct-fp16", 64.8e9, "fp16", 16, 129.6],
        ["qwen2.5:72b", 64.8e9, "q4_K_M", 4.5, 36.45],
        ["llama3.1:70b-instruct-q8_0", 63e9, "q8_0", 8.5, 66.9375],
        ["mixtral:8x7b-instruct-v0.1-q4_K_M", 42e9, "q4_K_M", 4.5, 23.625],
        ["qwen2.5:0.5b-instruct-q6_K", 0.45e9, "q6_K", 6.5625, 0.369140625],
        ["smollm:135m", 121.5e6, "q4_K_M", 4.5, 0.068343750],
        ["qwen3:30b-a3b-q4_K_S", 27e9, "q4_K_S", 4.5, 15.1875],
        ["llama3.1:405b-instruct-Q2_K", 364.5e9, "Q2_K", 2.625, 119.6015625],
        ["gemma2:27b-instruct-q3_K_L", 24.3e9, "q3_K_L", 3.4375, 10.44140625],
        ["someone/custom:7b-q5_K_M", 6.3e9, "q5_K_M", 5.5, 4.33125],
    ])("%s: %d weights in %s (%d bits each) = at least %d GB", (model, parameters, quantization, bits, gbytes) => {
        const e = estimateOf(model);
        expect(e.parameters).toBeCloseTo(parameters, -3);
        expect(e).toMatchObject({ quantization, bitsPerWeight: bits });
        expect(e.weightsBytes / 1e9).toBeCloseTo(gbytes, 6);
    });

    test("the bound stays below the weights Ollama's library lists, for every chat model of the table", () => {
        for (const m of chatModels) {
            expect([m.name, estimateOf(m.name).weightsBytes <= m.weightsBytes]).toEqual([m.name, true]);
        }
    });

    test.each([
        ["llama3:latest", 'its tag "latest" names no parameter count (such as 7b)'],
        ["llama3:instruct", 'its tag "instruct" names no parameter count (such as 7b)'],
        ["gemma3n:e4b", 'its tag "e4b" names no parameter count (such as 7b)'],
        ["someone/custom:7b", 'its tag "7b" names no quantization, and registry.ollama.ai/someone\'s default is not known'],
        ["llama3.1:8b-instruct-iq2_xxs", 'its tag\'s quantization "iq2_xxs" is not one whose size is known here'],
    ])("%s: not guessed (%s)", (model, why) => {
        expect(readTag(model)).toEqual({ kind: "silent", why });
    });

    test("qwen2.5:72b-instruct-fp16 on a 20 GB GPU is refused before anything is bought, with the arithmetic", () => {
        expect(capacityProblemsOf("prod", doRaw("gpu-4000adax1-20gb", { model: "qwen2.5:72b-instruct-fp16" }))).toEqual([
            "rag-stack:ollama: qwen2.5:72b-instruct-fp16 does not fit the GPU, estimated from its tag: " +
                "72b × 90% = 64.8 B weights × 16 bits (fp16) / 8 = 129.6 GB weights + 1.1 GB overhead = 130.7 GB > 21.5 GB usable " +
                "(gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada), before any KV cache. Ollama would put layers on the CPU and answer at CPU speed. " +
                "Pick a smaller model or quantization (a q4_K_M tag), or a GPU with more memory",
        ]);
        // The library's default quantization is assumed for a bare size tag, and said so.
        expect(capacityProblemsOf("prod", doRaw("gpu-4000adax1-20gb", { model: "qwen2.5:72b" }))[0])
            .toContain("72b × 90% = 64.8 B weights × 4.5 bits (q4_K_M, the library's default for a tag without one) / 8 = 36.5 GB");
        // On a GPU that holds it, the estimate refuses nothing: the real figures decide.
        expect(capacityProblemsOf("prod", doRaw("gpu-h100x8-640gb", { model: "qwen2.5:72b-instruct-fp16" }))).toEqual([]);
        // The 8 × 7b experts share attention: 75% of 56 B is counted, 23.6 GB fits 48 GB.
        expect(capacityProblemsOf("prod", doRaw("gpu-l40sx1-48gb", { model: "mixtral:8x7b-instruct-v0.1-q4_K_M" }))).toEqual([]);
        expect(capacityProblemsOf("prod", doRaw("gpu-4000adax1-20gb", { model: "mixtral:8x7b-instruct-v0.1-q4_K_M" }))).toHaveLength(1);
    });

    test("a tag that says nothing is said once as a warning where the GPU memory is known, never guessed", () => {
        const prod = parseProfile("prod", doRaw("gpu-4000adax1-20gb", { model: "llama3:latest" }), secrets, tokenEnv);
        expect(capacityVerdict(prod.ollama, prod.host.provider, prod.digitalocean)).toMatchObject({ kind: "model-unknown" });
        expect(capacityWarnings(prod.ollama, prod.host.provider, prod.digitalocean)).toEqual([
            "rag-stack:ollama.model: llama3:latest is not in the capacity table (components/capacity/models.ts) and its tag \"latest\" names no parameter count (such as 7b), " +
                "so validation cannot tell whether it fits the GPU (gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada); " +
                "a real run reads its size from the registry before anything is bought, and the deploy check reads its geometry from Ollama after the pull",
        ]);
        // Known, estimated or no memory to compare with: nothing to say.
        for (const model of ["qwen2.5:7b", "mistral:7b-instruct"]) {
            const p = parseProfile("prod", doRaw("gpu-4000adax1-20gb", { model }), secrets, tokenEnv);
            expect(capacityWarnings(p.ollama, p.host.provider, p.digitalocean)).toEqual([]);
        }
        const mac = parseProfile("dev", macRaw({ model: "llama3:latest" }), secrets, {});
        expect(capacityWarnings(mac.ollama, mac.host.provider, mac.digitalocean)).toEqual([]);
        const macWithMemory = parseProfile("dev", macRaw({ model: "llama3:latest", gpuMemoryGb: 21.3 }), secrets, {});
        expect(capacityWarnings(macWithMemory.ollama, macWithMemory.host.provider)[0]).toMatch(/; the deploy check reads its size and geometry from Ollama after the pull$/);
    });
});

test("the registry URL is the one Ollama pulls from: registry.ollama.ai and the library namespace unless the name says otherwise", () => {
    expect(manifestUrl("qwen2.5:72b-instruct-fp16")).toBe("https://registry.ollama.ai/v2/library/qwen2.5/manifests/72b-instruct-fp16");
    expect(manifestUrl("library/qwen2.5:7b")).toBe("https://registry.ollama.ai/v2/library/qwen2.5/manifests/7b");
    expect(manifestUrl("myteam/assistant:prod")).toBe("https://registry.ollama.ai/v2/myteam/assistant/manifests/prod");
    expect(manifestUrl("models.example.org/myteam/assistant:v2.1")).toBe("https://models.example.org/v2/myteam/assistant/manifests/v2.1");
});
