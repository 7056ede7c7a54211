import { clientCommand, interpretClientRun, needsStdin } from "../../tools/verify/container-client";
import { classifyFailureText } from "../../tools/verify/reach-error";

describe("HTTP clients inside a container", () => {
    test("commands: timeouts, POST body on stdin except for wget", () => {
        expect(clientCommand("curl", "http://ollama:11434/api/version", 5)).toEqual(
            ["curl", "-sS", "-N", "--max-time", "5", "-w", "\n__HTTP_STATUS__%{http_code}\n", "http://ollama:11434/api/version"]);
        expect(clientCommand("wget", "http://x/api/generate", 9.6, "{}")).toEqual(
            ["wget", "-q", "-O", "-", "-T", "10", "--header", "Content-Type: application/json", "--post-data", "{}", "http://x/api/generate"]);
        expect(clientCommand("python3", "http://x/", 3).slice(0, 2)).toEqual(["python3", "-c"]);
        expect(clientCommand("node", "http://x/", 3, "{}").slice(-3)).toEqual(["http://x/", "3", "post"]);
        expect(needsStdin("wget", "{}")).toBe(false);
        expect(needsStdin("curl", "{}")).toBe(true);
        expect(needsStdin("node", undefined)).toBe(false);
    });

    test("a client that is not in the image", () => {
        const r = interpretClientRun("curl", 127, "", 'OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown', false, 5);
        expect(r.outcome).toBe("missing");
        // docker 28 against engine 20.10 prints it on stdout
        expect(interpretClientRun("python3", 126, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "python3": executable file not found in $PATH: unknown\n', "", false, 5).outcome).toBe("missing");
    });

    test("an answer with the status trailer; curl's status 0 means no connection", () => {
        expect(interpretClientRun("curl", 0, '{"version":"0.12.6"}\n__HTTP_STATUS__200\n', "", false, 5))
            .toMatchObject({ outcome: "answered", status: 200, body: '{"version":"0.12.6"}' });
        expect(interpretClientRun("curl", 7, "\n__HTTP_STATUS__000\n", "curl: (7) Failed to connect to host.docker.internal port 11434: Connection refused", false, 5))
            .toMatchObject({ outcome: "failed", kind: "refused" });
    });

    test("wget: success without a trailer is HTTP 200; an HTTP error is still an answer", () => {
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
