/**
 * Row 6: a real `RETURN 1` over bolt with the official driver, with the stack's user and password.
 */
import neo4j from "neo4j-driver";
import { adviseNeo4j } from "../advice";
import { CheckResult, fail, ms, pass, VerifyContext } from "../check-result";

export async function checkNeo4j(ctx: VerifyContext): Promise<CheckResult> {
    const { outputs, options } = ctx;
    const url = outputs.neo4jBoltUrl;
    ctx.progress.step(`Neo4j: RETURN 1 at ${url}`);
    const started = Date.now();
    const driver = neo4j.driver(url, neo4j.auth.basic(outputs.neo4jUser, outputs.neo4jPassword), {
        connectionTimeout: options.timeoutMs,
        connectionAcquisitionTimeout: options.timeoutMs,
        maxConnectionLifetime: options.timeoutMs * 3,
        maxTransactionRetryTime: 0,
        disableLosslessIntegers: true,
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${options.timeoutMs / 1000}s`), { code: "ServiceUnavailable" })), options.timeoutMs + 1000);
    });
    const session = driver.session();
    try {
        const result = await Promise.race([session.run("RETURN 1 AS one"), deadline]);
        const one: unknown = result.records[0]?.get("one");
        const server = result.summary.server;
        if (one !== 1) {
            return fail("neo4j", `RETURN 1 gave ${JSON.stringify(one)}`, { cause: "the server at the bolt URL is not a working Neo4j", fix: `docker logs ${outputs.containers.neo4j}` });
        }
        return pass("neo4j", `RETURN 1 = 1 at ${url} as ${outputs.neo4jUser} (${server?.agent ?? "Neo4j"}, ${ms(Date.now() - started)})`, { url, agent: server?.agent });
    } catch (err) {
        const e = err as { code?: string; message?: string };
        // The driver's text is long; its first sentence and the underlying socket error say it all.
        const first = (e.message ?? String(err)).split("\n")[0].split(". Please ensure")[0];
        const underlying = /(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)[^,;)]*/.exec(e.message ?? "")?.[0];
        const message = underlying && !first.includes(underlying) ? `${first} (${underlying})` : first;
        return fail("neo4j", `${url}: ${e.code ?? "error"}: ${message}`.slice(0, 240), adviseNeo4j(e.code ?? "", message, url, outputs.containers.neo4j), { url, error: e.code });
    } finally {
        clearTimeout(timer);
        await Promise.race([session.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
        await Promise.race([driver.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
}
