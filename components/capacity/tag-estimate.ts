/**
 * A lower bound on the weights of a model the table (models.ts) does not know, from its tag alone:
 * the parameter count the tag names (`7b`, `0.5b`, `135m`, `8x7b`) times the bits per weight of its
 * quantization (`fp16`, `q8_0`, `q4_K_M`...). A lower bound, so that validation refuses only what
 * clearly cannot fit:
 *
 * - Bits per weight are those of the quantization's base type, from ggml's block layouts
 *   (ml/backend/ggml/ggml/src/ggml-common.h in Ollama 0.12.6, the static_asserts on each block):
 *   q8_0 is a 2-byte scale + 32 int8 per 32 weights (8.5 bits), q4_0 a scale + 16 bytes of nibbles
 *   (4.5), q4_K 144 bytes per 256 (4.5), q6_K 210 per 256 (6.5625)... llama.cpp's quantizer
 *   (llama/llama.cpp/src/llama-quant.cpp) stores most tensors of a q4_K_M file as q4_K and moves a
 *   few to larger types, never to smaller ones, so a real file is at least that (qwen2.5:7b-instruct
 *   q4_K_M: 4.7 GB for 7.6 B weights, 4.9 bits). The i-quants (iq2_xxs...) do move tensors to
 *   smaller types: they are not estimated.
 * - The count is taken at 90%: tags round it (qwen2.5:0.5b has 0.49 B weights, qwen2.5:7b 7.6 B).
 *   A mixture of experts `NxMb` shares attention and embeddings between its experts, so it holds
 *   fewer than N×M: Mixtral 8x7b 46.7 B of 56, 8x22b 141 B of 176 (Mistral AI's figures); 75% of
 *   N×M is counted.
 * - A tag without a quantization pulls the library's default: q4_K_M for current models
 *   (qwen2.5:7b is qwen2.5:7b-instruct-q4_K_M), q4_0 for some older ones; both 4.5 bits. Only for
 *   the library's own models (registry.ollama.ai/library): anyone else's default is unknown.
 *
 * The KV cache is not estimated (the geometry is not in a tag): the bound holds the weights and
 * the fixed overhead only, and the deploy check adds the real KV term from /api/show.
 */

/** Bits per weight of each ggml type a quantization tag names: bytes per block × 8 / weights per block. */
export const GGML_BITS_PER_WEIGHT: Record<string, number> = {
    f32: 32,
    f16: 16,
    bf16: 16,
    q8_0: ((2 + 32) * 8) / 32,
    q6_K: ((128 + 64 + 16 + 2) * 8) / 256,
    q5_K: ((2 + 2 + 12 + 32 + 128) * 8) / 256,
    q5_1: ((2 + 2 + 4 + 16) * 8) / 32,
    q5_0: ((2 + 4 + 16) * 8) / 32,
    q4_K: ((2 + 2 + 12 + 128) * 8) / 256,
    q4_1: ((2 + 2 + 16) * 8) / 32,
    q4_0: ((2 + 16) * 8) / 32,
    mxfp4: ((1 + 16) * 8) / 32,
    q3_K: ((32 + 64 + 12 + 2) * 8) / 256,
    q2_K: ((16 + 64 + 2 + 2) * 8) / 256,
};

/** Quantization names in Ollama's tags (case-insensitive) and the ggml type most of their tensors are stored in. */
const TAG_QUANTIZATIONS: Record<string, string> = {
    fp32: "f32", f32: "f32", fp16: "f16", f16: "f16", bf16: "bf16",
    q8_0: "q8_0", q6_k: "q6_K", q5_k_m: "q5_K", q5_k_s: "q5_K", q5_1: "q5_1", q5_0: "q5_0",
    q4_k_m: "q4_K", q4_k_s: "q4_K", q4_1: "q4_1", q4_0: "q4_0", mxfp4: "mxfp4",
    q3_k_l: "q3_K", q3_k_m: "q3_K", q3_k_s: "q3_K", q2_k: "q2_K", q2_k_s: "q2_K",
};

/** What the library pulls for a tag without a quantization, for the message. */
export const LIBRARY_DEFAULT_QUANTIZATION = "q4_K_M";
const COUNT_SHARE = 0.9;
const EXPERT_SHARE = 0.75;

export interface TagEstimate {
    model: string;
    /** The count as the tag writes it: 7b, 8x7b, 135m. */
    count: string;
    /** Weights counted (the lower bound on the count). */
    parameters: number;
    /** The quantization the tag names, or the library default's name. */
    quantization: string;
    /** True when the tag named none and the library default is assumed. */
    defaultQuantization: boolean;
    bitsPerWeight: number;
    /** parameters × bits per weight / 8. */
    weightsBytes: number;
}

export type TagReading = { kind: "estimate"; estimate: TagEstimate } | { kind: "silent"; why: string };

/** Registry, namespace, name and tag of a model as Ollama reads it (types/model/name.go: registry.ollama.ai, library, latest). */
export function splitModelName(model: string): { host: string; namespace: string; name: string; tag: string } {
    const [path, tag = "latest"] = model.trim().split(/:(?=[^/]*$)/);
    const parts = path.split("/");
    const name = parts.pop() ?? "";
    const namespace = parts.pop() ?? "library";
    const host = parts.pop() ?? "registry.ollama.ai";
    return { host, namespace, name, tag };
}

/** Reads the count and quantization out of a model's tag, or says why it cannot. */
export function readTag(model: string): TagReading {
    const { host, namespace, tag } = splitModelName(model);
    const segments = tag.split("-");
    const countSegment = segments.find((s) => /^(\d+x)?\d+(\.\d+)?[bm]$/i.test(s));
    if (!countSegment) return { kind: "silent", why: `its tag "${tag}" names no parameter count (such as 7b)` };
    const m = /^(?:(\d+)x)?(\d+(?:\.\d+)?)([bm])$/i.exec(countSegment)!;
    const unit = m[3].toLowerCase() === "b" ? 1e9 : 1e6;
    const experts = m[1] === undefined ? 1 : Number(m[1]);
    const parameters = experts * Number(m[2]) * unit * (experts > 1 ? EXPERT_SHARE : COUNT_SHARE);
    const quantSegment = segments.find((s) => /^(f|fp|bf)\d+$|^(q|iq)\d/i.test(s));
    let quantization: string;
    let ggmlType: string | undefined;
    if (quantSegment) {
        quantization = quantSegment;
        ggmlType = TAG_QUANTIZATIONS[quantSegment.toLowerCase()];
        if (!ggmlType) return { kind: "silent", why: `its tag's quantization "${quantSegment}" is not one whose size is known here` };
    } else {
        if (host !== "registry.ollama.ai" || namespace !== "library") {
            return { kind: "silent", why: `its tag "${tag}" names no quantization, and ${host}/${namespace}'s default is not known` };
        }
        quantization = LIBRARY_DEFAULT_QUANTIZATION;
        ggmlType = "q4_K";
    }
    const bitsPerWeight = GGML_BITS_PER_WEIGHT[ggmlType];
    return {
        kind: "estimate",
        estimate: {
            model, count: countSegment, parameters, quantization, defaultQuantization: !quantSegment, bitsPerWeight,
            weightsBytes: (parameters * bitsPerWeight) / 8,
        },
    };
}

/** "72b × 90% = 64.8 B weights × 16 bits (fp16) / 8 = 129.6 GB" */
export function formatTagEstimate(e: TagEstimate): string {
    const share = /x/i.test(e.count) ? EXPERT_SHARE : COUNT_SHARE;
    const quant = e.defaultQuantization ? `${e.quantization}, the library's default for a tag without one` : e.quantization;
    const billions = e.parameters / 1e9;
    return `${e.count} × ${share * 100}% = ${billions >= 10 ? billions.toFixed(1) : billions.toFixed(2)} B weights × ${e.bitsPerWeight} bits (${quant}) / 8 = ` +
        `${(e.weightsBytes / 1e9).toFixed(1)} GB`;
}
