/**
 * HTTP from inside a container as a fetch: the command each client runs, how its output (head,
 * then body) becomes a Response that streams, and what a run without an answer says. A fake
 * DockerCli plays `docker exec` here (no process); tests/scripts/verify-container-fetch.test.ts
 * runs the real clients against the stand-in Ollama.
 */
import { ClientRequest, clientCommand, ContainerClientError, containerFetch, interpretClientRun, needsStdin, parseHead } from "../../tools/verify/container-client";
import { DockerCli, DockerResult, DockerRunOptions } from "../../tools/verify/docker";
import { classifyFailureText, ReachError } from "../../tools/verify/reach-error";

const GET: ClientRequest = { method: "GET", url: "http://ollama:11434/api/version", headers: { accept: "application/json", "user-agent": "ollama-js/0.6.3" } };
const POST: ClientRequest = { method: "POST", url: "http://x/api/generate", headers: { "content-type": "application/json" }, body: "{}" };

/** `docker exec` played by a script: chunks of stdout at given times, then the exit. */
class FakeDocker extends DockerCli {
    calls: { args: string[]; input?: string }[] = [];
    constructor(private readonly script: { chunks: [number, string][]; code: number | null; stderr?: string; timedOut?: boolean }) {
        super(undefined);
    }

    override run(args: string[], options: DockerRunOptions): Promise<DockerResult> {
        this.calls.push({ args, input: options.input });
        return new Promise((resolve) => {
            let stdout = "";
            let last = 0;
            for (const [at, chunk] of this.script.chunks) {
                last = Math.max(last, at);
                setTimeout(() => { stdout += chunk; options.onData?.(chunk); }, at);
            }
            setTimeout(() => resolve({ code: this.script.code, stdout, stderr: this.script.stderr ?? "", timedOut: this.script.timedOut ?? false, missingCli: false, elapsedMs: last }), last + 5);
        });
    }
}

describe("the command each client runs", () => {
    test("curl prints the head (-i), streams (-N), sends the request's method and headers, the body on stdin", () => {
        expect(clientCommand("curl", GET, 5)).toEqual(["curl", "-sS", "-N", "-i", "--max-time", "5", "-X", "GET", "-H", "Expect:",
            "-H", "accept: application/json", "-H", "user-agent: ollama-js/0.6.3", "http://ollama:11434/api/version"]);
        expect(clientCommand("curl", POST, 9.6)).toEqual(["curl", "-sS", "-N", "-i", "--max-time", "10", "-X", "POST", "-H", "Expect:",
            "-H", "content-type: application/json", "--data-binary", "@-", "http://x/api/generate"]);
        expect(needsStdin("curl", POST)).toBe(true);
    });

    test("wget takes the body on its command line and the user agent with -U", () => {
        expect(clientCommand("wget", { ...POST, headers: { ...POST.headers, "User-Agent": "ua" } }, 9.6)).toEqual(
            ["wget", "-q", "-O", "-", "-T", "10", "--header", "content-type: application/json", "-U", "ua", "--post-data", "{}", "http://x/api/generate"]);
        expect(needsStdin("wget", POST)).toBe(false);
    });

    test("python and node get url, timeout, method and headers as arguments", () => {
        expect(clientCommand("python3", GET, 3).slice(0, 2)).toEqual(["python3", "-c"]);
        expect(clientCommand("node", POST, 3).slice(-4)).toEqual(["http://x/api/generate", "3", "POST", '{"content-type":"application/json"}']);
        expect(needsStdin("node", GET)).toBe(false);
    });
});

describe("the answer's head", () => {
    test("status, reason and headers; interim 100 heads skipped; LF alone accepted", () => {
        const text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nX-A: b: c\r\n\r\n{\"error\":\"busy\"}";
        const head = parseHead(text);
        expect(head).toMatchObject({ status: 503, statusText: "Service Unavailable", headers: [["Content-Type", "application/json"], ["X-A", "b: c"]] });
        expect(text.slice(head?.bodyStart)).toBe('{"error":"busy"}');
        expect(parseHead("HTTP/1.0 200 OK\nA: 1\n\nbody")).toMatchObject({ status: 200, headers: [["A", "1"]] });
        expect(parseHead("HTTP/1.1 200 OK\r\nContent-Type: x")).toBeUndefined();
        expect(parseHead("OCI runtime exec failed\n\n")).toBeUndefined();
    });
});

describe("a run without an answer", () => {
    test("a client that is not in the image", () => {
        const r = interpretClientRun("curl", 127, "", 'OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown', false, 5);
        expect(r.outcome).toBe("missing");
        // docker 28 against engine 20.10 prints it on stdout
        expect(interpretClientRun("python3", 126, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "python3": executable file not found in $PATH: unknown\n', "", false, 5).outcome).toBe("missing");
    });

    test("curl that could not connect", () => {
        expect(interpretClientRun("curl", 7, "", "curl: (7) Failed to connect to host.docker.internal port 11434: Connection refused", false, 5))
            .toMatchObject({ outcome: "failed", kind: "refused" });
    });

    test("wget: success is HTTP 200; an HTTP error is still an answer", () => {
        expect(interpretClientRun("wget", 0, '{"version":"1"}', "", false, 5)).toMatchObject({ outcome: "answered", status: 200 });
        expect(interpretClientRun("wget", 1, "", "wget: server returned error: HTTP/1.1 404 Not Found", false, 5)).toMatchObject({ outcome: "answered", status: 404 });
        expect(interpretClientRun("wget", 1, "", "wget: can't connect to remote host (172.17.0.1): Connection refused", false, 5)).toMatchObject({ outcome: "failed", kind: "refused" });
        expect(interpretClientRun("wget", 1, "", "wget: bad address 'host.docker.internal'", false, 5)).toMatchObject({ outcome: "failed", kind: "dns" });
    });

    test("busybox wget killed by a signal without a word is a crash: try the next client", () => {
        expect(interpretClientRun("wget", 139, "", "", false, 5)).toMatchObject({ outcome: "crashed" });
    });

    test("node and python errors", () => {
        expect(interpretClientRun("node", 7, "", "ECONNREFUSED connect ECONNREFUSED 172.17.0.1:11434", false, 5)).toMatchObject({ outcome: "failed", kind: "refused" });
        expect(interpretClientRun("python3", 7, "", "URLError: <urlopen error [Errno -2] Name or service not known>", false, 5)).toMatchObject({ outcome: "failed", kind: "dns" });
        expect(interpretClientRun("node", null, "", "", true, 5)).toMatchObject({ outcome: "failed", kind: "timeout" });
    });

    test.each([
        ["connect ECONNREFUSED 127.0.0.1:1", "refused"],
        ["curl: (28) Operation timed out after 5001 milliseconds", "timeout"],
        ["getaddrinfo ENOTFOUND ollama", "dns"],
        ["curl: (6) Could not resolve host: ollama", "dns"],
        ["socket hang up", "reset"],
        ["connect EHOSTUNREACH 10.0.0.1:11434", "unreachable"],
        ["something else", "other"],
    ])("%s -> %s", (text, kind) => {
        expect(classifyFailureText(text)).toBe(kind);
    });
});

describe("containerFetch: a Request through docker exec, a Response that streams", () => {
    const HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nDate: now\r\n\r\n";

    test("the Response comes with the head, before the body ends; the lines come as the client prints them", async () => {
        const docker = new FakeDocker({ chunks: [[10, HEAD.slice(0, 20)], [20, `${HEAD.slice(20)}{"response":"a"}\n`], [600, '{"response":"b","done":true}\n']], code: 0 });
        const started = Date.now();
        const res = await containerFetch(docker, "backend", "curl", 5000)("http://ollama:11434/api/generate", { method: "POST", body: '{"model":"m"}', headers: { "Content-Type": "application/json" } });
        const headAt = Date.now() - started;
        // The last chunk comes 600 ms in: the head and the first line must come well before it
        // (a margin that holds on a loaded CI machine; 120 ms did not, once).
        expect(headAt).toBeLessThan(450);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/x-ndjson");
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const seen: [number, string][] = [];
        for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            seen.push([Date.now() - started, new TextDecoder().decode(value)]);
        }
        expect(seen.map(([, t]) => t).join("")).toBe('{"response":"a"}\n{"response":"b","done":true}\n');
        expect(seen[0][0]).toBeLessThan(450);
        expect(seen[seen.length - 1][0]).toBeGreaterThanOrEqual(590);
        expect(docker.calls[0].args.slice(0, 3)).toEqual(["exec", "-i", "backend"]);
        expect(docker.calls[0].input).toBe('{"model":"m"}');
        expect(docker.calls[0].args).toContain("-H");
    });

    test("an error status is a Response like any other (the Ollama client's fetch turns it into a ReachError)", async () => {
        const docker = new FakeDocker({ chunks: [[5, 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\r\n{"error":"server busy"}']], code: 0 });
        const res = await containerFetch(docker, "backend", "node", 5000)("http://ollama:11434/api/generate", { method: "POST", body: "{}" });
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({ error: "server busy" });
    });

    test("wget: its first byte means HTTP 200; an error status comes from its error line", async () => {
        const ok = await containerFetch(new FakeDocker({ chunks: [[5, '{"version":"0.12.6"}']], code: 0 }), "b", "wget", 5000)("http://ollama:11434/api/version");
        expect(ok.status).toBe(200);
        expect(await ok.text()).toBe('{"version":"0.12.6"}');
        const missing = await containerFetch(new FakeDocker({ chunks: [], code: 1, stderr: "wget: server returned error: HTTP/1.1 404 Not Found" }), "b", "wget", 5000)("http://ollama:11434/api/nope");
        expect(missing.status).toBe(404);
    });

    test("no answer: the attempt says why (missing client, refused), as a ReachError of that kind", async () => {
        const missing = containerFetch(new FakeDocker({ chunks: [], code: 127, stderr: 'exec: "curl": executable file not found in $PATH' }), "b", "curl", 5000)("http://ollama:11434/api/version");
        await expect(missing).rejects.toBeInstanceOf(ContainerClientError);
        await expect(missing).rejects.toMatchObject({ attempt: { client: "curl", outcome: "missing" } });
        const refused = containerFetch(new FakeDocker({ chunks: [], code: 7, stderr: "curl: (7) Failed to connect to ollama port 11434: Connection refused" }), "b", "curl", 5000)("http://ollama:11434/api/version");
        await expect(refused).rejects.toMatchObject({ kind: "refused", detail: expect.stringContaining("(inside b)") });
    });

    test("an answer cut short: the body stream fails with the client's reason", async () => {
        const docker = new FakeDocker({ chunks: [[5, `${HEAD}{"response":"a"}\n`]], code: 28, stderr: "curl: (28) Operation timed out after 5000 milliseconds" });
        const res = await containerFetch(docker, "backend", "curl", 5000)("http://ollama:11434/api/generate", { method: "POST", body: "{}" });
        const failure = await res.text().then(() => undefined, (e: unknown) => e);
        expect(failure).toBeInstanceOf(ReachError);
        expect(failure).toMatchObject({ kind: "timeout", detail: expect.stringContaining("mid-answer") });
    });

    test("a body the reader gives up on: the docker command is killed, and what it still prints goes nowhere", async () => {
        const docker = new FakeDocker({ chunks: [[5, `${HEAD}{"response":"a"}\n`], [40, '{"response":"b"}\n'], [60, '{"response":"c","done":true}\n']], code: null });
        let killed = false;
        const run = docker.run.bind(docker);
        docker.run = (args, options) => {
            options.signal?.addEventListener("abort", () => { killed = true; });
            return run(args, options);
        };
        const res = await containerFetch(docker, "backend", "curl", 5000)("http://ollama:11434/api/generate", { method: "POST", body: "{}" });
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        await reader.cancel();
        expect(killed).toBe(true);
        // The later chunks and the exit arrive after the cancel without an error.
        await new Promise((r) => setTimeout(r, 100));
    });
});

