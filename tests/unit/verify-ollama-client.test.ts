/**
 * verify's use of the official Ollama client (ollama-js) over a fetch: the paths and bodies it
 * sends, what comes back checked, HTTP errors as ReachErrors with verify's messages (and nothing
 * on stdout, which is the report), generations streamed with the first token's time taken when
 * it arrives. The fetch here answers from memory; the real routes are tested in
 * tests/scripts/verify-container-fetch.test.ts, verify-sweep.test.ts and verify-scale.test.ts.
 */
import { Fetch } from "../../tools/verify/http-fetch";
import { OllamaApi } from "../../tools/verify/ollama-client";
import { ApiShapeError } from "../../tools/verify/ollama-api";
import { ReachError } from "../../tools/verify/reach-error";

interface Seen { url: string; method: string; body?: string; headers: Record<string, string> }

/** A fetch that records requests and answers with `answer(url)`. */
function fakeFetch(answer: (url: string, body?: string) => Response): { fetch: Fetch; seen: Seen[] } {
    const seen: Seen[] = [];
    const fetch: Fetch = async (input, init) => {
        const r = new Request(input, init);
        const body = r.method === "POST" ? await r.text() : undefined;
        seen.push({ url: r.url, method: r.method, body, headers: Object.fromEntries(r.headers) });
        return answer(r.url, body);
    };
    return { fetch, seen };
}

const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });

/** An NDJSON body whose lines arrive at the given ms. */
function ndjson(lines: [number, unknown][]): Response {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
        start(controller) {
            let last = 0;
            for (const [at, value] of lines) {
                last = Math.max(last, at);
                setTimeout(() => controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`)), at);
            }
            setTimeout(() => controller.close(), last + 5);
        },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "application/x-ndjson" } });
}

const api = (fetch: Fetch, host = "http://127.0.0.1:11434") => new OllamaApi("test", host, () => fetch);

let stdout: jest.SpyInstance;
let consoleLog: jest.SpyInstance;
beforeEach(() => {
    stdout = jest.spyOn(process.stdout, "write");
    consoleLog = jest.spyOn(console, "log").mockImplementation(() => undefined);
});
afterEach(() => {
    stdout.mockRestore();
    consoleLog.mockRestore();
});

test("version, tags and ps: the client's paths, values checked", async () => {
    const { fetch, seen } = fakeFetch((url) => url.endsWith("/api/version") ? json(200, { version: "0.12.6" })
        : url.endsWith("/api/tags") ? json(200, { models: [{ name: "qwen2.5:7b", size: 8 }] })
            : json(200, { models: [{ name: "qwen2.5:7b", model: "qwen2.5:7b", size: 8, size_vram: 4 }] }));
    const ollama = api(fetch);
    expect(await ollama.version(1000)).toBe("0.12.6");
    expect(await ollama.tags(1000)).toEqual([{ name: "qwen2.5:7b", size: 8, sizeVram: undefined, contextLength: undefined }]);
    expect(await ollama.ps(1000)).toEqual([{ name: "qwen2.5:7b", size: 8, sizeVram: 4, contextLength: undefined }]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        "GET http://127.0.0.1:11434/api/version", "GET http://127.0.0.1:11434/api/tags", "GET http://127.0.0.1:11434/api/ps",
    ]);
});

test("an error answer that is not JSON: a ReachError with the status and the text, nothing on stdout", async () => {
    const { fetch } = fakeFetch(() => new Response("404 page not found", { status: 404, headers: { "Content-Type": "text/plain" } }));
    const failure = await api(fetch).tags(1000).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ReachError);
    expect(failure).toMatchObject({ kind: "http", status: 404, detail: "/api/tags answered HTTP 404: 404 page not found" });
    expect(consoleLog).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
});

test("Ollama's JSON error: its message, and the status (503: the queue is full)", async () => {
    const { fetch } = fakeFetch(() => json(503, { error: "server busy, please try again.  maximum pending requests exceeded" }));
    await expect(api(fetch).generate({ model: "m", prompt: "p" }, 1000)).rejects.toMatchObject({
        kind: "http", status: 503, detail: "/api/generate answered HTTP 503: server busy, please try again.  maximum pending requests exceeded",
    });
});

test("an answer that is not JSON at all: an ApiShapeError naming the path", async () => {
    const { fetch } = fakeFetch(() => new Response("Ollama is running", { status: 200 }));
    const failure = await api(fetch).version(1000).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiShapeError);
    expect((failure as Error).message).toMatch(/^\/api\/version did not return JSON \(.*Ollama is running/);
});

test("a generation streams: the request the client sends, the text, Ollama's counters, the first token's time as it arrived", async () => {
    const { fetch, seen } = fakeFetch(() => ndjson([
        [10, { response: "", done: false }],
        [120, { response: "Hel", done: false }],
        [140, { response: "lo", done: false }],
        [160, { response: "", done: true, eval_count: 2, eval_duration: 40_000_000, prompt_eval_count: 5, prompt_eval_duration: 1_000_000, load_duration: 7 }],
    ]));
    const g = await api(fetch).generate({ model: "qwen2.5:7b", prompt: "Say hello.", options: { temperature: 0, num_predict: 2 } }, 5000);
    expect(g.text).toBe("Hello");
    expect(g.stats).toEqual({ evalCount: 2, evalDurationNs: 40_000_000, promptEvalCount: 5, promptEvalDurationNs: 1_000_000, loadDurationNs: 7, totalDurationNs: undefined });
    expect(g.ttftMs).toBeGreaterThanOrEqual(100);
    expect(g.ttftMs).toBeLessThan(g.elapsedMs);
    expect(g.elapsedMs).toBeGreaterThanOrEqual(150);
    expect(seen[0].url).toBe("http://127.0.0.1:11434/api/generate");
    expect(JSON.parse(seen[0].body ?? "")).toEqual({ model: "qwen2.5:7b", prompt: "Say hello.", options: { temperature: 0, num_predict: 2 }, stream: true });
    expect(seen[0].headers["content-type"]).toBe("application/json");
});

test("a generation that stops before its final chunk is a reset; an error Ollama sends mid-stream is an http error", async () => {
    const cut = fakeFetch(() => ndjson([[5, { response: "Hel", done: false }]]));
    await expect(api(cut.fetch).generate({ model: "m", prompt: "p" }, 1000)).rejects.toMatchObject({
        kind: "reset", detail: "/api/generate stopped before its final chunk (the server went away mid-generation?)",
    });
    const error = fakeFetch(() => ndjson([[5, { response: "Hel", done: false }], [10, { error: "model runner has unexpectedly stopped" }]]));
    await expect(api(error.fetch).generate({ model: "m", prompt: "p" }, 1000)).rejects.toMatchObject({
        kind: "http", detail: "/api/generate: model runner has unexpectedly stopped",
    });
});

test("behind a proxy path (the Kubernetes pod proxy) requests go under it, and errors still name Ollama's path", async () => {
    const host = "https://k8s.example:6443/api/v1/namespaces/rag-stack/pods/ollama-0:11434/proxy";
    const { fetch, seen } = fakeFetch(() => new Response("no endpoints", { status: 503 }));
    await expect(api(fetch, host).ps(1000)).rejects.toMatchObject({ status: 503, detail: "/api/ps answered HTTP 503: no endpoints" });
    expect(seen[0].url).toBe(`${host}/api/ps`);
});
