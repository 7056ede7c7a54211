/**
 * The application: one Docker network, Neo4j with its data on a volume (or an adopted one), the
 * backend wired to Ollama through the OllamaEndpoint interface, and the frontend. Before any
 * container, a host precheck (app/host-precheck.ts); before Neo4j, the password change, after it the
 * password check (app/neo4j-password.ts); backend and frontend have health checks `up` waits for (app/health.ts).
 * On a droplet with backups, a new Neo4j image starts only after a backup (backup/pre-upgrade.ts).
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { appHealthcheck } from "./app/health";
import { hostPrecheck } from "./app/host-precheck";
import { neo4jPasswordCheck, neo4jPasswordSync } from "./app/neo4j-password";
import { neo4jPreUpgradeBackup, Neo4jPreUpgradeBackupArgs } from "./backup/pre-upgrade";
import { backendEnvEntries, BackendStackEnv } from "./app/backend-env";
import type { AppImage, ServicesSettings } from "./config/services";
import { boundToMachine, networkBoundToMachine } from "./hosts/machine-bound";
import { appNetworkName, containerName, neo4jDataVolumeName } from "./names";
import { HOST_GATEWAY_NAME, OllamaEndpoint } from "./ollama/endpoint";
import { containerOptions, goDuration, stopSettings } from "./container-options";

/** Network aliases the services answer to on the app network. */
export const NEO4J_ALIAS = "neo4j";
export const BACKEND_ALIAS = "backend";
export const FRONTEND_ALIAS = "frontend";

export interface ServicesArgs {
    settings: ServicesSettings;
    /** The app network, shared with the Ollama container when there is one. */
    network: docker.Network;
    /** Ollama as the backend sees it; the placement itself is never looked at. */
    ollama: OllamaEndpoint;
    /** Model the backend asks Ollama for. */
    model: string;
    neo4jPassword: pulumi.Input<string>;
    /** Protect the Neo4j data volume from deletion (production). */
    protectData: boolean;
    /** Publish the backend's and frontend's host ports; false behind the front door (components/proxy). */
    publishPorts: boolean;
    /** Host directory to keep Neo4j data in instead of a Docker-managed volume (a mounted block volume on a droplet). */
    neo4jDataDir?: string;
    /** The machine the engine runs on when the stack created it: every Docker resource is replaced with it. */
    hostMachine?: pulumi.Resource;
    /** Docker engine URL, for the host precheck and the Neo4j password change run with `docker` on this machine. */
    dockerHost: pulumi.Input<string>;
    /** SSH connection to the Docker host: the precheck and the password change then run there. */
    remoteConnection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    /** The droplet's backup job: a new Neo4j image starts only after it backed the graph up (backup/pre-upgrade.ts). */
    backupBeforeNeo4jUpgrade?: Pick<Neo4jPreUpgradeBackupArgs, "connection" | "installed">;
}

/** The app network every container joins; on a machine the stack created, bound to it (hosts/machine-bound.ts). */
export function createAppNetwork(name: string, opts: pulumi.CustomResourceOptions, machine?: pulumi.CustomResource): docker.Network {
    const bound = networkBoundToMachine(machine);
    return new docker.Network(name, {
        name: appNetworkName(),
        labels: [{ label: "rag-stack.stack", value: pulumi.getStack() }, ...bound.labels],
    }, { ...opts, ...bound.opts, deleteBeforeReplace: true }); // a fixed name: the old network must go first
}

export class Services extends pulumi.ComponentResource {
    public readonly neo4j: docker.Container;
    /** The Neo4j data volume the stack manages; undefined when an existing one is adopted (services.neo4j.volumeName). */
    public readonly neo4jData?: docker.Volume;
    public readonly backend: docker.Container;
    public readonly frontend: docker.Container;
    /** What the backend got as OLLAMA_BASE_URL. */
    public readonly backendOllamaUrl: pulumi.Output<string>;
    private readonly onHost: pulumi.CustomResourceOptions;

    constructor(name: string, args: ServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:app:Services", name, {}, opts);
        const s = args.settings;
        const network = args.network.name;
        const onHost = { parent: this, ...boundToMachine(args.hostMachine) };
        this.onHost = onHost;

        // Before any app container (and before the data volume): no other container on our host
        // ports, the adopted volume exists, and a new Neo4j data volume would not hide an old graph.
        const managedVolume = s.neo4j.volumeName === undefined && !args.neo4jDataDir;
        const precheck = hostPrecheck(`${name}-host-precheck`, {
            // The ports this stack publishes itself: behind the front door the app publishes none.
            hostPorts: [...(args.publishPorts ? [s.backend.hostPort, s.frontend.hostPort] : []), s.neo4j.boltPort, s.neo4j.httpPort],
            ownContainers: ["neo4j", "backend", "frontend", "ollama", "proxy"].map(containerName),
            neo4jVolume: s.neo4j.volumeName,
            neo4jData: managedVolume ? {
                volume: neo4jDataVolumeName(pulumi.getProject(), pulumi.getStack()),
                container: containerName("neo4j"),
                legacyPrefix: `${name}-neo4j-data-`,
            } : undefined,
            dockerHost: args.dockerHost,
            remoteConnection: args.remoteConnection,
        }, { parent: this, ...boundToMachine(args.hostMachine) });

        // With a host data directory (a droplet's block volume, itself protected) the Docker volume
        // is only a bind to it: removing it removes no data, and it must follow a replaced machine.
        // An adopted volume (services.neo4j.volumeName, e.g. the old compose stack's) is only named:
        // the stack never creates or deletes it; the precheck proves it exists.
        // Otherwise the graph lives in a Docker volume with a fixed name, so `destroy` (which keeps
        // it) then `up` finds it again: Docker hands back an existing volume of that name. Stacks
        // deployed when it was auto-named (`app-neo4j-data-<7 hex>`, the bridge's autonaming) keep
        // their volume: `name` is ForceNew (kreuzwerker/terraform-provider-docker v4.5.0
        // resource_docker_volume.go), so ignoreChanges keeps the old name in place of a replacement
        // onto an empty volume; after a destroy, the precheck names the old volume to adopt.
        this.neo4jData = s.neo4j.volumeName !== undefined ? undefined : new docker.Volume(`${name}-neo4j-data`, args.neo4jDataDir
            ? { driver: "local", driverOpts: { type: "none", o: "bind", device: args.neo4jDataDir } }
            : { name: neo4jDataVolumeName(pulumi.getProject(), pulumi.getStack()) }, {
            ...onHost,
            protect: args.protectData && !args.neo4jDataDir,
            retainOnDelete: true,
            ...(managedVolume ? { deleteBeforeReplace: true, ignoreChanges: ["name"] } : {}),
            dependsOn: [precheck],
        });
        const neo4jVolumeName: pulumi.Input<string> = this.neo4jData?.name ?? s.neo4j.volumeName ?? "";
        const neo4jImage = this.image(`${name}-neo4j-image`, { image: s.neo4j.image });
        const neo4jAuth = pulumi.secret(pulumi.interpolate`${s.neo4j.user}/${args.neo4jPassword}`);
        // A changed password is set in the database before the container is replaced (app/neo4j-password.ts).
        const passwordArgs = {
            container: containerName("neo4j"),
            user: s.neo4j.user,
            password: args.neo4jPassword,
            dockerHost: args.dockerHost,
            remoteConnection: args.remoteConnection,
        };
        const passwordSync = neo4jPasswordSync(`${name}-neo4j-password`, { ...passwordArgs, volume: neo4jVolumeName, image: neo4jImage },
            { parent: this, ...boundToMachine(args.hostMachine), dependsOn: [precheck] });
        // A new image migrates the store: the old container is backed up first (it stops, dumps and
        // starts it), after the password sync (both work on the running container, never at once).
        const preUpgrade = args.backupBeforeNeo4jUpgrade && neo4jPreUpgradeBackup(`${name}-neo4j-pre-upgrade-backup`, {
            ...args.backupBeforeNeo4jUpgrade, neo4jContainer: containerName("neo4j"), image: neo4jImage, after: [passwordSync],
        }, { parent: this, ...boundToMachine(args.hostMachine) });
        this.neo4j = new docker.Container(`${name}-neo4j`, {
            name: containerName("neo4j"),
            image: neo4jImage,
            envs: [pulumi.interpolate`NEO4J_AUTH=${neo4jAuth}`],
            networksAdvanced: [{ name: network, aliases: [NEO4J_ALIAS] }],
            volumes: [{ volumeName: neo4jVolumeName, containerPath: "/data" }],
            // Neo4j is never published beyond this machine's loopback: reach it through the app network or an ssh tunnel.
            ports: [
                { internal: 7687, external: s.neo4j.boltPort, ip: "127.0.0.1" },
                { internal: 7474, external: s.neo4j.httpPort, ip: "127.0.0.1" },
            ],
            healthcheck: {
                // Official images have shipped wget or curl depending on the version: accept either.
                tests: ["CMD-SHELL", "wget -q -O /dev/null http://localhost:7474 || curl -fsS -o /dev/null http://localhost:7474 || exit 1"],
                interval: goDuration(10),
                timeout: goDuration(5),
                retries: 10,
                startPeriod: goDuration(30),
            },
            restart: "unless-stopped",
            // `up` waits for the health check, so the backend starts against a Neo4j that answers.
            wait: true,
            waitTimeout: 180,
            labels: [{ label: "rag-stack.role", value: "neo4j" }],
            ...stopSettings("neo4j"),
        }, containerOptions({ ...onHost, dependsOn: [passwordSync, ...(preUpgrade ? [preUpgrade] : [])] }));
        // Healthy is not enough (its check needs no password): does the database accept the configured one?
        const passwordCheck = neo4jPasswordCheck(`${name}-neo4j-password-check`, { ...passwordArgs, neo4j: this.neo4j },
            { parent: this, ...boundToMachine(args.hostMachine) });

        this.backendOllamaUrl = args.ollama.urlForContainers;
        const stackEnv: BackendStackEnv<pulumi.Input<string>> = {
            OLLAMA_BASE_URL: args.ollama.urlForContainers,
            OLLAMA_MODEL: args.model,
            NEO4J_URI: `bolt://${NEO4J_ALIAS}:7687`,
            NEO4J_USER: s.neo4j.user,
            NEO4J_PASSWORD: pulumi.secret(args.neo4jPassword),
        };
        const backendEnv = backendEnvEntries(stackEnv, s.backend.env).map(([k, v]) => pulumi.interpolate`${k}=${v}`);
        this.backend = new docker.Container(`${name}-backend`, {
            name: containerName("backend"),
            image: this.image(`${name}-backend-image`, s.backend),
            envs: backendEnv,
            hosts: args.ollama.needsHostGateway ? [{ host: HOST_GATEWAY_NAME, ip: "host-gateway" }] : [],
            networksAdvanced: [{ name: network, aliases: [BACKEND_ALIAS] }],
            ports: args.publishPorts ? [{ internal: s.backend.port, external: s.backend.hostPort, ip: s.publishAddress }] : [],
            restart: "unless-stopped",
            // `up` fails when the backend does not become healthy (a crash loop): app/health.ts.
            healthcheck: appHealthcheck({ port: s.backend.port, path: s.backend.healthPath, healthCommand: s.backend.healthCommand }),
            wait: true,
            waitTimeout: s.backend.readyTimeoutSeconds,
            labels: [{ label: "rag-stack.role", value: "backend" }],
            ...stopSettings("app"),
        }, containerOptions({ ...onHost, dependsOn: [this.neo4j, passwordCheck, ...args.ollama.ready] }));

        this.frontend = new docker.Container(`${name}-frontend`, {
            name: containerName("frontend"),
            image: this.image(`${name}-frontend-image`, s.frontend),
            envs: [`BACKEND_URL=http://${BACKEND_ALIAS}:${s.backend.port}`],
            networksAdvanced: [{ name: network, aliases: [FRONTEND_ALIAS] }],
            ports: args.publishPorts ? [{ internal: s.frontend.port, external: s.frontend.hostPort, ip: s.publishAddress }] : [],
            restart: "unless-stopped",
            healthcheck: appHealthcheck({ port: s.frontend.port, path: s.frontend.path, healthCommand: s.frontend.healthCommand }),
            wait: true,
            waitTimeout: s.frontend.readyTimeoutSeconds,
            labels: [{ label: "rag-stack.role", value: "frontend" }],
            ...stopSettings("app"),
        }, containerOptions({ ...onHost, dependsOn: [this.backend] }));

        this.registerOutputs({ backendOllamaUrl: this.backendOllamaUrl });
    }

    /**
     * A pulled image, or a locally built one when the config gives a build context; returns the
     * reference to run. A built image is run by its image ID, not its tag: docker.Image rebuilds
     * when the context changes (pulumi/pulumi-docker#872) and, for a local build without push,
     * reports the new image's ID as `repoDigest` (@pulumi/docker 5.2.0 Image docs,
     * pulumi/pulumi-docker#633). A new ID is a new `image` input, which replaces the container;
     * the tag alone never changes, so the old container would keep running the old build.
     */
    private image(name: string, spec: AppImage): pulumi.Output<string> {
        if (spec.build) {
            const built = new docker.Image(name, {
                imageName: spec.image,
                build: { context: spec.build.context, dockerfile: spec.build.dockerfile, args: spec.build.args },
                skipPush: true,
            }, this.onHost);
            return built.repoDigest;
        }
        return new docker.RemoteImage(name, { name: spec.image, keepLocally: true }, this.onHost).imageId;
    }
}
