import { findModel, humanBytes, normalizeModelName, parseGenerateChunk, parsePs, parseTags, parseVersion, processorLabel, vramShare } from "../../tools/verify/ollama-api";

/** What the ollama client hands back: the parsed JSON, unchecked. */
const json = (text: string): unknown => JSON.parse(text);

describe("Ollama API parsing", () => {
    test("version", () => {
        expect(parseVersion(json('{"version":"0.12.6"}'))).toBe("0.12.6");
        expect(() => parseVersion("Ollama is running")).toThrow('/api/version returned "Ollama is running", not an object');
        expect(() => parseVersion(json("{}"))).toThrow("no version field");
    });

    test("tags and ps, size_vram kept", () => {
        const tags = parseTags(json('{"models":[{"name":"qwen2.5:7b-instruct-q8_0","size":8098048000}]}'));
        expect(tags).toEqual([{ name: "qwen2.5:7b-instruct-q8_0", size: 8098048000, sizeVram: undefined, contextLength: undefined }]);
        const ps = parsePs(json('{"models":[{"name":"llama3:latest","model":"llama3:latest","size":100,"size_vram":48,"context_length":4096}]}'));
        expect(ps[0]).toEqual({ name: "llama3:latest", size: 100, sizeVram: 48, contextLength: 4096 });
        expect(() => parseTags(json('{"error":"x"}'))).toThrow("no models list");
    });

    test("model names: an absent tag means :latest, the library prefix is optional", () => {
        expect(normalizeModelName("llama3")).toBe("llama3:latest");
        expect(normalizeModelName("registry.ollama.ai/library/qwen2.5:7b")).toBe("qwen2.5:7b");
        expect(findModel([{ name: "llama3:latest", size: 1 }], "llama3")?.name).toBe("llama3:latest");
        expect(findModel([{ name: "llama3:8b", size: 1 }], "llama3")).toBeUndefined();
    });

    test("PROCESSOR exactly as `ollama ps` prints it", () => {
        expect(processorLabel(8_900_000_000, 8_900_000_000)).toBe("100% GPU");
        expect(processorLabel(8_900_000_000, 0)).toBe("100% CPU");
        expect(processorLabel(100, 48)).toBe("52%/48% CPU/GPU");
        expect(processorLabel(100, 200)).toBe("Unknown");
        expect(vramShare(100, 48)).toBeCloseTo(0.48);
        expect(vramShare(0, 0)).toBe(0);
    });

    test("generate chunks: text, the final chunk's counters, counters that are not numbers left out", () => {
        expect(parseGenerateChunk(json('{"response":"Hi","done":false}'))).toEqual({ response: "Hi", done: false });
        const last = parseGenerateChunk(json('{"response":"","done":true,"eval_count":8,"eval_duration":400000000,"prompt_eval_count":5,"prompt_eval_duration":1000000,"load_duration":7,"total_duration":9}'));
        expect(last.stats).toEqual({ evalCount: 8, evalDurationNs: 4e8, promptEvalCount: 5, promptEvalDurationNs: 1e6, loadDurationNs: 7, totalDurationNs: 9 });
        expect(parseGenerateChunk(json('{"response":"","done":true,"eval_count":"8","eval_duration":4}')).stats).toBeUndefined();
        expect(() => parseGenerateChunk(json("[1]"))).toThrow("/api/generate returned [1], not an object");
    });

    test("human sizes in decimal units like Ollama", () => {
        expect(humanBytes(8098048000)).toBe("8.1 GB");
        expect(humanBytes(512)).toBe("512 B");
        expect(humanBytes(4_700_000_000)).toBe("4.7 GB");
    });
});
