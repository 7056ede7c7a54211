/**
 * Low-level probes of a public address, each with a deadline: the TLS certificate a port presents
 * for a name, an HTTP answer without following redirects, and whether a TCP port accepts at all.
 */
import * as http from "http";
import * as net from "net";
import * as tls from "tls";
import { ReachError, toReachError } from "./reach-error";

export interface CertificateProbe {
    /** True when the chain verifies against the trusted roots (Node's, or `ca` when given). */
    trusted: boolean;
    /** Why it does not verify (`CERT_HAS_EXPIRED`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`...). */
    trustError?: string;
    /** Undefined when the certificate is valid for the name; otherwise the reason. */
    nameError?: string;
    validTo: Date;
    /** Issuer's organisation and common name. */
    issuer: string;
    subjectAltName: string;
}

export interface CertificateProbeOptions {
    /** Address to connect to (the public IP). */
    address: string;
    port: number;
    /** The name the certificate must be valid for; sent as SNI. */
    servername: string;
    timeoutMs: number;
    /** Extra trusted roots (tests, or a private CA); Node's roots otherwise. */
    ca?: string | Buffer;
}

export function probeCertificate(o: CertificateProbeOptions): Promise<CertificateProbe> {
    return new Promise((resolve, reject) => {
        let settled = false;
        const done = (fn: () => void) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            fn();
        };
        const socket = tls.connect({
            host: o.address,
            port: o.port,
            // SNI carries names only; an address as the name is checked against the certificate's IP SANs.
            servername: net.isIP(o.servername) ? undefined : o.servername,
            // Read the certificate even when it does not verify, to say why.
            rejectUnauthorized: false,
            ca: o.ca,
        });
        const timer = setTimeout(() => done(() => reject(new ReachError("timeout", `no TLS handshake with ${o.address}:${o.port} within ${o.timeoutMs / 1000}s`))), o.timeoutMs);
        socket.once("secureConnect", () => {
            const cert = socket.getPeerCertificate();
            if (!cert || !cert.valid_to) {
                done(() => reject(new ReachError("bad-response", `${o.address}:${o.port} presented no certificate`)));
                return;
            }
            const nameError = tls.checkServerIdentity(o.servername, cert)?.message;
            const issuer = [cert.issuer?.O, cert.issuer?.CN].filter(Boolean).join(", ");
            const authError = socket.authorizationError;
            done(() => resolve({
                trusted: socket.authorized,
                trustError: authError ? String(authError) : undefined,
                nameError,
                validTo: new Date(cert.valid_to),
                issuer,
                subjectAltName: cert.subjectaltname ?? "",
            }));
        });
        socket.once("error", (err) => done(() => reject(toReachError(err))));
    });
}

export interface RawHttpAnswer {
    status: number;
    location?: string;
}

/** GET `path` from address:port with `Host: host`, redirects not followed. */
export function httpHead(o: { address: string; port: number; host: string; path: string; timeoutMs: number }): Promise<RawHttpAnswer> {
    return new Promise((resolve, reject) => {
        let settled = false;
        const req = http.request({ host: o.address, port: o.port, path: o.path, method: "GET", headers: { Host: o.host } }, (res) => {
            settled = true;
            clearTimeout(timer);
            res.resume();
            req.destroy();
            resolve({ status: res.statusCode ?? 0, location: typeof res.headers.location === "string" ? res.headers.location : undefined });
        });
        const timer = setTimeout(() => {
            if (settled) return;
            settled = true;
            req.destroy();
            reject(new ReachError("timeout", `no HTTP answer from ${o.address}:${o.port} within ${o.timeoutMs / 1000}s`));
        }, o.timeoutMs);
        req.on("error", (err) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            reject(toReachError(err));
        });
        req.end();
    });
}

/** What a TCP connection attempt found: `open` accepted; the others mean nothing answers there. */
export type PortState = "open" | "refused" | "timeout" | "unreachable";

export function probeTcpPort(address: string, port: number, timeoutMs: number): Promise<PortState> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: address, port });
        let settled = false;
        const done = (state: PortState) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            resolve(state);
        };
        const timer = setTimeout(() => done("timeout"), timeoutMs);
        socket.once("connect", () => done("open"));
        socket.once("error", (err: NodeJS.ErrnoException) => {
            const kind = toReachError(err).kind;
            done(kind === "refused" ? "refused" : kind === "timeout" ? "timeout" : "unreachable");
        });
    });
}
