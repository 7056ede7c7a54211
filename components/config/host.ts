/**
 * `rag-stack:host` and `rag-stack:docker`: where the stack deploys (this machine's engine, an
 * existing remote engine, a DigitalOcean GPU droplet, a DigitalOcean Kubernetes cluster).
 */
import { LOCAL_PROBE, resolveDockerHost } from "../hosts/docker-endpoint";
import { PROJECT } from "../project";
import { Reader } from "./reader";
import { oneOf, section, SettingsOf, string } from "./schema";

export const HOST_PROVIDERS = ["local", "digitalocean", "existing", "doks"] as const;
export type HostProvider = (typeof HOST_PROVIDERS)[number];

const DOCKER_HOST = /^(unix|ssh|tcp|npipe):\/\/\S+$/;

export const HOST = section({
    provider: oneOf(HOST_PROVIDERS, { default: "local",
        doc: "Where the stack deploys: `local` (this machine's Docker engine), `existing` (a remote engine over ssh), `digitalocean` (a GPU droplet the stack creates), `doks` (a DigitalOcean Kubernetes cluster)." }),
    sshUser: string({ default: "root", pattern: /^[a-z_][a-z0-9_-]*$/, allowed: "expected a Unix user name", appliesTo: { providers: ["digitalocean"] },
        doc: "The user for ssh to the droplet." }),
}, { doc: "Where the stack deploys." });

export const DOCKER = section({
    host: string({ optional: true, pattern: DOCKER_HOST, type: "URL",
        allowed: "use a Docker engine URL: unix:///var/run/docker.sock, ssh://user@host or tcp://host:2376, or leave it unset to follow DOCKER_HOST",
        doc: "The Docker engine (unix://, ssh://, tcp://); unset: DOCKER_HOST, then Docker Desktop's socket, then /var/run/docker.sock." }),
}, { appliesTo: { providers: ["local", "existing"] }, doc: "The Docker engine of `local` and `existing`." });

export type HostSettings = SettingsOf<typeof HOST.keys> & {
    /** Docker engine URL for `local` and `existing` (unix://, ssh://, tcp://): docker.host or the engine found. */
    dockerHost: string;
    /** Why that engine: config, DOCKER_HOST, Docker Desktop's socket or the system socket (hosts/docker-endpoint.ts). */
    dockerHostReason: string;
};

export function readHost(problems: string[], rawHost: unknown, rawDocker: unknown, env: NodeJS.ProcessEnv): HostSettings {
    const h = Reader.of(problems, "host", rawHost, HOST.keys);
    h.rejectUnknown();
    const d = Reader.of(problems, "docker", rawDocker, DOCKER.keys);
    d.rejectUnknown();
    const provider = h.get("provider");
    // Unset: DOCKER_HOST, then Docker Desktop's socket, then /var/run/docker.sock (hosts/docker-endpoint.ts).
    const configured = d.get("host");
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
    const sshUser = h.get("sshUser");
    return { provider, dockerHost, dockerHostReason, sshUser };
}
