/**
 * Ollama's API through its official client (ollama-js, the `ollama` npm package, pinned in
 * package.json) over whichever `fetch` reaches it: from this machine (http-fetch.ts), from inside a
 * container through `docker exec` (container-client.ts), or through the Kubernetes API server's
 * pod proxy (kubernetes/kube-api.ts). Checks use OllamaApi and never care which.
 *
 * Two things are kept from the client's own handling (ollama-js v0.6.3, src/utils.ts and
 * src/browser.ts):
 * - an error answer that is not JSON makes its `checkOk` console.log on stdout, which is verify's
 *   report (and its --json). So the fetch it gets turns every answer that is not 2xx into a
 *   ReachError before the client sees it, with the message verify has always given:
 *   "<path> answered HTTP <status>: <Ollama's error, or the body>".
 * - what it returns is typed but not checked: every value goes through ollama-api.ts's parsers.
 */
import { Ollama, Options } from "ollama";
import { CLIENTS, ClientAttempt, ContainerClient, ContainerClientError, containerFetch, NETWORK_KINDS } from "./container-client";
import { DockerCli } from "./docker";
import { Fetch, httpFetch } from "./http-fetch";
import { ApiShapeError, GenerateStats, OllamaModelEntry, parseGenerateChunk, parsePs, parseTags, parseVersion } from "./ollama-api";
import { ReachError, toReachError } from "./reach-error";

export interface GenerateRequest {
    model: string;
    prompt: string;
    options?: Partial<Options>;
}

export interface GenerationResult {
    text: string;
    stats?: GenerateStats;
    /** ms from sending the request to the first non-empty piece of text. */
    ttftMs?: number;
    elapsedMs: number;
}

/** What ollama-js throws when a stream ends without its final chunk (AbortableAsyncIterator, src/utils.ts). */
const NO_FINAL_CHUNK = "Did not receive done or success response in stream.";

/** The part of `url` after the client's host (its path prefix: a proxy's), as verify names requests. */
function pathAfterHost(url: string, host: string): string {
    const path = new URL(url).pathname;
    const base = new URL(host).pathname.replace(/\/+$/, "");
    return base && path.startsWith(base) ? path.slice(base.length) : path;
}

/** The fetch the client gets: answers that are not 2xx become ReachErrors carrying their status. */
export function okAnswersOnly(fetch: Fetch, host: string): Fetch {
    return async (input, init) => {
        const res = await fetch(input, init);
        if (res.ok) return res;
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        const body = await res.text().catch(() => "");
        let message = body.trim().slice(0, 200);
        try {
            const parsed = JSON.parse(body) as { error?: unknown };
            if (typeof parsed.error === "string") message = parsed.error;
        } catch { /* not JSON: keep the text */ }
        throw new ReachError("http", `${pathAfterHost(url, host)} answered HTTP ${res.status}: ${message}`, res.status);
    };
}

/** A value the client read with response.json(): a body that is not JSON is an ApiShapeError naming the path. */
async function readJson<T>(path: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (err) {
        // By name: Response.json()'s SyntaxError may come from another realm (undici's, under jest).
        const e = err as { name?: unknown; message?: unknown } | null;
        if (e?.name === "SyntaxError") throw new ApiShapeError(`${path} did not return JSON (${String(e.message)})`);
        throw err;
    }
}

export class OllamaApi {
    /**
     * @param via for people: where requests go and from where
     * @param host Ollama's base URL as the fetch sees it
     * @param fetchWithin a fetch whose requests must be answered within the given ms
     */
    constructor(readonly via: string, private readonly host: string, private readonly fetchWithin: (timeoutMs: number) => Fetch) {}

    private client(timeoutMs: number): Ollama {
        return new Ollama({ host: this.host, fetch: okAnswersOnly(this.fetchWithin(timeoutMs), this.host) });
    }

    async version(timeoutMs: number): Promise<string> {
        return parseVersion(await readJson("/api/version", () => this.client(timeoutMs).version()));
    }

    async tags(timeoutMs: number): Promise<OllamaModelEntry[]> {
        return parseTags(await readJson("/api/tags", () => this.client(timeoutMs).list()));
    }

    async ps(timeoutMs: number): Promise<OllamaModelEntry[]> {
        return parsePs(await readJson("/api/ps", () => this.client(timeoutMs).ps()));
    }

    /**
     * One streamed generation: the text, Ollama's own counters, and the time to the first token as
     * seen from here (the chunks come through the fetch's body as Ollama sends them). Rejects with
     * a ReachError: the HTTP status when Ollama refused it (503: its queue is full), an error Ollama
     * sent mid-stream, or a stream that ended before its final chunk.
     */
    async generate(request: GenerateRequest, timeoutMs: number): Promise<GenerationResult> {
        const started = Date.now();
        let text = "";
        let ttftMs: number | undefined;
        let stats: GenerateStats | undefined;
        try {
            const stream = await this.client(timeoutMs).generate({ ...request, stream: true });
            for await (const part of stream) {
                const chunk = parseGenerateChunk(part);
                if (chunk.response && ttftMs === undefined) ttftMs = Date.now() - started;
                text += chunk.response;
                if (chunk.done) stats = chunk.stats;
            }
        } catch (err) {
            if (err instanceof ReachError || err instanceof ApiShapeError || !(err instanceof Error)) throw err;
            if (err.message === NO_FINAL_CHUNK) throw new ReachError("reset", "/api/generate stopped before its final chunk (the server went away mid-generation?)");
            // ollama-js throws an Error with the `error` field of a chunk Ollama sent mid-stream.
            throw new ReachError("http", `/api/generate: ${err.message}`);
        }
        return { text, stats, ttftMs, elapsedMs: Date.now() - started };
    }
}

/** Ollama at a URL reachable from this machine. */
export function ollamaFromHere(baseUrl: string): OllamaApi {
    return new OllamaApi(`${baseUrl} from this machine`, baseUrl, (timeoutMs) => httpFetch(timeoutMs));
}

/** Ollama at `baseUrl` as seen from inside `container`, through `client` (found by findClientInContainer). */
export function ollamaFromContainer(docker: DockerCli, container: string, client: ContainerClient, baseUrl: string): OllamaApi {
    return new OllamaApi(`${baseUrl} from inside ${container} (${client})`, baseUrl, (timeoutMs) => containerFetch(docker, container, client, timeoutMs));
}

export interface ClientSearch {
    /** The client that got an HTTP answer, if any. */
    working?: ContainerClient;
    /** Its attempt (elapsed time, status). */
    answer?: ClientAttempt;
    /** Ollama's version, when the answer was Ollama's. */
    version?: string;
    /** What was wrong with the answer otherwise (an HTTP error status, not Ollama's JSON). */
    answerError?: ReachError;
    attempts: ClientAttempt[];
}

/**
 * Asks /api/version from inside the container with each client in turn, until one gets an HTTP
 * answer or a clear network failure (then another client would fail the same way).
 */
export async function findClientInContainer(docker: DockerCli, container: string, baseUrl: string, timeoutMs: number): Promise<ClientSearch> {
    const attempts: ClientAttempt[] = [];
    for (const client of CLIENTS) {
        if (client === "python" && attempts.some((a) => a.client === "python3" && a.outcome !== "missing")) continue;
        const started = Date.now();
        try {
            const version = await ollamaFromContainer(docker, container, client, baseUrl).version(timeoutMs);
            const answer: ClientAttempt = { client, outcome: "answered", status: 200, detail: `${client}: answered HTTP 200`, elapsedMs: Date.now() - started };
            attempts.push(answer);
            return { working: client, answer, version, attempts };
        } catch (err) {
            if (err instanceof ContainerClientError) {
                attempts.push(err.attempt);
                if (err.attempt.outcome === "failed" && err.attempt.kind && NETWORK_KINDS.includes(err.attempt.kind)) return { attempts };
                continue;
            }
            const e = toReachError(err);
            const elapsedMs = Date.now() - started;
            if (e.status === undefined && NETWORK_KINDS.includes(e.kind)) {
                // The answer began and was cut short: the network, not the client.
                attempts.push({ client, outcome: "failed", kind: e.kind, detail: `${client}: ${e.detail}`, elapsedMs });
                return { attempts };
            }
            const answer: ClientAttempt = { client, outcome: "answered", status: e.status ?? 200, detail: `${client}: answered HTTP ${e.status ?? 200}`, elapsedMs };
            attempts.push(answer);
            return { working: client, answer, answerError: e, attempts };
        }
    }
    return { attempts };
}
