/**
 * HTTP from inside a container, as a `fetch`: the request goes through `docker exec` to whatever
 * client the image has (curl, wget, python, node, tried in that order) and comes back as a real
 * Response whose body streams as the client prints it. This is how verify asks Ollama from inside
 * the backend container (at the backend's own OLLAMA_BASE_URL), and how it reaches an Ollama that
 * publishes no port on this machine.
 *
 * Each client prints the answer's head first (status line and headers, as HTTP/1.1 writes them:
 * `curl -i`, and the python and node scripts below) and then the body as it arrives, so the
 * Response exists as soon as the head is in. wget cannot print a head; it writes a body only for a
 * 2xx answer (without --content-on-error), so its first byte means HTTP 200, and a failed answer's
 * status comes from its error line. Failures are classified like the host's (refused, dns,
 * timeout...); a client that is missing or crashes says so, and the next one is tried.
 */
import { DockerCli } from "./docker";
import { Fetch } from "./http-fetch";
import { classifyFailureText, ReachError, ReachFailureKind } from "./reach-error";

export const CLIENTS = ["curl", "wget", "python3", "python", "node"] as const;
export type ContainerClient = (typeof CLIENTS)[number];

/** What a client is asked to send. */
export interface ClientRequest {
    method: string;
    url: string;
    headers: Record<string, string>;
    /** Sent on stdin (wget: on its command line). */
    body?: string;
}

const PYTHON_SCRIPT = [
    "import sys, json, urllib.request, urllib.error",
    "u, t, m, h = sys.argv[1], float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])",
    "d = sys.stdin.buffer.read() if m == 'POST' else None",
    "try:",
    "    r = urllib.request.urlopen(urllib.request.Request(u, data=d, headers=h, method=m), timeout=t)",
    "except urllib.error.HTTPError as e:",
    "    r = e",
    "except Exception as e:",
    "    sys.stderr.write('%s: %s\\n' % (type(e).__name__, e)); sys.exit(7)",
    "o = sys.stdout.buffer",
    "o.write(('HTTP/1.1 %d %s\\r\\n' % (r.getcode(), r.reason or '')).encode('latin-1', 'replace'))",
    "for k, v in r.headers.items():",
    "    o.write(('%s: %s\\r\\n' % (k, v)).encode('latin-1', 'replace'))",
    "o.write(b'\\r\\n'); o.flush()",
    "try:",
    "    for line in r:",
    "        o.write(line); o.flush()",
    "except Exception as e:",
    "    sys.stderr.write('%s: %s\\n' % (type(e).__name__, e)); sys.exit(7)",
].join("\n");

const NODE_SCRIPT = [
    "const [u, t, m, h] = process.argv.slice(1);",
    "const c = require(u.startsWith('https') ? 'https' : 'http');",
    "const fail = (e) => { process.stderr.write((e.code && !e.message.includes(e.code) ? e.code + ' ' : '') + e.message + '\\n'); process.exit(7); };",
    "const go = (body) => {",
    "  const q = c.request(u, { method: m, timeout: Number(t) * 1000, headers: JSON.parse(h) }, (r) => {",
    "    let head = 'HTTP/1.1 ' + r.statusCode + ' ' + (r.statusMessage || '') + '\\r\\n';",
    "    for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) head += r.rawHeaders[i] + ': ' + r.rawHeaders[i + 1] + '\\r\\n';",
    "    process.stdout.write(head + '\\r\\n');",
    "    r.on('data', (d) => process.stdout.write(d));",
    "    r.on('aborted', () => fail(Object.assign(new Error('connection reset mid-response'), { code: 'ECONNRESET' })));",
    "  });",
    "  q.on('timeout', () => q.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));",
    "  q.on('error', fail);",
    "  q.end(body);",
    "};",
    "if (m === 'POST') { let b = ''; process.stdin.on('data', (d) => { b += d; }); process.stdin.on('end', () => go(b)); } else go();",
].join("\n");

/** Headers a client sets itself from the request line and body. */
const OWN_HEADERS = new Set(["content-length", "host", "connection"]);

/** Arguments after `docker exec [-i] <container>` for one client; the body goes on stdin except for wget. */
export function clientCommand(client: ContainerClient, request: ClientRequest, timeoutSeconds: number): string[] {
    const t = String(Math.max(1, Math.round(timeoutSeconds)));
    const headers = Object.entries(request.headers).filter(([k]) => !OWN_HEADERS.has(k.toLowerCase()));
    const post = request.body !== undefined;
    switch (client) {
        case "curl":
            // -i: the head before the body; -N: no buffering; `Expect:`: no 100-continue round trip.
            return ["curl", "-sS", "-N", "-i", "--max-time", t, "-X", request.method, "-H", "Expect:",
                ...headers.flatMap(([k, v]) => ["-H", `${k}: ${v}`]), ...(post ? ["--data-binary", "@-"] : []), request.url];
        case "wget":
            return ["wget", "-q", "-O", "-", "-T", t,
                ...headers.flatMap(([k, v]) => (k.toLowerCase() === "user-agent" ? ["-U", v] : ["--header", `${k}: ${v}`])),
                ...(post ? ["--post-data", request.body as string] : []), request.url];
        case "python3":
        case "python":
            return [client, "-c", PYTHON_SCRIPT, request.url, t, request.method, JSON.stringify(Object.fromEntries(headers))];
        case "node":
            return ["node", "-e", NODE_SCRIPT, request.url, t, request.method, JSON.stringify(Object.fromEntries(headers))];
    }
}

/** True when the command reads the body on stdin (`docker exec -i`). */
export function needsStdin(client: ContainerClient, request: ClientRequest): boolean {
    return request.body !== undefined && client !== "wget";
}

/** A parsed answer head: status, reason, headers, and where the body starts in the text. */
export interface AnswerHead {
    status: number;
    statusText: string;
    headers: [string, string][];
    bodyStart: number;
}

/**
 * The final head at the start of `text` (interim 1xx heads skipped), or undefined while it is not
 * complete. Lines end in CRLF as HTTP writes them; a bare LF is accepted too.
 */
export function parseHead(text: string): AnswerHead | undefined {
    let at = 0;
    for (;;) {
        const end = /\r?\n\r?\n/.exec(text.slice(at));
        if (!end) return undefined;
        const lines = text.slice(at, at + end.index).split(/\r?\n/);
        const statusLine = /^HTTP\/\S+ (\d{3})(?: (.*))?$/.exec(lines[0]);
        if (!statusLine) return undefined;
        const status = Number(statusLine[1]);
        const next = at + end.index + end[0].length;
        if (status >= 100 && status < 200) {
            at = next;
            continue;
        }
        const headers = lines.slice(1).map((l): [string, string] => {
            const colon = l.indexOf(":");
            return colon > 0 ? [l.slice(0, colon).trim(), l.slice(colon + 1).trim()] : [l.trim(), ""];
        }).filter(([k]) => k !== "");
        return { status, statusText: statusLine[2] ?? "", headers, bodyStart: next };
    }
}

export type AttemptOutcome = "missing" | "crashed" | "failed" | "answered";

export interface ClientAttempt {
    client: ContainerClient;
    outcome: AttemptOutcome;
    /** For `failed`: what kind of network failure. */
    kind?: ReachFailureKind;
    /** HTTP status when answered. */
    status?: number;
    /** One line for people: the client's own error, or "answered HTTP 200". */
    detail: string;
    elapsedMs: number;
}

/**
 * What a client run that printed no answer head says: the client is missing, crashed, could not
 * reach the server (and why), or (wget) got an HTTP error status. Pure, so it is unit tested.
 */
export function interpretClientRun(client: ContainerClient, code: number | null, stdout: string, stderr: string, timedOut: boolean, elapsedMs: number): ClientAttempt {
    const errText = stderr.trim().split("\n").filter(Boolean).slice(-2).join(" ").trim();
    if (timedOut) return { client, outcome: "failed", kind: "timeout", detail: `${client}: no answer before the timeout`, elapsedMs };
    // Docker prints the OCI error of a missing executable on stdout or stderr depending on the version.
    if ((code === 126 || code === 127) && /executable file not found|no such file or directory|not found/i.test(`${errText} ${stdout}`)) {
        return { client, outcome: "missing", detail: `${client}: not installed in the container`, elapsedMs };
    }
    if (code === 0) return { client, outcome: "answered", status: 200, detail: `${client}: answered`, elapsedMs };
    const httpStatus = /(?:server returned error: HTTP\/[\d.]+ |ERROR )(\d{3})/.exec(errText);
    if (httpStatus) {
        return { client, outcome: "answered", status: Number(httpStatus[1]), detail: `${client}: answered HTTP ${httpStatus[1]}`, elapsedMs };
    }
    if (code !== null && code >= 128 && !errText) {
        return { client, outcome: "crashed", detail: `${client}: crashed (exit ${code}, signal ${code - 128}) without an answer`, elapsedMs };
    }
    const kind = classifyFailureText(errText);
    return { client, outcome: kind === "other" && !errText ? "crashed" : "failed", kind, detail: `${client}: ${errText || `exit ${code}`}`, elapsedMs };
}

/** The request could not be carried: the client is missing, crashed, or could not reach the server. */
export class ContainerClientError extends ReachError {
    constructor(public readonly attempt: ClientAttempt, container: string) {
        super(attempt.kind ?? "other", `${attempt.detail} (inside ${container})`);
        this.name = "ContainerClientError";
    }
}

/**
 * A fetch that carries each request through `docker exec <container> <client> ...`. Every request
 * must be answered within `timeoutMs` (the client's own timeout; the docker command gets 5 s more).
 */
export function containerFetch(docker: DockerCli, container: string, client: ContainerClient, timeoutMs: number): Fetch {
    return async (input, init) => {
        const r = new Request(input, init);
        const request: ClientRequest = {
            method: r.method, url: r.url, headers: Object.fromEntries(r.headers),
            body: r.method === "GET" || r.method === "HEAD" ? undefined : await r.text(),
        };
        const stdin = needsStdin(client, request);
        const args = ["exec", ...(stdin ? ["-i"] : []), container, ...clientCommand(client, request, timeoutMs / 1000)];
        const encoder = new TextEncoder();
        return new Promise<Response>((resolve, reject) => {
            let text = "";
            let head: AnswerHead | undefined;
            let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
            /** The reader cancelled the body: nothing more goes into it. */
            let cancelled = false;
            const kill = new AbortController();
            /** Resolves the fetch with the answer's head; its body streams through the returned controller. */
            const answer = (status: number, statusText: string, headers: [string, string][], first: string): ReadableStreamDefaultController<Uint8Array> => {
                let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
                const body = new ReadableStream<Uint8Array>({
                    start(c) { controller = c; },
                    cancel() {
                        cancelled = true;
                        kill.abort();
                    },
                });
                if (!controller) throw new Error("ReadableStream did not start");
                if (first) controller.enqueue(encoder.encode(first));
                stream = controller;
                resolve(new Response([204, 205, 304].includes(status) ? null : body, { status, statusText, headers }));
                return controller;
            };
            r.signal.addEventListener("abort", () => kill.abort(), { once: true });
            docker.run(args, {
                timeoutMs: timeoutMs + 5000,
                input: stdin ? request.body : undefined,
                signal: kill.signal,
                onData: (chunk) => {
                    if (stream) {
                        if (!cancelled) stream.enqueue(encoder.encode(chunk));
                        return;
                    }
                    text += chunk;
                    if (client === "wget") {
                        answer(200, "OK", [], text);
                        return;
                    }
                    head = parseHead(text);
                    if (head) answer(head.status, head.statusText, head.headers, text.slice(head.bodyStart));
                },
            }).then((run) => {
                if (stream) {
                    // The answer had begun: the run's end is the body's end, or the failure that cut it short.
                    if (cancelled) return;
                    if (run.code === 0) stream.close();
                    else {
                        const cut = interpretClientRun(client, run.code, "", run.stderr, run.timedOut, run.elapsedMs);
                        stream.error(new ReachError(cut.kind ?? "reset", `${cut.detail} (inside ${container}, mid-answer)`));
                    }
                    return;
                }
                const attempt = interpretClientRun(client, run.code, run.stdout, run.stderr, run.timedOut, run.elapsedMs);
                if (attempt.outcome === "answered" && client === "wget") {
                    answer(attempt.status ?? 200, "", [], "").close();
                    return;
                }
                if (attempt.outcome === "answered") {
                    // A client that ends cleanly without a head printed something that is not HTTP.
                    reject(new ReachError("bad-response", `${client}: printed no HTTP answer (${JSON.stringify(run.stdout.slice(0, 80))}) (inside ${container})`));
                    return;
                }
                reject(new ContainerClientError(attempt, container));
            }, reject);
        });
    };
}

/** Kinds that say the network, not the client, is the problem: no point trying another client. */
export const NETWORK_KINDS: readonly ReachFailureKind[] = ["refused", "timeout", "dns", "unreachable", "reset"];
