/**
 * HTTP from inside a container, with whatever client its image has: curl, wget, python, node, tried
 * in that order. Each command prints the body and, when the client can, a trailer line with the
 * HTTP status; failures are classified like the host's (refused, dns, timeout...).
 */
import { DockerCli } from "./docker";
import { LineHandler } from "./http";
import { classifyFailureText, ReachError, ReachFailureKind } from "./reach-error";

export const CLIENTS = ["curl", "wget", "python3", "python", "node"] as const;
export type ContainerClient = (typeof CLIENTS)[number];

const STATUS_MARK = "__HTTP_STATUS__";

const PYTHON_SCRIPT = [
    "import sys, urllib.request, urllib.error",
    "u, t, post = sys.argv[1], float(sys.argv[2]), len(sys.argv) > 3",
    "d = sys.stdin.buffer.read() if post else None",
    "try:",
    "    r = urllib.request.urlopen(urllib.request.Request(u, data=d, headers={'Content-Type': 'application/json'}), timeout=t)",
    "except urllib.error.HTTPError as e:",
    "    r = e",
    "except Exception as e:",
    "    sys.stderr.write('%s: %s\\n' % (type(e).__name__, e)); sys.exit(7)",
    "for line in r:",
    "    sys.stdout.buffer.write(line); sys.stdout.flush()",
    `sys.stdout.write('\\n${STATUS_MARK}%d\\n' % r.getcode())`,
].join("\n");

const NODE_SCRIPT = [
    "const [u, t, post] = process.argv.slice(1);",
    "const h = require(u.startsWith('https') ? 'https' : 'http');",
    "let body = '';",
    "const go = () => {",
    "  const q = h.request(u, { method: post ? 'POST' : 'GET', timeout: Number(t) * 1000, headers: post ? { 'Content-Type': 'application/json' } : {} }, (r) => {",
    "    r.on('data', (c) => process.stdout.write(c));",
    `    r.on('end', () => process.stdout.write('\\n${STATUS_MARK}' + r.statusCode + '\\n'));`,
    "  });",
    "  q.on('timeout', () => q.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));",
    "  q.on('error', (e) => { process.stderr.write((e.code && !e.message.includes(e.code) ? e.code + ' ' : '') + e.message + '\\n'); process.exit(7); });",
    "  q.end(post ? body : undefined);",
    "};",
    "if (post) { process.stdin.on('data', (c) => { body += c; }); process.stdin.on('end', go); } else go();",
].join("\n");

/** Arguments after `docker exec [-i] <container>` for one client; the POST body goes on stdin except for wget. */
export function clientCommand(client: ContainerClient, url: string, timeoutSeconds: number, postBody?: string): string[] {
    const t = String(Math.max(1, Math.round(timeoutSeconds)));
    switch (client) {
        case "curl":
            return ["curl", "-sS", "-N", "--max-time", t, "-w", `\n${STATUS_MARK}%{http_code}\n`,
                ...(postBody === undefined ? [] : ["-H", "Content-Type: application/json", "--data-binary", "@-"]), url];
        case "wget":
            return ["wget", "-q", "-O", "-", "-T", t,
                ...(postBody === undefined ? [] : ["--header", "Content-Type: application/json", "--post-data", postBody]), url];
        case "python3":
        case "python":
            return [client, "-c", PYTHON_SCRIPT, url, t, ...(postBody === undefined ? [] : ["post"])];
        case "node":
            return ["node", "-e", NODE_SCRIPT, url, t, ...(postBody === undefined ? [] : ["post"])];
    }
}

/** True when the command reaches stdin (`docker exec -i`). */
export function needsStdin(client: ContainerClient, postBody?: string): boolean {
    return postBody !== undefined && client !== "wget";
}

export type AttemptOutcome = "missing" | "crashed" | "failed" | "answered";

export interface ClientAttempt {
    client: ContainerClient;
    outcome: AttemptOutcome;
    /** For `failed`: what kind of network failure. */
    kind?: ReachFailureKind;
    /** HTTP status when answered (wget without an error: 200). */
    status?: number;
    /** Body without the status trailer, when answered. */
    body?: string;
    /** One line for people: the client's own error, or "answered HTTP 200". */
    detail: string;
    elapsedMs: number;
}

/** Interprets one client run (exit code and output) into an attempt. Pure, so it is unit tested. */
export function interpretClientRun(client: ContainerClient, code: number | null, stdout: string, stderr: string, timedOut: boolean, elapsedMs: number): ClientAttempt {
    const errText = stderr.trim().split("\n").filter(Boolean).slice(-2).join(" ").trim();
    if (timedOut) return { client, outcome: "failed", kind: "timeout", detail: `${client}: no answer before the timeout`, elapsedMs };
    // Docker prints the OCI error of a missing executable on stdout or stderr depending on the version.
    if ((code === 126 || code === 127) && /executable file not found|no such file or directory|not found/i.test(`${errText} ${stdout}`)) {
        return { client, outcome: "missing", detail: `${client}: not installed in the container`, elapsedMs };
    }
    const mark = stdout.lastIndexOf(STATUS_MARK);
    if (mark >= 0) {
        const status = Number(stdout.slice(mark + STATUS_MARK.length).trim().split(/\s/)[0]);
        const body = stdout.slice(0, mark).replace(/\n$/, "");
        if (client === "curl" && status === 0) {
            const kind = classifyFailureText(errText);
            return { client, outcome: "failed", kind, detail: `${client}: ${errText || "no HTTP answer"}`, elapsedMs };
        }
        return { client, outcome: "answered", status, body, detail: `${client}: answered HTTP ${status}`, elapsedMs };
    }
    if (code === 0) return { client, outcome: "answered", status: 200, body: stdout, detail: `${client}: answered`, elapsedMs };
    const httpStatus = /(?:server returned error: HTTP\/[\d.]+ |ERROR )(\d{3})/.exec(errText);
    if (httpStatus) {
        return { client, outcome: "answered", status: Number(httpStatus[1]), body: stdout, detail: `${client}: answered HTTP ${httpStatus[1]}`, elapsedMs };
    }
    if (code !== null && code >= 128 && !errText) {
        return { client, outcome: "crashed", detail: `${client}: crashed (exit ${code}, signal ${code - 128}) without an answer`, elapsedMs };
    }
    const kind = classifyFailureText(errText);
    return { client, outcome: kind === "other" && !errText ? "crashed" : "failed", kind, detail: `${client}: ${errText || `exit ${code}`}`, elapsedMs };
}

/** Kinds that say the network, not the client, is the problem: no point trying another client. */
const NETWORK_KINDS: ReachFailureKind[] = ["refused", "timeout", "dns", "unreachable", "reset"];

export interface ClientSearch {
    /** The client that got an HTTP answer, if any. */
    working?: ContainerClient;
    answer?: ClientAttempt;
    attempts: ClientAttempt[];
}

/** GETs `url` from inside the container with each client in turn until one gets an answer or a clear network failure. */
export async function findWorkingClient(docker: DockerCli, container: string, url: string, timeoutMs: number): Promise<ClientSearch> {
    const attempts: ClientAttempt[] = [];
    for (const client of CLIENTS) {
        if (client === "python" && attempts.some((a) => a.client === "python3" && a.outcome !== "missing")) continue;
        const r = await docker.run(["exec", container, ...clientCommand(client, url, timeoutMs / 1000)], { timeoutMs: timeoutMs + 5000 });
        const attempt = interpretClientRun(client, r.code, r.stdout, r.stderr, r.timedOut, r.elapsedMs);
        attempts.push(attempt);
        if (attempt.outcome === "answered") return { working: client, answer: attempt, attempts };
        if (attempt.outcome === "failed" && attempt.kind && NETWORK_KINDS.includes(attempt.kind)) return { attempts };
    }
    return { attempts };
}

/** One request through a known client inside a container; lines of the body are streamed to onLine. */
export async function requestInContainer(docker: DockerCli, container: string, client: ContainerClient, url: string,
    timeoutMs: number, postBody?: string, onLine?: LineHandler): Promise<{ status: number; body: string; elapsedMs: number }> {
    const args = ["exec", ...(needsStdin(client, postBody) ? ["-i"] : []), container, ...clientCommand(client, url, timeoutMs / 1000, postBody)];
    const filtered: LineHandler | undefined = onLine
        ? (line, at) => { if (!line.startsWith(STATUS_MARK)) onLine(line, at); }
        : undefined;
    const r = await docker.run(args, { timeoutMs: timeoutMs + 5000, input: needsStdin(client, postBody) ? postBody : undefined, onLine: filtered });
    const attempt = interpretClientRun(client, r.code, r.stdout, r.stderr, r.timedOut, r.elapsedMs);
    if (attempt.outcome !== "answered") {
        throw new ReachError(attempt.kind ?? "other", `${attempt.detail} (inside ${container})`);
    }
    return { status: attempt.status ?? 0, body: attempt.body ?? "", elapsedMs: r.elapsedMs };
}
