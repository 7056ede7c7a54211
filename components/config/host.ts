/**
 * `rag-stack:host` and `rag-stack:docker`: where the stack deploys (this machine's engine, an
 * existing remote engine, a DigitalOcean GPU droplet, a DigitalOcean Kubernetes cluster).
 */
import { LOCAL_PROBE, resolveDockerHost } from "../hosts/docker-endpoint";
import { PROJECT } from "../project";
import { Reader } from "./reader";

export type HostProvider = "local" | "digitalocean" | "existing" | "doks";

export const HOST_PROVIDERS: readonly HostProvider[] = ["local", "digitalocean", "existing", "doks"];

export interface HostSettings {
    provider: HostProvider;
    /** Docker engine URL for `local` and `existing` (unix://, ssh://, tcp://). */
    dockerHost: string;
    /** Why that engine: config, DOCKER_HOST, Docker Desktop's socket or the system socket (hosts/docker-endpoint.ts). */
    dockerHostReason: string;
    /** User for ssh to the droplet (`digitalocean`). */
    sshUser: string;
}

const DOCKER_HOST = /^(unix|ssh|tcp|npipe):\/\/\S+$/;

export function readHost(problems: string[], rawHost: unknown, rawDocker: unknown, env: NodeJS.ProcessEnv): HostSettings {
    const h = Reader.of(problems, "host", rawHost);
    h.rejectUnknown(["provider", "sshUser"]);
    const d = Reader.of(problems, "docker", rawDocker);
    d.rejectUnknown(["host"]);
    const provider = h.oneOf("provider", HOST_PROVIDERS, "local");
    // Unset: DOCKER_HOST, then Docker Desktop's socket, then /var/run/docker.sock (hosts/docker-endpoint.ts).
    const configured = d.optionalString("host", DOCKER_HOST,
        "use a Docker engine URL: unix:///var/run/docker.sock, ssh://user@host or tcp://host:2376, or leave it unset to follow DOCKER_HOST");
    const resolved = provider === "digitalocean" || provider === "doks"
        ? { url: "", reason: provider === "doks" ? "no Docker engine: a Kubernetes cluster" : "the droplet's engine over ssh" }
        : resolveDockerHost(configured, { ...LOCAL_PROBE, env });
    if ("problem" in resolved) problems.push(`${PROJECT}:docker.host is unset and ${resolved.problem}`);
    const dockerHost = "problem" in resolved ? "" : resolved.url;
    const dockerHostReason = "problem" in resolved ? "" : resolved.reason;
    if (provider === "existing" && !/^(ssh|tcp):\/\//.test(dockerHost)) {
        d.problem("host", dockerHost, `${PROJECT}:host.provider "existing" deploys to a remote engine; use ssh://user@host`);
    }
    if (provider === "doks" && d.has("host")) {
        d.problem("host", configured, `${PROJECT}:host.provider "doks" deploys to Kubernetes, not to a Docker engine; remove ${PROJECT}:docker.host`);
    }
    if (provider === "digitalocean" && d.has("host")) {
        d.problem("host", configured, `${PROJECT}:host.provider "digitalocean" creates the engine itself (ssh://<sshUser>@<reserved ip>); remove ${PROJECT}:docker.host`);
    }
    const sshUser = h.string("sshUser", "root", /^[a-z_][a-z0-9_-]*$/, "expected a Unix user name");
    return { provider, dockerHost, dockerHostReason, sshUser };
}
