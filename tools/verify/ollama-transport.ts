/**
 * How verify talks to Ollama: directly from this machine when the stack publishes a URL for it,
 * or through a client inside a container (the backend, at its own OLLAMA_BASE_URL) when Ollama is
 * only reachable on the app network. Checks use this interface and never care which.
 */
import { requestInContainer, ContainerClient } from "./container-client";
import { DockerCli } from "./docker";
import { httpGet, httpPostStream, LineHandler } from "./http";
import { GenerateStats, parseGenerateLine } from "./ollama-api";
import { ReachError } from "./reach-error";

export interface GenerateRequest {
    model: string;
    prompt: string;
    options?: Record<string, number | string | boolean>;
}

export interface GenerationResult {
    text: string;
    stats?: GenerateStats;
    /** ms from sending the request to the first non-empty piece of text. */
    ttftMs?: number;
    elapsedMs: number;
}

export interface OllamaTransport {
    /** For people: where requests go and from where. */
    readonly via: string;
    /** GET a path; resolves with the body of a 2xx answer, rejects with a ReachError otherwise. */
    get(path: string, timeoutMs: number): Promise<string>;
    /** POST a body and stream the answer line by line. */
    postStream(path: string, body: string, timeoutMs: number, onLine: LineHandler): Promise<{ status: number; body: string }>;
}

const join = (base: string, path: string) => base.replace(/\/+$/, "") + path;

function requireOk(status: number, body: string, what: string): void {
    if (status < 200 || status >= 300) {
        let message = body.trim().slice(0, 200);
        try {
            const parsed = JSON.parse(body) as { error?: unknown };
            if (typeof parsed.error === "string") message = parsed.error;
        } catch { /* not JSON: keep the text */ }
        throw new ReachError("http", `${what} answered HTTP ${status}: ${message}`, status);
    }
}

/** Ollama at a URL reachable from this machine. */
export function directTransport(baseUrl: string): OllamaTransport {
    return {
        via: `${baseUrl} from this machine`,
        async get(path, timeoutMs) {
            const r = await httpGet(join(baseUrl, path), timeoutMs);
            requireOk(r.status, r.body, path);
            return r.body;
        },
        async postStream(path, body, timeoutMs, onLine) {
            const r = await httpPostStream(join(baseUrl, path), body, timeoutMs, onLine);
            return { status: r.status, body: r.body };
        },
    };
}

/** Ollama at `baseUrl` as seen from inside `container`, through `client` (found by findWorkingClient). */
export function inContainerTransport(docker: DockerCli, container: string, client: ContainerClient, baseUrl: string): OllamaTransport {
    return {
        via: `${baseUrl} from inside ${container} (${client})`,
        async get(path, timeoutMs) {
            const r = await requestInContainer(docker, container, client, join(baseUrl, path), timeoutMs);
            requireOk(r.status, r.body, path);
            return r.body;
        },
        async postStream(path, body, timeoutMs, onLine) {
            const r = await requestInContainer(docker, container, client, join(baseUrl, path), timeoutMs, body, onLine);
            return { status: r.status, body: r.body };
        },
    };
}

/** One streamed generation: text, Ollama's own counters, and the time to the first token as seen from here. */
export async function generate(transport: OllamaTransport, request: GenerateRequest, timeoutMs: number): Promise<GenerationResult> {
    let text = "";
    let ttftMs: number | undefined;
    let stats: GenerateStats | undefined;
    let error: string | undefined;
    let sawDone = false;
    const started = Date.now();
    const r = await transport.postStream("/api/generate", JSON.stringify({ ...request, stream: true }), timeoutMs, (line, atMs) => {
        let chunk;
        try {
            chunk = parseGenerateLine(line);
        } catch {
            return;
        }
        if (chunk.error) error = chunk.error;
        if (chunk.response && ttftMs === undefined) ttftMs = atMs;
        text += chunk.response;
        if (chunk.done) {
            sawDone = true;
            stats = chunk.stats;
        }
    });
    requireOk(r.status, r.body, "/api/generate");
    if (error) throw new ReachError("http", `/api/generate: ${error}`);
    if (!sawDone) throw new ReachError("reset", "/api/generate stopped before its final chunk (the server went away mid-generation?)");
    return { text, stats, ttftMs, elapsedMs: Date.now() - started };
}
