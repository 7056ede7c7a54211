/**
 * Why a URL could not be reached, in a few kinds that each have one likely cause. Both transports
 * (Node's http on this machine, a client inside a container) classify their failures into these.
 */
export type ReachFailureKind = "refused" | "timeout" | "dns" | "reset" | "unreachable" | "http" | "bad-response" | "other";

export class ReachError extends Error {
    constructor(public readonly kind: ReachFailureKind, public readonly detail: string, public readonly status?: number) {
        super(detail);
        this.name = "ReachError";
    }
}

/** Classifies an error message or code from Node, curl, wget or Python into a ReachFailureKind. */
export function classifyFailureText(text: string): ReachFailureKind {
    const t = text.toLowerCase();
    if (/econnrefused|connection refused|errno 111|\(7\) failed to connect/.test(t)) return "refused";
    if (/etimedout|timed out|timeout|\(28\)|esockettimedout/.test(t)) return "timeout";
    if (/enotfound|eai_again|could not resolve|bad address|name or service not known|name does not resolve|nodename nor servname|temporary failure in name resolution|errno -[23]\b|unable to resolve/.test(t)) return "dns";
    if (/econnreset|connection reset|socket hang up|empty reply|\(52\)|\(56\)|remotedisconnected|connection closed/.test(t)) return "reset";
    if (/ehostunreach|enetunreach|no route to host|network is unreachable/.test(t)) return "unreachable";
    if (/\b(4\d\d|5\d\d)\b.*(error|not found|forbidden|unauthorized|internal)|http error|server returned error|returned error: \d{3}/.test(t)) return "http";
    return "other";
}

/** Turns anything thrown by Node's http client into a ReachError. */
export function toReachError(err: unknown): ReachError {
    if (err instanceof ReachError) return err;
    const e = err as NodeJS.ErrnoException;
    const message = e?.message ?? String(err);
    const text = e?.code && !message.includes(e.code) ? `${e.code} ${message}` : message;
    return new ReachError(classifyFailureText(text), text);
}
