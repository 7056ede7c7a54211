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

export const NETWORK = "docker:index/network:Network";
const HEALTH_DURATIONS = ["interval", "timeout", "startPeriod", "startInterval"] as const;

/** Seconds of a duration written as Go writes one (1h2m3s, 1m0s, 30s); undefined for anything else. */
function goSeconds(text: string): number | undefined {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(text);
    return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3]) : undefined;
}

/**
 * What would make the Docker provider misbehave on a real engine (components/container-options.ts):
 * a container without replaceOnChanges ["*"] or deleteBeforeReplace, without its own stop timeout
 * (or one shorter than the provider's delete grace), a health-check duration the
 * provider reads back in another spelling (a diff on every `up`), a fixed-name network replaced
 * create-before-delete. Empty when all is well.
 */
export function dockerLifecycleProblems(resources: RenderedResource[], goDuration: (s: number) => string): string[] {
    const problems: string[] = [];
    for (const c of resources.filter((x) => x.type === CONTAINER)) {
        if (!c.deleteBeforeReplace) problems.push(`${c.name}: not deleteBeforeReplace`);
        if (JSON.stringify(c.replaceOnChanges) !== JSON.stringify(["*"])) problems.push(`${c.name}: replaceOnChanges ${JSON.stringify(c.replaceOnChanges)}`);
        // Its own stop timeout: what `docker stop` and dockerd's shutdown wait, where the provider's delete grace never runs.
        if (typeof c.inputs.stopTimeout !== "number") problems.push(`${c.name}: no stopTimeout`);
        const grace = c.inputs.destroyGraceSeconds;
        if (typeof grace === "number" && grace > Number(c.inputs.stopTimeout)) problems.push(`${c.name}: stopTimeout ${String(c.inputs.stopTimeout)} below its destroyGraceSeconds ${grace}`);
        const health = (c.inputs.healthcheck ?? {}) as Record<string, unknown>;
        for (const key of HEALTH_DURATIONS) {
            const value = health[key];
            if (value === undefined) continue;
            const seconds = goSeconds(String(value));
            if (seconds === undefined || goDuration(seconds) !== value) problems.push(`${c.name}: healthcheck.${key} ${JSON.stringify(value)} is not Go's spelling`);
        }
    }
    for (const n of resources.filter((x) => x.type === NETWORK)) {
        if (n.inputs.name !== undefined && !n.deleteBeforeReplace) problems.push(`${n.name}: a fixed-name network without deleteBeforeReplace`);
    }
    return problems;
}
