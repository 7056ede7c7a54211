/**
 * What the capacity check knows about models before anything is pulled: the weight size Ollama's
 * library lists for each tag, and the KV-cache geometry (layers, KV heads, head dimension) from
 * the model's own config.json. A model not in this table is checked at deploy time only, from
 * Ollama's /api/show (components/capacity/scripts/capacity-check.sh).
 *
 * Sources (2026-11-25):
 * - Weight sizes: as the tag lists of https://ollama.com/library/qwen2.5/tags,
 *   https://ollama.com/library/llama3.1/tags, https://ollama.com/library/nomic-embed-text,
 *   https://ollama.com/library/mxbai-embed-large and https://ollama.com/library/bge-m3 print them
 *   (decimal GB, rounded: "8.1GB"). Those pages were not in the searchable copy used here; the
 *   figures were cross-checked against a measured pull on a Mac (qwen2.5:7b-instruct-q8_0 pulled as "8.1 GB") and
 *   against the GGUF files of the same quantizations (huggingface.co/bartowski/Qwen2.5-32B-Instruct-GGUF:
 *   f16 65.54 GB, Q8_0 34.82 GB). The deploy-time check uses the real size of the pulled model.
 * - Geometry: config.json on Hugging Face. head dim = hidden_size / num_attention_heads.
 *   Qwen/Qwen2.5-7B-Instruct: hidden 3584, 28 heads, 4 KV heads, 28 layers, 32768 positions.
 *   Qwen/Qwen2.5-14B-Instruct: hidden 5120, 40 heads, 8 KV heads, 48 layers.
 *   Qwen/Qwen2.5-32B-Instruct: hidden 5120, 40 heads, 8 KV heads, 64 layers.
 *   meta-llama/Llama-3.1-8B-Instruct: hidden 4096, 32 heads, 8 KV heads, 32 layers, 131072 positions.
 *   nomic-ai/nomic-embed-text-v1.5: n_embd 768, 12 heads, 12 layers (no grouped KV); Ollama's GGUF
 *   sets nomic-bert.context_length 2048.
 *   mixedbread-ai/mxbai-embed-large-v1 (BERT large): hidden 1024, 16 heads, 24 layers, 512 positions.
 *   BAAI/bge-m3 (XLM-RoBERTa large): hidden 1024, 16 heads, 24 layers, 8192 positions.
 * - The context limit is the GGUF `<arch>.context_length`: Ollama caps a larger num_ctx to it
 *   ("requested context size too large for model"), so the KV cache never grows past it.
 * - Embedding models (BERT family) are encoders: recent llama.cpp allocates no KV cache for them
 *   at all. Their KV term here is an upper bound (a few hundred MB at most), kept so the
 *   arithmetic is the same for every model.
 */

export interface ModelGeometry {
    /** Transformer blocks (config.json num_hidden_layers; GGUF `<arch>.block_count`). */
    layers: number;
    /** Key/value heads (num_key_value_heads; GGUF `<arch>.attention.head_count_kv`). */
    kvHeads: number;
    /** Dimension of one head (hidden_size / num_attention_heads; GGUF `<arch>.attention.key_length` when set). */
    headDim: number;
    /** Longest context the model takes (GGUF `<arch>.context_length`); Ollama caps num_ctx to it. */
    contextLimit: number;
}

export interface KnownModel {
    /** The exact name:tag. */
    name: string;
    /** Weight bytes as Ollama's library lists the tag (decimal GB × 1e9). */
    weightsBytes: number;
    geometry: ModelGeometry;
    /** Embedding model (encoder): its KV term is an upper bound. */
    embedding: boolean;
}

const GB = 1e9;
const MB = 1e6;

interface Family {
    /** Library name and size tag, e.g. qwen2.5 + 7b. */
    library: string;
    size: string;
    geometry: ModelGeometry;
    /** Weight GB per quantization; the first is what the bare tag (`qwen2.5:7b`) pulls. */
    weightsGb: { q4_K_M: number; q8_0: number; fp16: number };
}

const QWEN25_7B: ModelGeometry = { layers: 28, kvHeads: 4, headDim: 3584 / 28, contextLimit: 32768 };
const QWEN25_14B: ModelGeometry = { layers: 48, kvHeads: 8, headDim: 5120 / 40, contextLimit: 32768 };
const QWEN25_32B: ModelGeometry = { layers: 64, kvHeads: 8, headDim: 5120 / 40, contextLimit: 32768 };
const LLAMA31_8B: ModelGeometry = { layers: 32, kvHeads: 8, headDim: 4096 / 32, contextLimit: 131072 };

const CHAT_FAMILIES: Family[] = [
    { library: "qwen2.5", size: "7b", geometry: QWEN25_7B, weightsGb: { q4_K_M: 4.7, q8_0: 8.1, fp16: 15 } },
    { library: "qwen2.5", size: "14b", geometry: QWEN25_14B, weightsGb: { q4_K_M: 9.0, q8_0: 16, fp16: 30 } },
    { library: "qwen2.5", size: "32b", geometry: QWEN25_32B, weightsGb: { q4_K_M: 20, q8_0: 35, fp16: 66 } },
    { library: "llama3.1", size: "8b", geometry: LLAMA31_8B, weightsGb: { q4_K_M: 4.9, q8_0: 8.5, fp16: 16 } },
];

/** Embedding models: name:tag aliases, weight size, geometry. */
const EMBEDDING_MODELS: { names: string[]; weightsBytes: number; geometry: ModelGeometry }[] = [
    { names: ["nomic-embed-text:latest", "nomic-embed-text:v1.5"], weightsBytes: 274 * MB,
        geometry: { layers: 12, kvHeads: 12, headDim: 768 / 12, contextLimit: 2048 } },
    { names: ["mxbai-embed-large:latest", "mxbai-embed-large:335m"], weightsBytes: 670 * MB,
        geometry: { layers: 24, kvHeads: 16, headDim: 1024 / 16, contextLimit: 512 } },
    { names: ["bge-m3:latest", "bge-m3:567m"], weightsBytes: 1.2 * GB,
        geometry: { layers: 24, kvHeads: 16, headDim: 1024 / 16, contextLimit: 8192 } },
];

function buildTable(): Map<string, KnownModel> {
    const table = new Map<string, KnownModel>();
    const add = (name: string, weightsBytes: number, geometry: ModelGeometry, embedding: boolean) =>
        table.set(name, { name, weightsBytes, geometry, embedding });
    for (const f of CHAT_FAMILIES) {
        const base = `${f.library}:${f.size}`;
        // The bare size tag and `-instruct` are the q4_K_M instruct build in the library.
        add(base, f.weightsGb.q4_K_M * GB, f.geometry, false);
        add(`${base}-instruct`, f.weightsGb.q4_K_M * GB, f.geometry, false);
        for (const [quant, gb] of Object.entries(f.weightsGb)) {
            add(`${base}-instruct-${quant}`, gb * GB, f.geometry, false);
        }
    }
    for (const e of EMBEDDING_MODELS) for (const name of e.names) add(name, e.weightsBytes, e.geometry, true);
    return table;
}

export const KNOWN_MODELS: ReadonlyMap<string, KnownModel> = buildTable();

/** The table entry for a configured model (`name` means `name:latest`; the default registry prefix is ignored), or undefined. */
export function findKnownModel(model: string): KnownModel | undefined {
    let name = model.trim().replace(/^registry\.ollama\.ai\//, "").replace(/^library\//, "");
    if (!/:[^/]+$/.test(name)) name += ":latest";
    return KNOWN_MODELS.get(name);
}
