/**
 * The router's Caddy configuration (native JSON, stable across Caddy 2.x) for the `scale` stack's
 * front door: the DigitalOcean load balancer terminates HTTPS and forwards plain HTTP here; the
 * router sends `/api/*` to the backend and everything else to the frontend, streaming unbuffered.
 * The health path (`/healthz`) goes to the health responder beside the router in its pod, with a
 * 503 JSON answer when it does not answer (health/caddy-route.ts).
 * Pure: tested by `caddy validate` and by serving real traffic on the real binary
 * (tests/scripts/scale-router.test.ts).
 */
import { healthErrorRoute, healthRoute, HealthRouteArgs } from "../health/caddy-route";

export interface RouterRoutes {
    /** Port the router listens on inside its pod. */
    listenPort: number;
    /** `host:port` of the backend Service. */
    backend: string;
    /** `host:port` of the frontend Service. */
    frontend: string;
    /** Path prefix that goes to the backend (default /api/). */
    apiPrefix: string;
    /** The health responder behind the health path; absent: no health route. */
    health?: HealthRouteArgs;
}

/** The prefix the router sends to the backend on the scale stack (services.proxy.apiPrefix is the Docker door's). */
export const KUBERNETES_API_PREFIX = "/api/";

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

/** A route with the security headers set before its own handlers. */
function withHeaders(route: Record<string, unknown>, headers: Record<string, unknown>): Record<string, unknown> {
    return { ...route, handle: [headers, ...(route.handle as unknown[])] };
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
                            ...(r.health ? [withHeaders(healthRoute(r.health), headers)] : []),
                            { match: [{ path: [`${prefix}*`] }], handle: [headers, proxyTo(r.backend)], terminal: true },
                            { handle: [headers, proxyTo(r.frontend)] },
                        ],
                        ...(r.health ? { errors: { routes: [healthErrorRoute({ path: r.health.path })] } } : {}),
                    },
                },
            },
        },
    };
}
