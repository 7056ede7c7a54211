/**
 * The router's Caddy configuration (native JSON, stable across Caddy 2.x) for the `scale` stack's
 * front door: the DigitalOcean load balancer terminates HTTPS and forwards plain HTTP here; the
 * router sends `/api/*` to the backend and everything else to the frontend, streaming unbuffered.
 * Pure: tested by `caddy validate` on the real binary (tests/scripts/scale-router.test.ts).
 */

export interface RouterRoutes {
    /** Port the router listens on inside its pod. */
    listenPort: number;
    /** `host:port` of the backend Service. */
    backend: string;
    /** `host:port` of the frontend Service. */
    frontend: string;
    /** Path prefix that goes to the backend (default /api/). */
    apiPrefix: string;
}

/** Path the load balancer's health check asks; answered by the router itself. */
export const ROUTER_HEALTH_PATH = "/__router/health";

const SECURITY_HEADERS: Record<string, string[]> = {
    // The load balancer only ever serves the app over HTTPS (it redirects port 80).
    "Strict-Transport-Security": ["max-age=31536000; includeSubDomains"],
    "X-Content-Type-Options": ["nosniff"],
    "X-Frame-Options": ["SAMEORIGIN"],
    "Referrer-Policy": ["strict-origin-when-cross-origin"],
};

function proxyTo(upstream: string): Record<string, unknown> {
    return {
        handler: "reverse_proxy",
        upstreams: [{ dial: upstream }],
        // An LLM answer streams for minutes: pass every chunk on at once, and do not cut long reads.
        flush_interval: -1,
        transport: { protocol: "http", read_timeout: "15m", write_timeout: "15m" },
    };
}

export function routerConfig(r: RouterRoutes): Record<string, unknown> {
    const prefix = r.apiPrefix.endsWith("/") ? r.apiPrefix : `${r.apiPrefix}/`;
    const headers = { handler: "headers", response: { set: SECURITY_HEADERS } };
    return {
        admin: { disabled: true },
        apps: {
            http: {
                servers: {
                    router: {
                        listen: [`:${r.listenPort}`],
                        automatic_https: { disable: true },
                        routes: [
                            { match: [{ path: [ROUTER_HEALTH_PATH] }], handle: [{ handler: "static_response", status_code: 200, body: "ok" }], terminal: true },
                            { match: [{ path: [`${prefix}*`] }], handle: [headers, proxyTo(r.backend)], terminal: true },
                            { handle: [headers, proxyTo(r.frontend)] },
                        ],
                    },
                },
            },
        },
    };
}
