/**
 * Host ports the stack takes on its Docker host: the backend and frontend (published on
 * services.publishAddress), Neo4j's Bolt and HTTP ports (127.0.0.1), and Ollama's port when the
 * server listens on the host itself (native) or, in a local engine, the container's port is
 * published on loopback. Two services on one port: the second container fails to start midway
 * through `up` ("port is already allocated"); refused before anything starts. Addresses are not
 * compared: 0.0.0.0 includes 127.0.0.1, so a port is taken whatever address holds it.
 */
export interface HostPortUse {
    /** Fully qualified key that sets the port. */
    key: string;
    port: number;
}

/** One problem per port taken twice, naming both keys. */
export function hostPortClashes(uses: readonly HostPortUse[]): string[] {
    const problems: string[] = [];
    const taken = new Map<number, string>();
    for (const use of uses) {
        const first = taken.get(use.port);
        if (first === undefined) {
            taken.set(use.port, use.key);
            continue;
        }
        problems.push(`${use.key}: ${use.port} is not allowed; ${first} already takes host port ${use.port}. Give each service its own port`);
    }
    return problems;
}
