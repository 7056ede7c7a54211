/**
 * The likely cause of each failure and what to do about it: pure functions of what was measured,
 * so every sentence is unit tested. Where a failure is one of the known traps of running Ollama
 * beside a containerized app (a loopback-only bind, a model store the other Ollama cannot see,
 * Ollama in Docker on a Mac), the cause says so in plain words.
 */
import { OllamaAccelerator, OllamaPlacement } from "./outputs";
import { ReachFailureKind } from "./reach-error";

export interface Advice {
    cause: string;
    fix: string;
}

const hostPort = (url: string): { host: string; port: string } => {
    try {
        const u = new URL(url);
        return { host: u.hostname, port: u.port || (u.protocol === "https:" ? "443" : "80") };
    } catch {
        return { host: url, port: "?" };
    }
};

/** Ollama not answering at the URL this machine uses. */
export function adviseOllamaFromHost(kind: ReachFailureKind, url: string, detail: string): Advice {
    const { host, port } = hostPort(url);
    switch (kind) {
        case "refused":
            return {
                cause: `nothing accepts connections on ${host}:${port}: Ollama is not running, or listens on another address or port`,
                fix: `start it (pulumi up, or components/ollama/scripts/native-start.sh), then check what listens: ss -ltnp | grep :${port} (macOS: lsof -nP -iTCP:${port} -sTCP:LISTEN)`,
            };
        case "timeout":
            return {
                cause: `${host}:${port} accepted nothing within the timeout: Ollama is hung or still starting, or a firewall drops the packets`,
                fix: "look at Ollama's log (macOS: ~/Library/Logs/, Linux: the stack's stateDir) and retry with a longer --timeout",
            };
        case "http":
            return { cause: `something answers on ${host}:${port} but not like Ollama (${detail})`, fix: `check which program holds port ${port}: ss -ltnp | grep :${port} (macOS: lsof -nP -iTCP:${port} -sTCP:LISTEN)` };
        default:
            return { cause: `Ollama at ${url} could not be reached: ${detail}`, fix: "check that the server runs and the URL in the stack outputs is right (pulumi stack output)" };
    }
}

export interface FromContainerFacts {
    container: string;
    url: string;
    kind: ReachFailureKind;
    detail: string;
    /** Ollama answered from this machine (row 1) at this URL. */
    hostUrlAnswered?: string;
    /** The container's --add-host entries. */
    extraHosts: string[];
    /** The address host.docker.internal resolves to inside the container (its /etc/hosts), when known. */
    gatewayAddress?: string;
}

/** The backend container cannot reach its OLLAMA_BASE_URL. */
export function adviseOllamaFromContainer(f: FromContainerFacts): Advice {
    const { host, port } = hostPort(f.url);
    if (host === "host.docker.internal") {
        const mapped = f.extraHosts.some((h) => h.startsWith("host.docker.internal:"));
        switch (f.kind) {
            case "refused":
                return {
                    cause: (f.hostUrlAnswered
                        ? `Ollama answers at ${f.hostUrlAnswered} from this machine but refuses connections from ${f.container}: it is bound to 127.0.0.1 only, which a container cannot reach on Linux (the host's loopback is not the container's)`
                        : `nothing accepts connections on the Docker host's gateway address port ${port} as ${f.container} sees it: Ollama is not running there, or is bound to 127.0.0.1 only`),
                    fix: `bind Ollama where containers can reach it: on Linux the Docker bridge gateway (ollama.bindAddress: auto binds docker0's address${f.gatewayAddress ? `, here OLLAMA_HOST=${f.gatewayAddress}:${port}` : `, e.g. OLLAMA_HOST=172.17.0.1:${port}`}), or 0.0.0.0 behind a firewall; on Docker Desktop (Mac) 127.0.0.1 is enough. Then pulumi up and rerun verify`,
                };
            case "dns":
                return {
                    cause: `host.docker.internal does not resolve inside ${f.container}${mapped ? "" : ": the container has no host.docker.internal:host-gateway mapping"}`,
                    fix: "redeploy the backend with the mapping (pulumi up; the stack adds it when Ollama is native). host-gateway needs Docker 20.10 or newer",
                };
            case "timeout":
            case "unreachable":
                return {
                    cause: `connections from ${f.container} to the host's port ${port} get no answer: a firewall on the host drops traffic from the Docker bridge`,
                    fix: `allow the bridge subnet to port ${port} (e.g. ufw allow in on docker0 to any port ${port}), never the whole internet`,
                };
            default:
                break;
        }
    } else if (host === "ollama") {
        switch (f.kind) {
            case "dns":
                return {
                    cause: `the network alias "ollama" does not resolve inside ${f.container}: the Ollama container is not running, or is not on the backend's network`,
                    fix: "docker ps -a (is the Ollama container up?), docker network inspect <app network> (both containers with alias ollama/backend?), then pulumi up",
                };
            case "refused":
                return {
                    cause: `the Ollama container is reachable but nothing listens on port ${port} in it: still starting, crashed, or OLLAMA_HOST is not 0.0.0.0:${port}`,
                    fix: "docker logs <ollama container>; docker inspect its env for OLLAMA_HOST; pulumi up",
                };
            default:
                break;
        }
    }
    if (f.kind === "http") return { cause: `${f.url} answers, but not like Ollama (${f.detail})`, fix: "check that OLLAMA_BASE_URL points at Ollama, not at another service" };
    return {
        cause: `${f.container} cannot reach ${f.url}: ${f.detail}`,
        fix: "check OLLAMA_BASE_URL in the stack outputs, the container's network and hosts (docker inspect), then pulumi up",
    };
}

export function adviseNoClientInContainer(container: string, tried: string): Advice {
    return {
        cause: `${container} has none of the HTTP clients verify can use (${tried})`,
        fix: "add curl or wget to the backend image, or check from the host with --skip backend-exec (not the same proof)",
    };
}

export interface GpuFacts {
    placement: OllamaPlacement;
    accelerator: OllamaAccelerator;
    size: number;
    sizeVram: number;
    /** This machine is a Mac running the stack's Docker engine (Docker Desktop). */
    dockerOnMac: boolean;
}

/** The model is not 100% in VRAM although the stack expects a GPU. */
export function adviseGpuShare(f: GpuFacts): Advice {
    const none = f.sizeVram === 0;
    if (f.placement === "container" && (f.accelerator === "metal" || f.dockerOnMac)) {
        return {
            cause: "Ollama runs as a container on a Mac: Docker Desktop runs containers in a Linux VM that cannot reach the Metal GPU, so the model runs on the CPU (0.5-0.7 tok/s instead of 7-14 on the Metal GPU)",
            fix: "run Ollama natively: set rag-stack:ollama.mode: native (accelerator: metal) and pulumi up; the backend then uses http://host.docker.internal:<port>",
        };
    }
    if (f.accelerator === "metal") {
        return none
            ? {
                cause: "native Ollama does not use the Metal GPU: an x86_64 build running under Rosetta, or a very old Ollama",
                fix: "install the arm64 build (brew install ollama on Apple silicon; file $(which ollama) must say arm64) and restart it; the serve log names the Metal device",
            }
            : {
                cause: "the model does not fit in the share of unified memory macOS lets the GPU use, so the rest runs on the CPU",
                fix: "use a smaller quantization (e.g. q4_K_M), a shorter ollama.contextLength or kvCacheType q8_0, or raise the GPU limit (sudo sysctl iogpu.wired_limit_mb=...)",
            };
    }
    return none
        ? {
            cause: f.placement === "container"
                ? "the Ollama container sees no NVIDIA GPU: the NVIDIA container toolkit is missing or the container was started without --gpus"
                : "Ollama does not see an NVIDIA GPU (driver missing or not loaded)",
            fix: "on the GPU host: nvidia-smi must list the GPU; install nvidia-container-toolkit, run nvidia-ctk runtime configure --runtime=docker, restart dockerd, then pulumi up (the stack sets gpus: all)",
        }
        : {
            cause: "the model plus its context does not fit in VRAM, so Ollama offloads the rest to the CPU",
            fix: "nvidia-smi (other processes holding VRAM?); use a smaller quantization, a shorter ollama.contextLength or kvCacheType q8_0, or a GPU with more memory",
        };
}

/** The model is not in Ollama's store. */
export function adviseModelMissing(model: string, present: string[], placement: OllamaPlacement): Advice {
    return {
        cause: `${model} is not in this Ollama's store (it has: ${present.length ? present.join(", ") : "no models"})` +
            (placement === "native" ? "; models pulled into a Docker volume are not visible to a native Ollama, which keeps its own store (~/.ollama/models unless OLLAMA_MODELS says otherwise)" : ""),
        fix: `pulumi up pulls it; by hand: ollama pull ${model}` + (placement === "container" ? " inside the Ollama container (docker exec <ollama container> ollama pull ...)" : ""),
    };
}

/** Neo4j over bolt failed; `code` is the driver's error code. */
export function adviseNeo4j(code: string, message: string, url: string, container: string): Advice {
    if (/Unauthorized|AuthenticationRateLimit/i.test(code)) {
        return {
            cause: `Neo4j at ${url} refused the user/password from the stack outputs`,
            fix: "the password is set on first start and kept in the data volume: use that one (pulumi config set --secret neo4jPassword ...), or reset it with neo4j-admin dbms set-initial-password on an empty volume",
        };
    }
    if (/ServiceUnavailable|SessionExpired/i.test(code) || /ECONNREFUSED|connect|timed out|timeout/i.test(message)) {
        return {
            cause: `nothing answers bolt at ${url}: the ${container} container is not running, still starting, or its port is not published on this machine`,
            fix: `docker ps -a --filter name=${container}; docker logs ${container}; on a remote host open an ssh tunnel (ssh -L 7687:127.0.0.1:7687 ...) or skip with --skip neo4j`,
        };
    }
    return { cause: `Neo4j at ${url} failed: ${code} ${message}`.trim(), fix: `docker logs ${container}` };
}

/** An HTTP endpoint of the app did not answer 200. */
export function adviseHttpEndpoint(what: string, url: string, container: string, kind: ReachFailureKind | undefined, status: number | undefined): Advice {
    if (status !== undefined) {
        return {
            cause: `${what} at ${url} answered HTTP ${status}, not 200`,
            fix: `docker logs ${container}; check the path in the stack file (services.*.healthPath / path)`,
        };
    }
    return {
        cause: kind === "refused"
            ? `nothing accepts connections at ${url}: ${container} is not running or its port is not published on this address`
            : kind === "timeout"
                ? `${url} did not answer within the timeout: ${container} is hung or a firewall drops the traffic`
                : `${url} could not be reached (${kind ?? "unknown error"})`,
        fix: `docker ps -a --filter name=${container}; docker logs ${container}; check services.publishAddress and the ports in the stack file`,
    };
}
