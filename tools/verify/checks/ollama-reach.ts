/**
 * Rows 1 and 2: Ollama answers from this machine, and from inside the backend container at the
 * backend's own OLLAMA_BASE_URL. Each returns the way to Ollama later rows can use.
 */
import { adviseNoClientInContainer, adviseOllamaFromContainer, adviseOllamaFromHost } from "../advice";
import { CheckResult, fail, ms, pass, skip, VerifyContext } from "../check-result";
import { CLIENTS } from "../container-client";
import { findClientInContainer, OllamaApi, ollamaFromContainer, ollamaFromHere } from "../ollama-client";
import { toReachError } from "../reach-error";

export interface ReachOutcome {
    result: CheckResult;
    /** Set when this row proved a way to talk to Ollama. */
    ollama?: OllamaApi;
}

/** Row 1. From the host URL when the stack gives one; else `ollama --version` inside the Ollama container. */
export async function checkOllamaFromHost(ctx: VerifyContext): Promise<ReachOutcome> {
    const { outputs, options } = ctx;
    const url = outputs.ollamaUrlFromHost;
    if (url) {
        ctx.progress.step(`Ollama at ${url}/api/version`);
        const ollama = ollamaFromHere(url);
        const started = Date.now();
        try {
            const version = await ollama.version(options.timeoutMs);
            return { result: pass("ollama-host", `${version} at ${url} (${ms(Date.now() - started)})`, { version, url }), ollama };
        } catch (err) {
            const e = toReachError(err);
            return { result: fail("ollama-host", `${url}: ${e.detail}`, adviseOllamaFromHost(e.kind, url, e.detail), { url, error: e.kind }) };
        }
    }
    const container = outputs.containers.ollama;
    if (!container) return { result: skip("ollama-host", "no URL from this machine and no Ollama container in the outputs") };
    ctx.progress.step(`ollama ps inside ${container} (Ollama is not reachable from this machine)`);
    // `ollama ps` exits 0 only when the server answers its client; `--version` then names the version.
    const ps = await ctx.docker.run(["exec", container, "ollama", "ps"], { timeoutMs: options.timeoutMs });
    if (ps.code === 0) {
        const v = await ctx.docker.run(["exec", container, "ollama", "--version"], { timeoutMs: options.timeoutMs });
        const version = /version is (\S+)/.exec(v.stdout + v.stderr)?.[1] ?? "version unknown";
        return { result: pass("ollama-host", `${version} (ollama ps / --version inside ${container}; its port is not published here)`, { version, container }) };
    }
    const detail = ps.timedOut ? "timed out" : (ps.stderr || ps.stdout).trim().split("\n").pop() ?? `exit ${ps.code}`;
    return {
        result: fail("ollama-host", `ollama ps inside ${container}: ${detail}`, {
            cause: /no such container|not running|is not running/i.test(detail)
                ? `the Ollama container ${container} does not exist or is not running on ${ctx.docker.describeHost()}`
                : `the Ollama server inside ${container} does not answer its own client: ${detail}`,
            fix: `docker ps -a --filter name=${container}; docker logs ${container}; pulumi up`,
        }, { container }),
    };
}

/** Row 2. `docker exec` into the backend; its own OLLAMA_BASE_URL; curl, wget, python, node in turn. */
export async function checkOllamaFromBackend(ctx: VerifyContext, hostUrlAnswered: string | undefined): Promise<ReachOutcome> {
    const { outputs, options, docker } = ctx;
    const container = outputs.containers.backend;
    ctx.progress.step(`inside ${container}: its OLLAMA_BASE_URL`);
    const facts = await docker.inspect(container, options.timeoutMs);
    if (typeof facts === "string") {
        return { result: fail("ollama-from-backend", `docker inspect: ${facts}`, {
            cause: "the backend container is not there: the stack is not deployed on this engine, or the outputs / --docker-host point at another one",
            fix: `pulumi up (creates ${container}); check --docker-host and the stack's dockerHost (${docker.describeHost()})`,
        }) };
    }
    if (!facts.running) {
        return { result: fail("ollama-from-backend", `${container} is ${facts.status}`, { cause: `the backend container is not running (${facts.status})`, fix: `docker logs ${container}; docker start ${container} or pulumi up` }) };
    }
    const url = facts.env.OLLAMA_BASE_URL;
    if (!url) {
        return { result: fail("ollama-from-backend", `${container} has no OLLAMA_BASE_URL`, { cause: "the running container was not created by this stack, or by an old version of it", fix: "pulumi up (recreates the backend with OLLAMA_BASE_URL)" }) };
    }
    if (url.replace(/\/+$/, "") !== outputs.ollamaUrlForBackend.replace(/\/+$/, "")) {
        return {
            result: fail("ollama-from-backend", `${container} runs with OLLAMA_BASE_URL=${url}, the stack says ${outputs.ollamaUrlForBackend}`, {
                cause: "the running backend is older than the last deployment of the stack (or was changed by hand)",
                fix: "pulumi up --refresh (recreates the backend with the stack's OLLAMA_BASE_URL)",
            }, { url }),
        };
    }
    const search = await findClientInContainer(docker, container, url.replace(/\/+$/, ""), options.timeoutMs);
    const tried = search.attempts.map((a) => a.detail).join("; ");
    if (search.working && search.answer) {
        const via = `${search.working} inside ${container}`;
        if (search.version) {
            const skipped = search.attempts.filter((a) => a.client !== search.working).map((a) => a.detail);
            return {
                result: pass("ollama-from-backend", [`${search.version} at ${url} via ${via} (${ms(search.answer.elapsedMs)})`, ...(skipped.length ? [`tried first: ${skipped.join("; ")}`] : [])],
                    { url, client: search.working, version: search.version, attempts: search.attempts }),
                ollama: ollamaFromContainer(docker, container, search.working, url),
            };
        }
        const detail = search.answerError?.detail ?? `HTTP ${search.answer.status}`;
        return { result: fail("ollama-from-backend", `${url} via ${via}: ${detail}`, adviseOllamaFromContainer({ container, url, kind: "http", detail, hostUrlAnswered, extraHosts: facts.extraHosts })) };
    }
    const failed = search.attempts.find((a) => a.outcome === "failed");
    if (!failed) {
        return { result: fail("ollama-from-backend", `no usable HTTP client: ${tried}`, adviseNoClientInContainer(container, CLIENTS.join(", ")), { url, attempts: search.attempts }) };
    }
    const gatewayAddress = await hostGatewayInside(ctx, container);
    return {
        result: fail("ollama-from-backend", [`${url} from inside ${container}: ${failed.detail}`, ...(search.attempts.length > 1 ? [`tried: ${tried}`] : [])],
            adviseOllamaFromContainer({ container, url, kind: failed.kind ?? "other", detail: failed.detail, hostUrlAnswered, extraHosts: facts.extraHosts, gatewayAddress }),
            { url, error: failed.kind, attempts: search.attempts }),
    };
}

/** Where host.docker.internal points inside the container (its /etc/hosts), for a precise fix. */
async function hostGatewayInside(ctx: VerifyContext, container: string): Promise<string | undefined> {
    const r = await ctx.docker.run(["exec", container, "cat", "/etc/hosts"], { timeoutMs: ctx.options.timeoutMs });
    return r.code === 0 ? parseHostsEntry(r.stdout, "host.docker.internal") : undefined;
}

/** The address of `name` in an /etc/hosts text. */
export function parseHostsEntry(hosts: string, name: string): string | undefined {
    for (const line of hosts.split("\n")) {
        const [address, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
        if (address && names.includes(name)) return address;
    }
    return undefined;
}
