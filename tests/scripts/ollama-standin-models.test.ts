/**
 * The stand-in Ollama (tests/fixtures/ollama) with models as a set (issue 22): a chat model and an
 * embedding model served by one real process on a free loopback port, talked to with the official
 * `ollama` npm client (so the shapes are the client's) and, where the client hides the HTTP status,
 * with plain HTTP. What is checked is what Ollama 0.12.6 does (server/routes.go EmbedHandler,
 * GenerateHandler, ChatHandler, PsHandler; server/images.go Capabilities; server/sched.go
 * processPending and findRunnerToUnload; runner/ollamarunner's embeddings handler), as the stand-in's
 * header documents it. Every server is started by a Sandbox and stopped by its PID.
 */
import { Ollama } from "ollama";
import { answers, http, runCommand, Sandbox, STANDIN, waitFor } from "./support/native";

const CHAT = "qwen2.5:7b-instruct-q8_0";
const EMBED = "nomic-embed-text:latest";
const OTHER = "llama3.2:3b";
const CHAT_SIZE = 8098048000;
const EMBED_SIZE = 274302450;

interface Server { sb: Sandbox; client: Ollama; url: string }
const started: Sandbox[] = [];

async function start(env: Record<string, string> = {}): Promise<Server> {
    const sb = await new Sandbox().init();
    started.push(sb);
    sb.spawn(process.execPath, [STANDIN, "serve"], {
        OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models,
        STANDIN_PRELOADED_MODELS: [CHAT, EMBED, OTHER].join(","), ...env,
    });
    if (!(await waitFor(() => answers(sb.url), 10_000))) throw new Error("the stand-in Ollama did not start");
    return { sb, client: new Ollama({ host: sb.url }), url: sb.url };
}

afterAll(async () => {
    for (const sb of started) await sb.cleanup();
});

const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const loadedNames = async (s: Server) => (await s.client.ps()).models.map((m) => m.name).sort();
/** A POST with its HTTP status (the client throws on errors, keeping status_code and the message). */
const post = async (s: Server, path: string, body: unknown) => {
    const r = await http(`${s.url}${path}`, body);
    return { status: r.status, json: JSON.parse(r.text) as Record<string, unknown> };
};

describe("POST /api/embed", () => {
    let s: Server;
    beforeAll(async () => { s = await start(); }, 20_000);

    test("a string: one vector of nomic-embed-text's 768 numbers, L2-normalised, the same for the same input", async () => {
        const a = await s.client.embed({ model: "nomic-embed-text", input: "Why is the sky blue?" });
        expect(a.model).toBe("nomic-embed-text");
        expect(a.embeddings).toHaveLength(1);
        expect(a.embeddings[0]).toHaveLength(768);
        expect(norm(a.embeddings[0])).toBeCloseTo(1, 5);
        expect(a.prompt_eval_count).toBeGreaterThan(0);
        expect(a.load_duration).toBeGreaterThan(0);
        expect(a.total_duration).toBeGreaterThanOrEqual(a.load_duration);
        const again = await s.client.embed({ model: EMBED, input: "Why is the sky blue?" });
        expect(again.embeddings[0]).toEqual(a.embeddings[0]);
        const other = await s.client.embed({ model: EMBED, input: "Why is the grass green?" });
        expect(other.embeddings[0]).not.toEqual(a.embeddings[0]);
    });

    test("a list: one vector per input in order, each normalised, each the vector of that input alone", async () => {
        const inputs = ["Why is the sky blue?", "Why is the grass green?", "Why is the sky blue?"];
        const r = await s.client.embed({ model: EMBED, input: inputs });
        expect(r.embeddings).toHaveLength(3);
        for (const v of r.embeddings) {
            expect(v).toHaveLength(768);
            expect(norm(v)).toBeCloseTo(1, 5);
        }
        expect(r.embeddings[2]).toEqual(r.embeddings[0]);
        expect(r.embeddings[1]).not.toEqual(r.embeddings[0]);
        const alone = await s.client.embed({ model: EMBED, input: inputs[1] });
        expect(r.embeddings[1]).toEqual(alone.embeddings[0]);
        // prompt_eval_count counts the tokens of every input.
        expect(r.prompt_eval_count).toBeGreaterThan(alone.prompt_eval_count);
    });

    test("dimensions cuts the vector and normalises it again (EmbedHandler); an empty input loads the model and embeds nothing", async () => {
        const full = (await s.client.embed({ model: EMBED, input: "cut me" })).embeddings[0];
        const cut = (await s.client.embed({ model: EMBED, input: "cut me", dimensions: 256 })).embeddings[0];
        expect(cut).toHaveLength(256);
        expect(norm(cut)).toBeCloseTo(1, 5);
        const scale = norm(full.slice(0, 256));
        cut.forEach((x, i) => expect(x).toBeCloseTo(full[i] / scale, 5));
        await s.client.generate({ model: EMBED, prompt: "", keep_alive: 0 }); // unload, then load it by an empty embed
        expect(await loadedNames(s)).not.toContain(EMBED);
        expect(await post(s, "/api/embed", { model: EMBED, input: "" })).toEqual({ status: 200, json: { model: EMBED, embeddings: [] } });
        expect(await loadedNames(s)).toContain(EMBED);
        expect(await post(s, "/api/embed", { model: EMBED, input: [1, 2] })).toEqual({ status: 400, json: { error: "invalid input type" } });
    });

    test("input over the context (nomic-bert's 2048 tokens) is cut, or refused with truncate false", async () => {
        const long = "word ".repeat(3000); // ~3750 tokens at 4 characters a token
        const cut = await s.client.embed({ model: EMBED, input: long });
        expect(cut.prompt_eval_count).toBeLessThanOrEqual(2048);
        const refused = await post(s, "/api/embed", { model: EMBED, input: long, truncate: false });
        expect(refused).toEqual({ status: 400, json: { error: "input exceeds maximum context length" } });
    });

    test("a model not in the store: 404 with Ollama's message (handleScheduleError)", async () => {
        await expect(s.client.embed({ model: "absent-embed", input: "x" }))
            .rejects.toMatchObject({ status_code: 404, error: 'model "absent-embed" not found, try pulling it first' });
    });

    test("a chat model on Ollama 0.12.6's llama.cpp runner (qwen2) is not refused: its hidden state, qwen2.embedding_length wide, and it is loaded", async () => {
        const r = await s.client.embed({ model: CHAT, input: "hello" });
        expect(r.embeddings[0]).toHaveLength(3584);
        expect(norm(r.embeddings[0])).toBeCloseTo(1, 5);
        expect(await loadedNames(s)).toContain(CHAT);
    });
});

test("a chat model on Ollama's own engine (qwen3) is refused by /api/embed: HTTP 500 \"this model does not support embeddings\", after loading it", async () => {
    const s = await start({ STANDIN_SHOW_ARCH: "qwen3" });
    await expect(s.client.embed({ model: CHAT, input: "hello" }))
        .rejects.toMatchObject({ status_code: 500, error: "this model does not support embeddings" });
    // The server schedules the runner before the runner refuses: the model is loaded.
    expect(await loadedNames(s)).toEqual([CHAT]);
    // The embedding model still embeds on the same server.
    expect((await s.client.embed({ model: EMBED, input: "hello" })).embeddings[0]).toHaveLength(768);
}, 20_000);

describe("generate, chat and show by the kind of model", () => {
    let s: Server;
    beforeAll(async () => { s = await start(); }, 20_000);

    test("/api/generate and /api/chat on an embedding model: 400 \"<model> does not support generate|chat\", with or without a prompt; nothing is loaded", async () => {
        await expect(s.client.generate({ model: "nomic-embed-text", prompt: "hi", stream: false }))
            .rejects.toMatchObject({ status_code: 400, error: '"nomic-embed-text" does not support generate' });
        expect(await post(s, "/api/generate", { model: EMBED })).toEqual({ status: 400, json: { error: `"${EMBED}" does not support generate` } });
        await expect(s.client.chat({ model: EMBED, messages: [{ role: "user", content: "hi" }], stream: false }))
            .rejects.toMatchObject({ status_code: 400, error: `"${EMBED}" does not support chat` });
        expect(await loadedNames(s)).toEqual([]);
        // `ollama run` prints the server's refusal.
        const run = await runCommand(`"${STANDIN}" run ${EMBED} hi </dev/null`, { ...s.sb.baseEnv(), OLLAMA_HOST: `127.0.0.1:${s.sb.port}` }, 10_000);
        expect(run.code).toBe(1);
        expect(run.stderr).toBe(`Error: "${EMBED}" does not support generate\n`);
    });

    test("an empty-prompt /api/generate still loads a chat model (done_reason load), and generation works", async () => {
        const load = await s.client.generate({ model: CHAT, prompt: "", stream: false });
        expect(load).toMatchObject({ done: true, done_reason: "load", response: "" });
        expect(await loadedNames(s)).toEqual([CHAT]);
        const r = await s.client.generate({ model: CHAT, prompt: "hi", stream: false });
        expect(r.done_reason).toBe("stop");
        expect(r.response.length).toBeGreaterThan(0);
    });

    test("/api/show: capabilities [\"embedding\"] and nomic-bert's model_info for the embedding model, [\"completion\"] and qwen2's for the chat model", async () => {
        const e = await s.client.show({ model: EMBED });
        expect(e.capabilities).toEqual(["embedding"]);
        const ei = e.model_info as unknown as Record<string, unknown>;
        expect(ei["general.architecture"]).toBe("nomic-bert");
        expect(ei["nomic-bert.embedding_length"]).toBe(768);
        expect(ei["nomic-bert.context_length"]).toBe(2048);
        expect(ei["nomic-bert.pooling_type"]).toBe(1);
        expect(e.details).toMatchObject({ family: "nomic-bert", parameter_size: "137M", quantization_level: "F16" });
        const c = await s.client.show({ model: CHAT });
        expect(c.capabilities).toEqual(["completion"]);
        const ci = c.model_info as unknown as Record<string, unknown>;
        expect(ci["general.architecture"]).toBe("qwen2");
        expect(ci["qwen2.embedding_length"]).toBe(3584);
        expect(Object.keys(ci).some((k) => k.endsWith(".pooling_type"))).toBe(false);
        // Sizes: nomic-embed-text's own, not the chat model's.
        const tags = Object.fromEntries((await s.client.list()).models.map((m) => [m.name, m.size]));
        expect(tags[EMBED]).toBe(EMBED_SIZE);
        expect(tags[CHAT]).toBe(CHAT_SIZE);
    });
});

test("STANDIN_EMBEDDING_MODELS names the embedding models (then a name with \"embed\" is a chat model), STANDIN_EMBEDDING_LENGTH their width", async () => {
    const s = await start({ STANDIN_PRELOADED_MODELS: `my-vectors:v1,${EMBED}`, STANDIN_EMBEDDING_MODELS: "my-vectors:v1", STANDIN_EMBEDDING_LENGTH: "1024" });
    expect((await s.client.show({ model: "my-vectors:v1" })).capabilities).toEqual(["embedding"]);
    expect(((await s.client.show({ model: "my-vectors:v1" })).model_info as unknown as Record<string, unknown>)["nomic-bert.embedding_length"]).toBe(1024);
    expect((await s.client.embed({ model: "my-vectors:v1", input: "x" })).embeddings[0]).toHaveLength(1024);
    expect((await s.client.show({ model: EMBED })).capabilities).toEqual(["completion"]);
}, 20_000);

describe("several loaded models (OLLAMA_MAX_LOADED_MODELS=2)", () => {
    let s: Server;
    beforeAll(async () => { s = await start({ OLLAMA_MAX_LOADED_MODELS: "2" }); }, 20_000);
    beforeEach(async () => {
        for (const m of [CHAT, EMBED, OTHER]) await s.client.generate({ model: m, prompt: "", keep_alive: 0 });
        expect(await loadedNames(s)).toEqual([]);
    });

    test("a chat model and an embedding model loaded at once, each with its own size, size_vram and expires_at; an embed loads the embedding model", async () => {
        const before = Date.now();
        await s.client.generate({ model: CHAT, prompt: "", keep_alive: "1h" });
        await s.client.embed({ model: EMBED, input: "x", keep_alive: "10m" });
        const ps = (await s.client.ps()).models;
        // Longest remaining keep-alive first, as PsHandler sorts.
        expect(ps.map((m) => [m.name, m.size, m.size_vram])).toEqual([[CHAT, CHAT_SIZE, CHAT_SIZE], [EMBED, EMBED_SIZE, EMBED_SIZE]]);
        const left = ps.map((m) => Date.parse(String(m.expires_at)) - before);
        expect(left[0]).toBeGreaterThanOrEqual(3600_000 - 1000);
        expect(left[0]).toBeLessThanOrEqual(3600_000 + 5000);
        expect(left[1]).toBeGreaterThanOrEqual(600_000 - 1000);
        expect(left[1]).toBeLessThanOrEqual(600_000 + 5000);
        // `ollama ps` lists both.
        const cli = await runCommand(`"${STANDIN}" ps`, { ...s.sb.baseEnv(), OLLAMA_HOST: `127.0.0.1:${s.sb.port}` }, 10_000);
        expect(cli.stdout.split("\n").slice(1, 3).map((l) => l.split(/\s+/)[0])).toEqual([CHAT, EMBED]);
    });

    test("a third model unloads one to make room: the shortest keep_alive, not the least recently used", async () => {
        await s.client.generate({ model: CHAT, prompt: "", keep_alive: "1h" }); // least recently used
        await s.client.embed({ model: EMBED, input: "x", keep_alive: "10m" }); // shorter keep_alive
        await s.client.generate({ model: OTHER, prompt: "", keep_alive: "30m" });
        expect(await loadedNames(s)).toEqual([CHAT, OTHER].sort());
        // A model with keep_alive -1 (forever) is unloaded last.
        await s.client.generate({ model: CHAT, prompt: "", keep_alive: -1 });
        await s.client.embed({ model: EMBED, input: "x", keep_alive: "1h" });
        expect(await loadedNames(s)).toEqual([CHAT, EMBED].sort());
    });

    test("with equal keep-alives the model blob's digest decides (findRunnerToUnload's model-path order), whichever was used last", async () => {
        const digests = Object.fromEntries((await s.client.list()).models.map((m) => [m.name, m.digest]));
        // Load the pair so that the least recently used one has the larger digest: LRU would unload it.
        const [low, high] = [CHAT, OTHER].sort((a, b) => (digests[a] < digests[b] ? -1 : 1));
        await s.client.generate({ model: high, prompt: "", keep_alive: "5m" });
        await s.client.generate({ model: low, prompt: "", keep_alive: "5m" });
        await s.client.embed({ model: EMBED, input: "x", keep_alive: "5m" });
        const left = await loadedNames(s);
        // The most recently used of the two, the lower digest, made room for the embedding model.
        expect(left).toEqual([high, EMBED].sort());
    });

    test("keep_alive 0 unloads: an empty generate answers \"unload\"; an embed or a generation with keep_alive 0 is answered, then the model is gone", async () => {
        await s.client.generate({ model: CHAT, prompt: "", keep_alive: "1h" });
        await s.client.embed({ model: EMBED, input: "x", keep_alive: "1h" });
        expect(await loadedNames(s)).toEqual([CHAT, EMBED].sort());
        const unload = await s.client.generate({ model: CHAT, prompt: "", keep_alive: 0 });
        expect(unload).toMatchObject({ done: true, done_reason: "unload" });
        expect(await loadedNames(s)).toEqual([EMBED]);
        // keep_alive 0 on the embedding model's empty generate unloads it too (GenerateHandler unloads before the capability check).
        expect(await post(s, "/api/generate", { model: EMBED, keep_alive: 0 })).toMatchObject({ status: 200, json: { done_reason: "unload" } });
        expect(await loadedNames(s)).toEqual([]);
        expect((await s.client.embed({ model: EMBED, input: "x", keep_alive: 0 })).embeddings[0]).toHaveLength(768);
        expect(await loadedNames(s)).toEqual([]);
        const r = await s.client.generate({ model: CHAT, prompt: "hi", keep_alive: 0, stream: false });
        expect(r.done_reason).toBe("stop");
        expect(await loadedNames(s)).toEqual([]);
    });
});

test("unset OLLAMA_MAX_LOADED_MODELS: three models at once (3 per GPU), a fourth unloads one", async () => {
    const s = await start({ STANDIN_PRELOADED_MODELS: [CHAT, EMBED, OTHER, "llama3.1:8b"].join(",") });
    for (const m of [CHAT, OTHER, "llama3.1:8b"]) await s.client.generate({ model: m, prompt: "", keep_alive: m === OTHER ? "1m" : "1h" });
    expect((await loadedNames(s)).length).toBe(3);
    await s.client.embed({ model: EMBED, input: "x" });
    expect(await loadedNames(s)).toEqual([CHAT, EMBED, "llama3.1:8b"].sort());
}, 20_000);

describe("GPU memory (STANDIN_VRAM_BYTES)", () => {
    test("10 GB: a chat model and the embedding model fit together; a second chat model does not, so one is unloaded until it fits", async () => {
        const s = await start({ STANDIN_VRAM_BYTES: "10000000000" });
        await s.client.generate({ model: CHAT, prompt: "", keep_alive: "5m" });
        await s.client.embed({ model: EMBED, input: "x", keep_alive: "1h" });
        expect(await loadedNames(s)).toEqual([CHAT, EMBED].sort());
        // 8.1 GB + 0.27 GB + 8.1 GB > 10 GB: the chat model (shorter keep_alive) goes, the embedding model stays.
        await s.client.generate({ model: OTHER, prompt: "", keep_alive: "5m" });
        expect(await loadedNames(s)).toEqual([EMBED, OTHER].sort());
        // Unloading the embedding model alone would not make room (0.27 + 8.1 + 8.1 > 10): both others go.
        await s.client.embed({ model: EMBED, input: "x", keep_alive: "1m" });
        await s.client.generate({ model: CHAT, prompt: "", keep_alive: "5m" });
        expect(await loadedNames(s)).toEqual([CHAT]);
        const ps = (await s.client.ps()).models;
        expect(ps.map((m) => m.size_vram)).toEqual([CHAT_SIZE]);
    }, 20_000);

    test("4 GB: a model larger than the GPU loads alone, partly offloaded (size_vram 4 GB of its size)", async () => {
        const s = await start({ STANDIN_VRAM_BYTES: "4000000000" });
        await s.client.embed({ model: EMBED, input: "x" });
        await s.client.generate({ model: CHAT, prompt: "" });
        const ps = (await s.client.ps()).models;
        expect(ps.map((m) => [m.name, m.size, m.size_vram])).toEqual([[CHAT, CHAT_SIZE, 4000000000]]);
    }, 20_000);
});
