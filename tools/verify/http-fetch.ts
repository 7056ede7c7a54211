/**
 * `fetch` over Node's own http/https modules, for the Ollama client (tools/verify/ollama-client.ts)
 * and the app's endpoints: a real Response whose body streams as the bytes arrive (Ollama's NDJSON
 * lines reach the client one by one, so first-token times stay true), one timeout for the whole
 * answer, and failures as ReachErrors (refused, timeout, dns, reset...).
 *
 * Not the global fetch: Node 20's undici gives up on an answer whose headers take more than 300 s
 * (its headersTimeout), and Ollama sends the headers of a generation only once the model is loaded,
 * so a cold load longer than that would fail whatever --generate-timeout says.
 */
import * as http from "http";
import * as https from "https";
import { ReachError, toReachError } from "./reach-error";

/** The fetch signature the Ollama client takes (ollama-js `Config.fetch`: `typeof fetch`). */
export type Fetch = typeof fetch;

/** Extra options for each request: TLS material and headers (the Kubernetes API's credentials). */
export type RequestOptionsFor = (url: URL) => Promise<https.RequestOptions>;

/** Statuses whose Response must have no body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 204, 205, 304]);

function responseHeaders(res: http.IncomingMessage): Headers {
    const headers = new Headers();
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
    return headers;
}

/**
 * A fetch whose every request must be answered completely within `timeoutMs` (headers and body),
 * else it fails with a ReachError of kind `timeout`.
 */
export function httpFetch(timeoutMs: number, optionsFor?: RequestOptionsFor): Fetch {
    return async (input, init) => {
        const request = new Request(input, init);
        const url = new URL(request.url);
        const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
        const extra = optionsFor ? await optionsFor(url) : {};
        const headers: Record<string, string> = { ...Object.fromEntries(request.headers), ...(extra.headers as Record<string, string> | undefined) };
        if (body) headers["content-length"] = String(body.length);
        return new Promise<Response>((resolve, reject) => {
            let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
            let finished = false;
            const fail = (err: unknown) => {
                if (finished) return;
                finished = true;
                clearTimeout(timer);
                const e = toReachError(err);
                if (stream) stream.error(e);
                else reject(e);
                req.destroy();
            };
            const client = url.protocol === "https:" ? https : http;
            const req = client.request(url, { ...extra, method: request.method, headers }, (res) => {
                const status = res.statusCode ?? 0;
                const done = () => {
                    if (finished) return;
                    finished = true;
                    clearTimeout(timer);
                    stream?.close();
                };
                if (NULL_BODY.has(status)) {
                    res.resume();
                    res.on("end", done);
                    resolve(new Response(null, { status, statusText: res.statusMessage, headers: responseHeaders(res) }));
                    return;
                }
                const bodyStream = new ReadableStream<Uint8Array>({
                    start(controller) { stream = controller; },
                    pull() { res.resume(); },
                    cancel() { fail(new ReachError("other", "the answer was not read to its end")); },
                });
                res.on("data", (chunk: Buffer) => {
                    if (finished || !stream) return;
                    stream.enqueue(new Uint8Array(chunk));
                    if ((stream.desiredSize ?? 1) <= 0) res.pause();
                });
                res.on("end", done);
                res.on("aborted", () => fail(new ReachError("reset", "the server closed the connection mid-response")));
                res.on("error", fail);
                resolve(new Response(bodyStream, { status, statusText: res.statusMessage, headers: responseHeaders(res) }));
            });
            const shown = typeof input === "string" ? input : url.href;
            const timer = setTimeout(() => fail(new ReachError("timeout", `no complete answer from ${shown} within ${Math.round(timeoutMs / 100) / 10}s`)), timeoutMs);
            req.on("error", fail);
            request.signal.addEventListener("abort", () => fail(request.signal.reason), { once: true });
            req.end(body);
        });
    };
}

export interface HttpAnswer {
    status: number;
    body: string;
    elapsedMs: number;
}

/** GET with the whole answer read: the app's health endpoint and frontend. */
export async function httpGet(url: string, timeoutMs: number): Promise<HttpAnswer> {
    const started = process.hrtime.bigint();
    if (!URL.canParse(url)) throw new ReachError("other", `not a URL: ${url}`);
    const res = await httpFetch(timeoutMs)(url);
    const body = await res.text();
    return { status: res.status, body, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
}
