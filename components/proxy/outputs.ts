/**
 * What the stack tells verify about its front door: the name and URL, the CA, whether it asks for
 * credentials, and the ports that must not answer on the public address. Pure, from the profile.
 */
import { CertificateAuthority, publicOrigin, ServicesSettings } from "../config/services";

export interface FrontDoorFacts {
    /** The name the certificate is for. */
    host: string;
    /** `https://<host>` (with the port when it is not 443). */
    url: string;
    httpPort: number;
    httpsPort: number;
    ca: CertificateAuthority;
    /** Path prefix the backend's own paths are reached under (`/api`), or "" when the prefix is not stripped. */
    apiBase: string;
    /** `basic` when the door asks for credentials. */
    auth: "basic" | "none";
    /** Ports of the app, Neo4j and Ollama: none may answer on the public address. */
    closedPorts: number[];
}

/** The facts, or undefined when the stack has no front door. */
export function frontDoorOutputs(s: ServicesSettings, hasAuth: boolean, ollamaPort: number): FrontDoorFacts | undefined {
    if (!s.proxy.enabled) return undefined;
    const closed = new Set([s.backend.port, s.frontend.port, s.neo4j.httpPort, s.neo4j.boltPort, ollamaPort]);
    for (const open of [s.proxy.httpPort, s.proxy.httpsPort]) closed.delete(open);
    return {
        host: s.publicHost,
        url: publicOrigin(s),
        httpPort: s.proxy.httpPort,
        httpsPort: s.proxy.httpsPort,
        ca: s.proxy.ca,
        apiBase: s.proxy.stripApiPrefix ? s.proxy.apiPrefix : "",
        auth: hasAuth ? "basic" : "none",
        closedPorts: [...closed].sort((a, b) => a - b),
    };
}
