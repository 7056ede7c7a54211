/**
 * HTTP from this machine with a timeout on every call: a plain GET, and a POST whose response is
 * read line by line as it streams (Ollama's NDJSON), with the arrival time of each line.
 */
import * as http from "http";
import * as https from "https";
import { ReachError, toReachError } from "./reach-error";

export interface HttpAnswer {
    status: number;
    body: string;
    elapsedMs: number;
}

/** Called for each complete line of a streamed body, with ms since the request started. */
export type LineHandler = (line: string, atMs: number) => void;

function request(url: string, method: "GET" | "POST", body: string | undefined, timeoutMs: number, onLine?: LineHandler): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const sinceStart = () => Number(process.hrtime.bigint() - started) / 1e6;
        let parsed: URL;
        try {
            parsed = new URL(url);
        } catch {
            reject(new ReachError("other", `not a URL: ${url}`));
            return;
        }
        const client = parsed.protocol === "https:" ? https : http;
        let settled = false;
        const fail = (err: unknown) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            reject(toReachError(err));
        };
        const req = client.request(parsed, {
            method,
            headers: body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
        }, (res) => {
            let text = "";
            let pending = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
                text += chunk;
                if (!onLine) return;
                pending += chunk;
                let nl: number;
                while ((nl = pending.indexOf("\n")) >= 0) {
                    const line = pending.slice(0, nl).trim();
                    pending = pending.slice(nl + 1);
                    if (line) onLine(line, sinceStart());
                }
            });
            res.on("end", () => {
                if (settled) return;
                if (onLine && pending.trim()) onLine(pending.trim(), sinceStart());
                settled = true;
                clearTimeout(timer);
                resolve({ status: res.statusCode ?? 0, body: text, elapsedMs: sinceStart() });
            });
            res.on("error", fail);
            res.on("aborted", () => fail(new ReachError("reset", "the server closed the connection mid-response")));
        });
        const timer = setTimeout(() => {
            fail(new ReachError("timeout", `no complete answer from ${url} within ${Math.round(timeoutMs / 100) / 10}s`));
            req.destroy();
        }, timeoutMs);
        req.on("error", fail);
        if (body !== undefined) req.write(body);
        req.end();
    });
}

export function httpGet(url: string, timeoutMs: number): Promise<HttpAnswer> {
    return request(url, "GET", undefined, timeoutMs);
}

export function httpPostStream(url: string, body: string, timeoutMs: number, onLine: LineHandler): Promise<HttpAnswer> {
    return request(url, "POST", body, timeoutMs, onLine);
}
