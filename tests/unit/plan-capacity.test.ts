/**
 * `npm run plan` prints the GPU memory budget of the stack, a line per term, from the real stack
 * files (and --set overrides), with the headroom.
 */
import { formatCapacity } from "../../tools/plan/capacity";
import { parseSide } from "../../tools/plan/args";

test("prod: the droplet size's VRAM against weights + KV + overhead, with the headroom", () => {
    expect(formatCapacity(parseSide("prod")).split("\n")).toEqual([
        "GPU memory budget of qwen2.5:7b-instruct-q8_0 (components/capacity; checked again at deploy from /api/show and the GPU):",
        "  weights        8.1 GB  (qwen2.5:7b-instruct-q8_0)",
        "  KV cache       0.2 GB  = 1 slot(s) × 4096 tokens × 56 KiB (f16)",
        "  overhead       1.1 GB  (compute graph + GPU runtime context)",
        "  total          9.4 GB",
        "  GPU memory     21.5 GB  (gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada)",
        "  headroom       12.1 GB  fits",
    ]);
});

test("overrides move the terms: 8 slots of 32768 tokens with a q8_0 cache", () => {
    const text = formatCapacity(parseSide("prod+ollama.numParallel=8+ollama.contextLength=32768+ollama.kvCacheType=q8_0+ollama.flashAttention=true"));
    expect(text).toContain("KV cache       8.0 GB  = 8 slot(s) × 32768 tokens × 29.8 KiB (q8_0)");
    expect(text).toContain("headroom       4.3 GB  fits");
});

test("dev on a Mac without gpuMemoryGb: the memory is checked at deploy", () => {
    expect(formatCapacity(parseSide("dev"))).toContain("GPU memory     unknown at validation; checked at deploy after the pull");
    expect(formatCapacity(parseSide("dev+ollama.gpuMemoryGb=21.3"))).toContain("GPU memory     22.9 GB  (rag-stack:ollama.gpuMemoryGb 21.3 GiB)");
});

test("a model the table does not know: a lower bound from its tag, the rest read at deploy", () => {
    expect(formatCapacity(parseSide("prod+ollama.model=mistral:7b-instruct")).split("\n")).toEqual([
        "GPU memory budget of mistral:7b-instruct (components/capacity; checked again at deploy from /api/show and the GPU):",
        "  mistral:7b-instruct is not in components/capacity/models.ts: estimated from its tag, its geometry is read at deploy, after the pull",
        "  weights     >= 3.5 GB  (7b × 90% = 6.30 B weights × 4.5 bits (q4_K_M, the library's default for a tag without one) / 8 = 3.5 GB)",
        "  KV cache       unknown until the model's geometry is read",
        "  overhead       1.1 GB  (compute graph + GPU runtime context)",
        "  total       >= 4.6 GB",
        "  GPU memory     21.5 GB  (gpu-4000adax1-20gb: 20 GiB, 1x NVIDIA RTX 4000 Ada)",
        "  headroom    <= 16.9 GB  before the KV cache",
    ]);
    expect(formatCapacity(parseSide("prod+ollama.model=llama3:latest"))).toContain(
        'llama3:latest is not in components/capacity/models.ts and its tag "latest" names no parameter count (such as 7b): its size and geometry are read at deploy, after the pull');
});

test("accelerator cpu: nothing to budget", () => {
    expect(formatCapacity(parseSide("dev+ollama.accelerator=cpu"))).toContain("accelerator cpu: the model runs from system memory by choice");
});
