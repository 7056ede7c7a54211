/**
 * The health responder on a Docker host (prod): one small container on the app network, alias
 * `health`, that publishes no port; the front door proxies `/healthz` to it (caddy-route.ts).
 *
 * - busybox httpd (HEALTH_RESPONDER_IMAGE) runs the CGI script, uploaded into the container before
 *   it starts (mode 0555: the uploads' default for an executable is 0744, which the unprivileged
 *   user could not run; kreuzwerker/terraform-provider-docker v4.5.0
 *   resource_docker_container_funcs.go, uploads). A changed script replaces the container.
 * - It runs as nobody with every capability dropped and no-new-privileges, under docker-init as
 *   PID 1 (httpd installs no SIGTERM handler, and PID 1 ignores signals it does not handle: without
 *   an init every stop would wait out the timeout), with a memory and CPU limit, so a flood of
 *   probes can neither starve the app nor grow without bound (the front door lets 16 in at once).
 * - The GPU watchdog's state directory, the backup status directory and an empty directory on each
 *   data volume (for the disk part's `df`: none of the volume's data is visible through it) are
 *   bind-mounted read-only when the host has them. A bind's missing source directory is created by dockerd (0755; moby
 *   v20.10.9 volume/mounts/mounts.go MountPoint.Setup), which the watchdog's and the backup's own
 *   `mkdir -p` then find; the files they write are world-readable (0644).
 * - With activityLog, a Docker volume for the front door's activity log (./activity-log.ts), which
 *   the front door mounts read-write and this container read-only.
 * - A health check that only proves httpd answers (any HTTP status line): `up` waits for it. The
 *   deployment's health is the script's answer, not this container's state.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { containerOptions, goDuration, stopSettings } from "../container-options";
import { boundToMachine } from "../hosts/machine-bound";
import { HOST_GATEWAY_NAME, OllamaEndpoint } from "../ollama/endpoint";
import { containerName } from "../names";
import { ACTIVITY_LOG_MOUNT } from "./activity-log";
import {
    BACKUP_STATUS_MOUNT, DISK_MOUNT, HEALTH_RESPONDER_ALIAS, HEALTH_RESPONDER_IMAGE, HEALTH_RESPONDER_PORT, HEALTH_RESPONDER_USER,
    HEALTH_SCRIPT_PATH, healthScript, responderCommand, responderEnvironment, WATCHDOG_MOUNT,
} from "./responder";

export interface DockerHealthResponderArgs {
    /** The app network the backend and Ollama answer on. */
    network: docker.Network;
    /** The backend's health URL on that network (`http://backend:8000/health`). */
    backendHealthUrl: string;
    /** Ollama as the app sees it; its GPU share counts. */
    ollama: OllamaEndpoint;
    /** Models that must sit 100% on the GPU (today the one `ollama.model`). */
    models: string[];
    /** The GPU watchdog's state directory on the host; absent: no watchdog there. */
    watchdogStateDir?: string;
    /** The backup job's status directory on the host; absent: backups are not set up. */
    backupStatusDir?: string;
    backupMaxAgeSeconds: number;
    /** An empty directory on each data volume (name -> host path), mounted read-only so the disk part can measure it; absent: none. */
    volumeProbeDirs?: Record<string, string>;
    /** Per cent in use above which a data volume fails the disk part. */
    diskMaxPercent?: number;
    cacheSeconds: number;
    callTimeoutSeconds: number;
    /**
     * Read the front door's activity log (./activity-log.ts): the responder creates the Docker
     * volume the door writes it in (`activityLogVolume`) and mounts it read-only.
     */
    activityLog: boolean;
    /** The image (HEALTH_RESPONDER_IMAGE unless a test or a mirror says otherwise). */
    image?: string;
    /** The machine the engine runs on when the stack created it (see hosts/machine-bound.ts). */
    hostMachine?: pulumi.Resource;
}

export class DockerHealthResponder extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    /** The volume the front door writes its activity log in; absent without activityLog. */
    public readonly activityLogVolume?: docker.Volume;
    /** `host:port` the front door dials on the app network. */
    public readonly dial = `${HEALTH_RESPONDER_ALIAS}:${HEALTH_RESPONDER_PORT}`;

    constructor(name: string, args: DockerHealthResponderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:health:DockerHealthResponder", name, {}, opts);
        const onHost = { parent: this, ...boundToMachine(args.hostMachine) };
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image ?? HEALTH_RESPONDER_IMAGE, keepLocally: true }, onHost);

        const env = args.ollama.urlForContainers.apply((ollamaUrl) => responderEnvironment({
            backendHealthUrl: args.backendHealthUrl,
            ollamaUrls: [ollamaUrl],
            models: args.models,
            watchdog: args.watchdogStateDir !== undefined,
            backups: args.backupStatusDir !== undefined,
            activityLog: args.activityLog,
            backupMaxAgeSeconds: args.backupMaxAgeSeconds,
            disks: Object.keys(args.volumeProbeDirs ?? {}),
            diskMaxPercent: args.diskMaxPercent,
            cacheSeconds: args.cacheSeconds,
            callTimeoutSeconds: args.callTimeoutSeconds,
        }));
        // On the host's own disk, not the block volume: a droplet created by unparking starts with
        // an empty log, so "no request since the door started" reads as idle since then.
        this.activityLogVolume = args.activityLog ? new docker.Volume(`${name}-activity-log`, {
            labels: [{ label: "rag-stack.role", value: "activity-log" }],
        }, onHost) : undefined;
        const mounts = [
            ...(args.watchdogStateDir ? [{ hostPath: args.watchdogStateDir, containerPath: WATCHDOG_MOUNT, readOnly: true }] : []),
            ...(args.backupStatusDir ? [{ hostPath: args.backupStatusDir, containerPath: BACKUP_STATUS_MOUNT, readOnly: true }] : []),
            ...Object.entries(args.volumeProbeDirs ?? {}).map(([d, hostPath]) => ({ hostPath, containerPath: `${DISK_MOUNT}/${d}`, readOnly: true })),
        ];
        const volumes = [
            ...mounts,
            ...(this.activityLogVolume ? [{ volumeName: this.activityLogVolume.name, containerPath: ACTIVITY_LOG_MOUNT, readOnly: true }] : []),
        ];

        this.container = new docker.Container(`${name}-container`, {
            name: containerName(HEALTH_RESPONDER_ALIAS),
            image: image.imageId,
            command: responderCommand(String(HEALTH_RESPONDER_PORT)),
            envs: env.apply((e) => Object.entries(e).map(([k, v]) => `${k}=${v}`)),
            uploads: [{ file: HEALTH_SCRIPT_PATH, content: healthScript(), permissions: "0555" }],
            hosts: args.ollama.needsHostGateway ? [{ host: HOST_GATEWAY_NAME, ip: "host-gateway" }] : [],
            networksAdvanced: [{ name: args.network.name, aliases: [HEALTH_RESPONDER_ALIAS] }],
            ports: [],
            volumes,
            user: HEALTH_RESPONDER_USER,
            init: true,
            capabilities: { drops: ["ALL"] },
            securityOpts: ["no-new-privileges"],
            // MB, and half a CPU at most (NanoCPUs; read back as "0.5": helpers.go nanoInt64ToDecimalString).
            memory: 64,
            cpus: "0.5",
            restart: "unless-stopped",
            healthcheck: {
                tests: ["CMD-SHELL", `wget -q -S -O /dev/null http://127.0.0.1:${HEALTH_RESPONDER_PORT}/ 2>&1 | grep -q '^  HTTP/'`],
                interval: goDuration(30),
                timeout: goDuration(5),
                retries: 3,
                startPeriod: goDuration(5),
            },
            wait: true,
            waitTimeout: 60,
            labels: [{ label: "rag-stack.role", value: HEALTH_RESPONDER_ALIAS }],
            ...stopSettings("app"),
        }, containerOptions({ ...onHost }));

        this.registerOutputs({ dial: this.dial });
    }
}
