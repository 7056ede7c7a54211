/**
 * Container placement: Ollama in a pinned `ollama/ollama` container on the app network, alias
 * `ollama`, NVIDIA GPUs requested when the accelerator is nvidia, model store on a volume, and the
 * model pulled into it during `up` (skipped when present).
 *
 * No host port is published, in dev either. A placement switch is not a replacement: the engine
 * creates the incoming placement (and replaces the backend) before it deletes the outgoing one at
 * the end of the update (pulumi/pulumi#9979). A container publishing 127.0.0.1:<port> would be
 * created while native Ollama still holds that port ("address already in use"), and on the way
 * back native-start.sh would find the container answering on it. Without a published port the two
 * placements never need the same thing at the same moment; `npm run verify` reaches the container
 * with `docker exec` (into the Ollama container and the backend), as in prod. The other design, a
 * handoff resource that stops the outgoing placement first, would have to know the placement the
 * program no longer declares, and would stop Ollama before the new one is even pulled.
 */
import * as path from "path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { containerCapacityCheck } from "../capacity/deploy-check";
import { boundToMachine } from "../hosts/machine-bound";
import type { OllamaSettings } from "../config/ollama";
import { remoteScript } from "../hosts/remote-script";
import { containerName, modelsVolumeName } from "../names";
import { OLLAMA_CONTAINER_PORT, OLLAMA_NETWORK_ALIAS, OllamaEndpoint } from "./endpoint";
import { ollamaServerEnvironment } from "./environment";
import { ollamaHealthCheck, ollamaHealthEnvironment } from "./health-check";
import { SCRIPTS_DIR, scriptCommand, scriptHash, scriptResults } from "./scripts";
import { keepAliveAsDuration } from "../validation/keep-alive";
import { containerOptions, stopSettings } from "../container-options";

export interface OllamaContainerArgs {
    settings: OllamaSettings;
    /** The app network; the container joins it with alias `ollama`. */
    network: docker.Network;
    /** Docker engine URL, for the model pull run through `docker exec`. */
    dockerHost: pulumi.Input<string>;
    /** True when the engine is on this machine: a configured modelsDir is then bind-mounted as the model store. */
    localEngine: boolean;
    /** A directory on the Docker host for the model store (a droplet's block volume); wins over modelsDir. */
    modelsHostDir?: string;
    /**
     * SSH connection to the Docker host: when set, the model is pulled by a `remote.Command` running
     * `docker exec` on the host itself (the Ollama port is never published for it).
     */
    remoteConnection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    /** The machine the engine runs on when the stack created it: Docker resources are replaced with it. */
    hostMachine?: pulumi.Resource;
}

/** Where the official image keeps its models (OLLAMA_MODELS default for root). */
export const CONTAINER_MODELS_PATH = "/root/.ollama/models";

export class OllamaContainer extends pulumi.ComponentResource implements OllamaEndpoint {
    public readonly placement = "container" as const;
    public readonly urlForContainers: pulumi.Output<string>;
    public readonly needsHostGateway = false;
    public readonly urlForHost: pulumi.Output<string | undefined>;
    public readonly ready: pulumi.Resource[];
    public readonly processor: pulumi.Output<string | undefined>;
    public readonly container: docker.Container;
    public readonly modelsVolume: docker.Volume;

    constructor(name: string, args: OllamaContainerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:ollama:OllamaContainer", name, {}, opts);
        const s = args.settings;
        const onHost = { parent: this, ...boundToMachine(args.hostMachine) };
        const image = new docker.RemoteImage(`${name}-image`, { name: s.image, keepLocally: true }, onHost);

        // The model store: a host directory when there is one (the droplet's models volume, or the
        // local engine's configured modelsDir), else a Docker-managed volume.
        const modelsHostDir = args.modelsHostDir ?? (args.localEngine ? s.modelsDir : undefined);
        // The local engine's configured modelsDir may not exist yet (a Mac that never ran native
        // Ollama): Docker cannot bind a missing directory, so it is created first (scripts/models-dir.sh).
        const modelsDir = args.modelsHostDir === undefined && modelsHostDir !== undefined
            ? [new command.local.Command(`${name}-models-dir`, {
                create: scriptCommand("models-dir.sh"),
                environment: { RAG_MODELS_DIR: modelsHostDir },
                triggers: [modelsHostDir, scriptHash("models-dir.sh")],
            }, { parent: this })]
            : [];
        this.modelsVolume = new docker.Volume(`${name}-models`, {
            name: modelsVolumeName(pulumi.getProject(), pulumi.getStack(), modelsHostDir),
            ...(modelsHostDir !== undefined ? { driver: "local", driverOpts: { type: "none", o: "bind", device: modelsHostDir } } : {}),
        }, { ...onHost, retainOnDelete: true, dependsOn: modelsDir });

        const ollamaContainer = containerName("ollama");
        this.container = new docker.Container(`${name}`, {
            name: ollamaContainer,
            image: image.imageId,
            envs: Object.entries(ollamaServerEnvironment(s, `0.0.0.0:${OLLAMA_CONTAINER_PORT}`, CONTAINER_MODELS_PATH))
                .map(([k, v]) => `${k}=${v}`)
                .concat(Object.entries(ollamaHealthEnvironment(s.accelerator)).map(([k, v]) => `${k}=${v}`)),
            gpus: s.accelerator === "nvidia" ? "all" : undefined,
            restart: "unless-stopped",
            networksAdvanced: [{ name: args.network.name, aliases: [OLLAMA_NETWORK_ALIAS] }],
            volumes: [{ volumeName: this.modelsVolume.name, containerPath: CONTAINER_MODELS_PATH }],
            // No published port (see the header): the app network and `docker exec` reach it.
            ports: [],
            // With nvidia, the check proves the GPU is still usable inside the container (health-check.ts).
            healthcheck: ollamaHealthCheck(s.accelerator),
            wait: true,
            waitTimeout: s.readyTimeoutSeconds,
            labels: [{ label: "rag-stack.role", value: "ollama" }],
            ...stopSettings("ollama"),
        }, containerOptions(onHost));

        const pullEnv = { OLLAMA_CONTAINER: ollamaContainer, OLLAMA_MODEL: s.model };
        // `ollama run --keepalive` takes only a Go duration (cmd/cmd.go, v0.12.6): seconds get their unit.
        const gpuEnv = { ...pullEnv, RAG_OLLAMA_ACCELERATOR: s.accelerator, RAG_OLLAMA_KEEP_ALIVE: keepAliveAsDuration(s.keepAlive) };
        const pull = this.hostScript(`${name}-model`, "container-pull-model.sh", pullEnv, args, [s.model], [this.container]);

        // Do the model, its context and its parallel slots fit the GPU? Real geometry, after the pull,
        // before anything loads the model.
        const capacity = containerCapacityCheck(`${name}-capacity`, s, {
            containerName: this.container.name, containerId: this.container.id,
            dockerHost: args.dockerHost, remoteConnection: args.remoteConnection,
        }, { parent: this, dependsOn: [pull] });

        // Then, like the native placement: a warm-up loads the model and `ollama ps` gives its GPU
        // share, reported as the ollamaProcessor output; below 100% GPU with nvidia fails `up`.
        const gpuCheck = this.hostScript(`${name}-gpu-check`, "container-gpu-check.sh", gpuEnv, args,
            [s.model, s.accelerator, s.keepAlive], [capacity]);

        this.urlForContainers = pulumi.output(`http://${OLLAMA_NETWORK_ALIAS}:${OLLAMA_CONTAINER_PORT}`);
        this.urlForHost = pulumi.output(undefined);
        this.processor = gpuCheck.stdout.apply((out) => scriptResults(out).processor);
        this.ready = [this.container, pull, capacity, gpuCheck];
        this.registerOutputs({ urlForContainers: this.urlForContainers, urlForHost: this.urlForHost, processor: this.processor });
    }

    /**
     * Runs one of the scripts where `docker` reaches the container: on the Docker host over SSH
     * (remote.Command, the script on stdin) or on this machine through DOCKER_HOST. Re-runs when the
     * container is replaced, a trigger changes, or the script itself changes.
     */
    private hostScript(name: string, file: string, env: Record<string, string>, args: OllamaContainerArgs,
        triggers: pulumi.Input<string>[], after: pulumi.Resource[]): command.local.Command | command.remote.Command {
        if (args.remoteConnection !== undefined) {
            const script = remoteScript(path.join(SCRIPTS_DIR, file), env);
            return new command.remote.Command(name, {
                connection: args.remoteConnection,
                create: script.create,
                stdin: script.stdin,
                triggers: [this.container.id, ...triggers, script.hash],
            }, { parent: this, dependsOn: after });
        }
        return new command.local.Command(name, {
            create: scriptCommand(file),
            environment: { ...env, DOCKER_HOST: args.dockerHost, OLLAMA_CONTAINER: this.container.name },
            triggers: [this.container.id, ...triggers, scriptHash(file)],
        }, { parent: this, dependsOn: after });
    }
}
