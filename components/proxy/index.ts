/**
 * The HTTPS front door: one Caddy container on the app network, the only container that publishes
 * ports (80 for the redirect and ACME challenges, 443 for the app). Its JSON config comes from
 * caddy-config.ts and is uploaded into the container before it starts; a changed config replaces
 * the container (uploads are part of its identity), hence `deleteBeforeReplace` for its fixed name
 * and host ports. Caddy's state (certificates, ACME account) lives in /data and /config: on a
 * droplet, binds to a directory on the protected block volume, so a replaced droplet reuses its
 * certificates instead of asking Let's Encrypt again (rate limits: 5 duplicate certificates a week).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { BasicAuthUser } from "../config/secrets";
import type { ProxySettings } from "../config/services";
import { boundToMachine } from "../hosts/machine-bound";
import { containerName } from "../names";
import { CADDY_CONFIG_DIR, CADDY_CONFIG_FILE, CADDY_DATA_DIR, caddyConfigJson, Upstream } from "./caddy-config";
import type { HealthRouteArgs } from "../health/caddy-route";
import { ACTIVITY_LOG_DIR } from "../health/activity-log";
import { containerOptions, stopSettings } from "../container-options";

export const PROXY_ALIAS = "proxy";

export interface FrontDoorArgs {
    settings: ProxySettings;
    /** The name users reach the app by; the certificate is for it. */
    publicHost: string;
    /** Host address 80 and 443 are published on (0.0.0.0 on a droplet, behind its cloud firewall). */
    publishAddress: string;
    /** The app network the backend and frontend answer on. */
    network: docker.Network;
    backend: Upstream;
    frontend: Upstream;
    /** Basic-auth users (hashes are secrets); empty: no auth. */
    users: BasicAuthUser[];
    /** The health responder the health path goes to (health/docker.ts); absent: no health route. */
    health?: HealthRouteArgs;
    /**
     * The activity log (health/activity-log.ts): the volume the door writes it in (the health
     * responder's) and the backend's health path, which does not count as activity.
     */
    activityLog?: { volume: docker.Volume; backendHealthPath: string };
    /** Protect Caddy's Docker volumes when they hold the data themselves (no host directory). */
    protectData: boolean;
    /** Host directory on persistent storage for Caddy's state (a droplet's block volume). */
    dataDir?: string;
    /** The machine the engine runs on when the stack created it (see hosts/machine-bound.ts). */
    hostMachine?: pulumi.Resource;
    /**
     * Created after these (the frontend). Besides opening the door onto something, this orders a
     * stack moving to the door: the frontend that published port 80 is replaced (delete first)
     * without it before the proxy claims 80.
     */
    after?: pulumi.Resource[];
}

export class FrontDoor extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    /** The JSON config Caddy runs with (secret when it holds password hashes). */
    public readonly config: pulumi.Output<string>;

    constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:proxy:FrontDoor", name, {}, opts);
        const s = args.settings;
        const onHost = { parent: this, ...boundToMachine(args.hostMachine) };

        const volume = (role: "data" | "config") => new docker.Volume(`${name}-${role}`, args.dataDir
            ? { driver: "local", driverOpts: { type: "none", o: "bind", device: `${args.dataDir}/${role}` } }
            : {}, { ...onHost, protect: args.protectData && !args.dataDir, retainOnDelete: true });
        const data = volume("data");
        const config = volume("config");

        // Hashes are secrets: the config built from them is one too (apply keeps the secret mark).
        this.config = pulumi.all(args.users.map((u) => u.passwordHash)).apply((hashes) => caddyConfigJson({
            publicHost: args.publicHost,
            ca: s.ca,
            acmeEmail: s.acmeEmail,
            apiPrefix: s.apiPrefix,
            stripApiPrefix: s.stripApiPrefix,
            backend: args.backend,
            frontend: args.frontend,
            users: args.users.map((u, i) => ({ name: u.name, passwordHash: hashes[i] })),
            health: args.health,
            activity: args.activityLog && { backendHealthPath: args.activityLog.backendHealthPath },
        }));

        const image = new docker.RemoteImage(`${name}-image`, { name: s.image, keepLocally: true }, onHost);
        this.container = new docker.Container(`${name}-container`, {
            name: containerName(PROXY_ALIAS),
            image: image.imageId,
            command: ["caddy", "run", "--config", CADDY_CONFIG_FILE],
            uploads: [{ file: CADDY_CONFIG_FILE, content: this.config }],
            networksAdvanced: [{ name: args.network.name, aliases: [PROXY_ALIAS] }],
            ports: [
                { internal: 80, external: s.httpPort, ip: args.publishAddress },
                { internal: 443, external: s.httpsPort, ip: args.publishAddress },
            ],
            volumes: [
                { volumeName: data.name, containerPath: CADDY_DATA_DIR },
                { volumeName: config.name, containerPath: CADDY_CONFIG_DIR },
                ...(args.activityLog ? [{ volumeName: args.activityLog.volume.name, containerPath: ACTIVITY_LOG_DIR }] : []),
            ],
            restart: "unless-stopped",
            labels: [{ label: "rag-stack.role", value: PROXY_ALIAS }],
            ...stopSettings("proxy"),
        }, containerOptions({ ...onHost, dependsOn: args.after ?? [] }));

        this.registerOutputs({ config: this.config });
    }
}
