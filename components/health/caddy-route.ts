/**
 * The health route of a Caddy front door (prod's proxy and scale's router take the same two
 * pieces), in Caddy's native JSON (read against caddyserver/caddy v2.11.4, and v2.6.2, the Caddy
 * the tests run):
 * - a terminal route for HEALTH_PATH, placed before authentication and before the app's routes:
 *   GET and HEAD are rewritten to the CGI path and proxied to the responder (one try, no retries:
 *   reverse_proxy's LoadBalancing defaults, reverseproxy.go); any other method gets 405. Nothing
 *   on that path ever reaches the frontend or the backend;
 * - at most `max_requests` probes at once reach the responder (hosts.go Upstream.Full); beyond, and
 *   when it is down (dial refused, name gone) or slower than the answer timeout, reverse_proxy
 *   returns an error (503 "no upstreams available", 502, 504) instead of a response;
 * - an error route for HEALTH_PATH in the server's `errors`: Caddy runs it with the original URL
 *   restored (server.go, "restore original request before invoking error handler chain") and
 *   answers 503 with a JSON body in the health contract, so an uptime check sees a clear failure,
 *   never a bare 502. Errors on other paths match no route and keep their status as before
 *   (errorEmptyHandler in routes.go writes the error's own status code). A 503 the responder itself
 *   answers is a response, not an error (handle_errors docs: reverse_proxy's error statuses do not
 *   trigger error routes), so it passes through unchanged.
 */
import { HEALTH_CGI_PATH, HEALTH_PATH } from "./responder";

type Json = Record<string, unknown>;

/** Probes the responder serves at once; beyond, the front door answers 503 itself. */
export const HEALTH_MAX_CONCURRENT_PROBES = 16;

export interface HealthRouteArgs {
    /** `host:port` the responder listens on (`health:8081`, `127.0.0.1:8081`). */
    dial: string;
    /** Seconds to wait for the responder's answer (responderAnswerTimeoutSeconds). */
    answerTimeoutSeconds: number;
    /** The path; HEALTH_PATH unless configured otherwise. */
    path?: string;
}

const NO_STORE = { "Content-Type": ["application/json"], "Cache-Control": ["no-store"] };

/** The route for the health path (terminal: nothing after it sees the request). */
export function healthRoute(a: HealthRouteArgs): Json {
    const path = a.path ?? HEALTH_PATH;
    return {
        match: [{ path: [path] }],
        handle: [{
            handler: "subroute",
            routes: [
                {
                    match: [{ method: ["GET", "HEAD"] }],
                    handle: [
                        { handler: "rewrite", uri: HEALTH_CGI_PATH },
                        {
                            handler: "reverse_proxy",
                            upstreams: [{ dial: a.dial, max_requests: HEALTH_MAX_CONCURRENT_PROBES }],
                            transport: { protocol: "http", dial_timeout: "2s", response_header_timeout: `${a.answerTimeoutSeconds}s` },
                        },
                    ],
                    terminal: true,
                },
                {
                    handle: [{
                        handler: "static_response",
                        status_code: 405,
                        headers: { Allow: ["GET, HEAD"], "Content-Type": ["text/plain; charset=utf-8"] },
                        body: `${path} answers GET and HEAD only\n`,
                    }],
                },
            ],
        }],
        terminal: true,
    };
}

/** The body the front door answers with when the responder does not answer (see contract.ts). */
export const RESPONDER_DOWN_REASON =
    "the health responder did not answer (proxyStatus 502: down or restarting; 503: too many probes at once; 504: too slow)";

/**
 * The error route for the health path: a 503 in the health contract. `{http.error.status_code}`
 * is a number Caddy sets for every handler error (server.go HTTPErrorConfig.WithError).
 */
export function healthErrorRoute(a: { path?: string; hosts?: string[] }): Json {
    const body = `{"status":"failing","failed":["responder"],"checks":{"responder":{"ok":false,"reason":${JSON.stringify(RESPONDER_DOWN_REASON)},` +
        `"proxyStatus":{http.error.status_code}}},"lastOllamaRequestAt":null}\n`;
    return {
        match: [{ path: [a.path ?? HEALTH_PATH], ...(a.hosts ? { host: a.hosts } : {}) }],
        handle: [{ handler: "static_response", status_code: 503, headers: NO_STORE, body }],
        terminal: true,
    };
}
