/** Readers for the Docker container inputs recorded by a mocks render. */
import { RenderedResource } from "../../../tools/render";

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const LOCAL_COMMAND = "command:local:Command";

type Host = { host: string; ip: string };
type NetworkAttachment = { name: string; aliases?: string[] };
type Port = { internal: number; external?: number; ip?: string };

/** The container's environment as a name -> value map. */
export function envOf(container: RenderedResource): Record<string, string> {
    const envs = (container.inputs.envs ?? []) as string[];
    return Object.fromEntries(envs.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

export function hostsOf(container: RenderedResource): Host[] {
    return (container.inputs.hosts ?? []) as Host[];
}

export function networksOf(container: RenderedResource): NetworkAttachment[] {
    return (container.inputs.networksAdvanced ?? []) as NetworkAttachment[];
}

export function portsOf(container: RenderedResource): Port[] {
    return (container.inputs.ports ?? []) as Port[];
}
