/**
 * Rows 7 and 8: the backend's health endpoint and the frontend answer HTTP 200 (URLs from the stack).
 */
import { adviseHttpEndpoint } from "../advice";
import { CheckId, CheckResult, fail, ms, pass, VerifyContext } from "../check-result";
import { httpGet } from "../http-fetch";
import { toReachError } from "../reach-error";

async function checkEndpoint(ctx: VerifyContext, id: CheckId, what: string, url: string, container: string): Promise<CheckResult> {
    ctx.progress.step(`${what}: GET ${url}`);
    try {
        const r = await httpGet(url, ctx.options.timeoutMs);
        if (r.status === 200) return pass(id, `HTTP 200 from ${url} (${ms(r.elapsedMs)}, ${r.body.length} bytes)`, { url, status: r.status });
        return fail(id, `HTTP ${r.status} from ${url}`, adviseHttpEndpoint(what, url, container, undefined, r.status), { url, status: r.status });
    } catch (err) {
        const e = toReachError(err);
        return fail(id, `${url}: ${e.detail}`, adviseHttpEndpoint(what, url, container, e.kind, undefined), { url, error: e.kind });
    }
}

export const checkBackendHealth = (ctx: VerifyContext) =>
    checkEndpoint(ctx, "backend-health", "backend health", ctx.outputs.backendHealthUrl, ctx.outputs.containers.backend);

export const checkFrontend = (ctx: VerifyContext) =>
    checkEndpoint(ctx, "frontend", "frontend", ctx.outputs.frontendUrl, ctx.outputs.containers.frontend);
