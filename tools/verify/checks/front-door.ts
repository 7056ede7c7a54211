/**
 * The HTTPS front door, from the machine running verify (prod): HTTPS answers with a certificate
 * valid for publicHost that does not expire within 14 days; HTTP redirects to HTTPS; and every
 * other port of the app, Neo4j and Ollama refuses or times out on the public address.
 */
import { CheckResult, fail, ms, pass, skip } from "../check-result";
import { httpHead, probeCertificate, probeTcpPort, PortState } from "../net-probes";
import { toReachError } from "../reach-error";

/** Ports the issue names, checked on top of the ones the stack reports. */
export const ALWAYS_CLOSED_PORTS: readonly number[] = [8000, 3000, 7474, 7687, 11434];
/** A certificate closer to its end than this fails: Caddy renews at a third of the lifetime left, so this means renewal is failing. */
export const MIN_CERTIFICATE_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Where the door is and what it promises; from the `frontDoor` stack output. */
export interface FrontDoorTarget {
    /** The name the certificate is for. */
    host: string;
    /** The address to connect to (the reserved IP); connecting there instead of resolving the name also proves DNS is not needed to check the door. */
    address: string;
    httpsPort: number;
    httpPort: number;
    ca: "letsencrypt" | "letsencrypt-staging" | "internal";
    closedPorts: number[];
}

export interface FrontDoorCheckOptions {
    timeoutMs: number;
    /** Extra trusted roots (tests). */
    trustedCa?: string | Buffer;
    /** The clock (tests). */
    now?: Date;
}

export async function checkHttpsCertificate(t: FrontDoorTarget, o: FrontDoorCheckOptions): Promise<CheckResult> {
    const where = `${t.address}:${t.httpsPort} (SNI ${t.host})`;
    let cert;
    try {
        cert = await probeCertificate({ address: t.address, port: t.httpsPort, servername: t.host, timeoutMs: o.timeoutMs, ca: o.trustedCa });
    } catch (err) {
        const e = toReachError(err);
        return fail("https-certificate", `${where}: ${e.detail}`, {
            cause: e.kind === "refused" ? "nothing listens on the HTTPS port: the proxy container is not running, or the firewall/host port is wrong"
                : e.kind === "timeout" ? "the HTTPS port does not answer: the cloud firewall drops it, or the droplet is down"
                    : "the TLS handshake failed: the proxy has no certificate for this name yet (look for ACME errors in its log)",
            fix: "docker logs rag-stack-<stack>-proxy (on the droplet) shows Caddy's certificate attempts; check that publicHost resolves to the publicIp output",
        }, { error: e.kind });
    }
    const now = o.now ?? new Date();
    const days = Math.floor((cert.validTo.getTime() - now.getTime()) / DAY_MS);
    const facts = [`issuer ${cert.issuer || "unknown"}`, `valid until ${cert.validTo.toISOString().slice(0, 10)} (${days} days)`];
    const data = { host: t.host, issuer: cert.issuer, validTo: cert.validTo.toISOString(), daysLeft: days, trusted: cert.trusted };
    if (cert.nameError) {
        return fail("https-certificate", [`certificate not valid for ${t.host}: ${cert.nameError}`, ...facts], {
            cause: "Caddy serves a certificate for another name: services.publicHost differs from the name users reach, or a default certificate is served",
            fix: "set rag-stack:services.publicHost to the DNS name pointed at publicIp and run up",
        }, data);
    }
    if (t.ca === "internal") {
        // Caddy's local CA is trusted by nobody but who installs its root, and its leaf certificates live 12 hours.
        if (days < 0) {
            return fail("https-certificate", [`certificate for ${t.host} expired`, ...facts], { cause: "Caddy's internal CA did not renew", fix: "docker restart the proxy container" }, data);
        }
        return pass("https-certificate", [`certificate for ${t.host} from Caddy's internal CA (not publicly trusted, by configuration)`, ...facts], data);
    }
    if (!cert.trusted) {
        const staging = /staging|fake|\(STAGING\)/i.test(cert.issuer);
        return fail("https-certificate", [`certificate for ${t.host} is not trusted: ${cert.trustError ?? "unknown reason"}`, ...facts], staging
            ? { cause: "the Let's Encrypt staging CA issued it (services.proxy.ca: letsencrypt-staging): issuance works", fix: "set rag-stack:services.proxy.ca: letsencrypt and run up to get a trusted certificate" }
            : { cause: "the chain does not verify against the system's roots", fix: "check Caddy's log for the issuer it used; services.proxy.ca should be letsencrypt" }, data);
    }
    if (days < MIN_CERTIFICATE_DAYS) {
        return fail("https-certificate", [`certificate for ${t.host} expires in ${days} days (less than ${MIN_CERTIFICATE_DAYS})`, ...facts], {
            cause: "Caddy is not renewing: ACME challenges fail (port 80/443 blocked, DNS changed) or rate limits",
            fix: "docker logs of the proxy container show the renewal errors; check that 80 and 443 reach the droplet",
        }, data);
    }
    return pass("https-certificate", [`certificate valid for ${t.host}`, ...facts], data);
}

export async function checkHttpRedirect(t: FrontDoorTarget, o: FrontDoorCheckOptions): Promise<CheckResult> {
    const url = `http://${t.host}${t.httpPort === 80 ? "" : `:${t.httpPort}`}/`;
    const expected = `https://${t.host}${t.httpsPort === 443 ? "" : `:${t.httpsPort}`}/`;
    const started = Date.now();
    try {
        const r = await httpHead({ address: t.address, port: t.httpPort, host: t.host, path: "/", timeoutMs: o.timeoutMs });
        const measured = `GET ${url} (at ${t.address}): HTTP ${r.status}${r.location ? ` -> ${r.location}` : ""} (${ms(Date.now() - started)})`;
        if ([301, 302, 307, 308].includes(r.status) && r.location?.startsWith(expected)) {
            return pass("http-redirect", measured, { status: r.status, location: r.location });
        }
        return fail("http-redirect", measured, {
            cause: `plain HTTP should answer with a redirect to ${expected}; something else answers on port ${t.httpPort}`,
            fix: "only the proxy may publish port 80 (npm run plan -- --check); check which container holds it: docker ps",
        }, { status: r.status, location: r.location });
    } catch (err) {
        const e = toReachError(err);
        return fail("http-redirect", `${url} (at ${t.address}): ${e.detail}`, {
            cause: "port 80 does not answer: the proxy is down, or the cloud firewall does not open 80 (Let's Encrypt needs it too)",
            fix: "check the firewall's inbound rules (80 and 443 from anywhere) and that the proxy container runs",
        }, { error: e.kind });
    }
}

export async function checkClosedPorts(t: FrontDoorTarget, o: FrontDoorCheckOptions): Promise<CheckResult> {
    const ports = [...new Set([...ALWAYS_CLOSED_PORTS, ...t.closedPorts])]
        .filter((p) => p !== t.httpPort && p !== t.httpsPort)
        .sort((a, b) => a - b);
    if (ports.length === 0) return skip("closed-ports", "no ports to check");
    // A dropped packet costs the whole timeout: probe in parallel, each bounded.
    const perPort = Math.min(o.timeoutMs, 3000);
    const states = await Promise.all(ports.map(async (port): Promise<[number, PortState]> => [port, await probeTcpPort(t.address, port, perPort)]));
    const open = states.filter(([, s]) => s === "open").map(([p]) => p);
    const summary = states.map(([p, s]) => `${p} ${s}`).join(", ");
    const data = { address: t.address, ports: Object.fromEntries(states) };
    if (open.length === 0) return pass("closed-ports", `${t.address}: ${summary}`, data);
    return fail("closed-ports", [`${t.address}: open ${open.join(", ")}`, summary], {
        cause: "a container publishes that port on the public address, and the firewall lets it through",
        fix: "only the proxy publishes ports in prod (npm run plan -- --check); the firewall should open only 22 (admins), 80 and 443",
    }, data);
}
