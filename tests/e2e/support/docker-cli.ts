/**
 * The docker CLI for the e2e tests: every call with a timeout, every container and network this run
 * creates labelled `rag-stack.e2e=<run id>`, and one cleanup that removes them by that label.
 */
import { execFileSync } from "child_process";

export const E2E_LABEL = "rag-stack.e2e";
/** Unique per test file and process, so parallel or crashed runs never touch each other's objects. */
export const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;

export function docker(args: string[], timeoutMs = 60_000): string {
    try {
        return execFileSync("docker", args, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`docker ${args.slice(0, 3).join(" ")} ... failed: ${(e.stderr ?? e.message).trim()}`);
    }
}

/** Fails fast, with the command to fix it, when there is no Docker engine. */
export function requireDockerEngine(): void {
    try {
        docker(["version", "--format", "{{.Server.Version}}"], 20_000);
    } catch (err) {
        throw new Error(`The e2e tests need a running Docker engine (apt-get install docker.io; dockerd &): ${(err as Error).message}`);
    }
}

/** `docker network create` with this run's label; returns the name. */
export function createNetwork(name: string): string {
    docker(["network", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, name]);
    return name;
}

/** Removes this run's containers, then its networks and volumes. Never throws: it runs in afterAll, after failures too. */
export function removeRunObjects(): string[] {
    const problems: string[] = [];
    const filter = `label=${E2E_LABEL}=${RUN_ID}`;
    try {
        const ids = docker(["ps", "-aq", "--filter", filter]).split("\n").filter(Boolean);
        if (ids.length) docker(["rm", "-f", ...ids]);
    } catch (err) {
        problems.push((err as Error).message);
    }
    try {
        const nets = docker(["network", "ls", "-q", "--filter", filter]).split("\n").filter(Boolean);
        for (const n of nets) docker(["network", "rm", n]);
    } catch (err) {
        problems.push((err as Error).message);
    }
    try {
        const volumes = docker(["volume", "ls", "-q", "--filter", filter]).split("\n").filter(Boolean);
        if (volumes.length) docker(["volume", "rm", "-f", ...volumes]);
    } catch (err) {
        problems.push((err as Error).message);
    }
    return problems;
}

/**
 * The address `host-gateway` resolves to (on Linux, docker0's address): read from /etc/hosts of a
 * throwaway container given that mapping, so it is exactly what the backend container will see.
 */
export function hostGatewayAddress(image: string): string {
    const hosts = docker(["run", "--rm", "--label", `${E2E_LABEL}=${RUN_ID}`, "--add-host", "gateway.probe:host-gateway", image, "cat", "/etc/hosts"]);
    const address = /^(\d+\.\d+\.\d+\.\d+)\s+gateway\.probe$/m.exec(hosts)?.[1];
    if (!address) throw new Error(`host-gateway did not resolve to an IPv4 address (Docker 20.10+ needed):\n${hosts}`);
    return address;
}
