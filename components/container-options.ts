/**
 * The options every Docker container of the stack is created with (`containerOptions`,
 * `stopSettings`, Go-spelled health-check durations), and why: how the engine creates, replaces
 * and removes our containers, from the provider's own code
 * at @pulumi/docker 5.2.0 (a bridge of kreuzwerker/terraform-provider-docker v4.5.0):
 * - `replaceOnChanges: ["*"]`: most container inputs force a new container anyway; the others are
 *   "updated" in state only. The update path applies the restart policy and resource limits, not
 *   a new health check (resource_docker_container_funcs.go; upstream issue #988), so a changed
 *   health path would never reach the running container. And a container whose `wait` for health
 *   failed stays in state with an initialization error: without replaceOnChanges the next `up`
 *   sees no change and passes; with it the engine replaces the container (pulumi/pulumi
 *   applyReplaceOnChanges: "#initerror"), so an unhealthy app fails every `up` until fixed.
 * - `deleteBeforeReplace`: names (and host ports) are fixed, so the old container must go first.
 * - A grace period on removal: without `destroyGraceSeconds` the provider stops a container with a
 *   timeout of 0, SIGKILL right after SIGTERM (resource_docker_container_funcs.go, delete).
 * - The container's own stop timeout (`stopTimeout`, Config.StopTimeout at create): what everyone
 *   else who stops it waits, since the provider's grace lives only in its delete, which `deletedWith`
 *   skips (a park, a replaced droplet). `docker stop` without -t, a restart, and dockerd stopping
 *   its containers at shutdown (a droplet's graceful shutdown) all use it; unset it is 10 s
 *   (moby daemon/stop.go containerStop, container.StopTimeout; daemon/daemon.go shutdownContainer).
 *   dockerd itself waits for the longest StopTimeout plus 5 s (daemon.go shutdownTimeout), under
 *   docker.service's TimeoutStopSec (cloud-init.yaml.tmpl). ForceNew: a change replaces the container.
 * - Health-check durations in Go's own spelling (`1m0s`, not `60s`): the provider reads them back
 *   with time.Duration.String(), and any other spelling is a diff on every `up` after a create.
 */
import * as pulumi from "@pulumi/pulumi";

/** Seconds between SIGTERM and SIGKILL when a container is removed (replaced, switched, destroyed). */
export const STOP_GRACE_SECONDS = {
    /** Neo4j checkpoints and closes its store; killed, the next start runs recovery. */
    neo4j: 60,
    /** Ollama unloads the model and closes a pull in progress. */
    ollama: 10,
    /** Caddy finishes its certificate storage writes. */
    proxy: 10,
    /**
     * Backend and frontend hold no state; a grace period would only lengthen the outage of a
     * replacement (the old one goes first), for processes that may not handle SIGTERM at all.
     */
    app: 0,
} as const;

/**
 * Seconds a container is given between SIGTERM and SIGKILL by whoever stops it other than the
 * provider's delete: `docker stop`, a restart, dockerd's shutdown (the container's StopTimeout).
 */
export const STOP_TIMEOUT_SECONDS = {
    neo4j: STOP_GRACE_SECONDS.neo4j,
    ollama: STOP_GRACE_SECONDS.ollama,
    proxy: STOP_GRACE_SECONDS.proxy,
    /** Docker's own default, written out: a droplet shutdown stops them in parallel with Neo4j anyway. */
    app: 10,
} as const;

/** The stop settings a container of this role is created with: its StopTimeout, and the provider's grace on delete. */
export function stopSettings(role: keyof typeof STOP_GRACE_SECONDS): { stopTimeout: number; destroyGraceSeconds?: number } {
    const grace = STOP_GRACE_SECONDS[role];
    return { stopTimeout: STOP_TIMEOUT_SECONDS[role], ...(grace > 0 ? { destroyGraceSeconds: grace } : {}) };
}

/** Options every container of the stack is created with, on top of its own. */
export function containerOptions(opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, deleteBeforeReplace: true, replaceOnChanges: ["*"] };
}

/** A duration in whole seconds as Go's time.Duration.String() writes it: 10s, 1m0s, 1h2m3s. */
export function goDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`goDuration: ${seconds} is not a whole number of seconds`);
    if (seconds === 0) return "0s";
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}
