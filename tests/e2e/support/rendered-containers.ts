/**
 * Runs a container the way the mocks render of a stack registered it: its envs, its hosts
 * (host-gateway mappings) and its networks with their aliases, exactly; only the image and the
 * command are the test's (the stand-in image, `sleep` or `ollama serve`), and names get the run id.
 */
import { RenderedResource } from "../../../tools/render";
import { docker, E2E_LABEL, RUN_ID } from "./docker-cli";

export const CONTAINER_TYPE = "docker:index/container:Container";

interface RenderedNetworkRef { name: string; aliases?: string[] }
interface RenderedHost { host: string; ip: string }

export interface ContainerSpec {
    envs: string[];
    hosts: RenderedHost[];
    networks: RenderedNetworkRef[];
}

/** The parts of a rendered docker.Container the wiring depends on. */
export function containerSpec(resource: RenderedResource): ContainerSpec {
    if (resource.type !== CONTAINER_TYPE) throw new Error(`${resource.name} is a ${resource.type}, not a container`);
    const i = resource.inputs as { envs?: string[]; hosts?: RenderedHost[]; networksAdvanced?: RenderedNetworkRef[] };
    return { envs: i.envs ?? [], hosts: i.hosts ?? [], networks: i.networksAdvanced ?? [] };
}

export function envOf(spec: ContainerSpec, key: string): string | undefined {
    return spec.envs.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
}

export interface RunOptions {
    name: string;
    image: string;
    command: string[];
    /** Rendered network name -> the network this run created for it. */
    networkNames: Record<string, string>;
    /** Extra environment (stand-in knobs), after the rendered one. */
    extraEnv?: Record<string, string>;
}

/** `docker run -d` with the rendered env, hosts and first network (+aliases); further networks connected after. */
export function runRenderedContainer(spec: ContainerSpec, o: RunOptions): string {
    const net = (n: RenderedNetworkRef) => {
        const mapped = o.networkNames[n.name];
        if (!mapped) throw new Error(`the render puts the container on network ${n.name}, which this test did not create`);
        return mapped;
    };
    const [first, ...others] = spec.networks;
    const args = ["run", "-d", "--name", o.name, "--label", `${E2E_LABEL}=${RUN_ID}`,
        ...spec.envs.flatMap((e) => ["-e", e]),
        ...Object.entries(o.extraEnv ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
        ...spec.hosts.flatMap((h) => ["--add-host", `${h.host}:${h.ip}`]),
        ...(first ? ["--network", net(first), ...(first.aliases ?? []).flatMap((a) => ["--network-alias", a])] : []),
        o.image, ...o.command];
    docker(args);
    for (const n of others) docker(["network", "connect", ...(n.aliases ?? []).flatMap((a) => ["--alias", a]), net(n), o.name]);
    return o.name;
}
