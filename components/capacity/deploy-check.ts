/**
 * The capacity check at deploy: a command resource that runs scripts/capacity-check.sh after the
 * model is pulled, reading the real geometry from Ollama and the real GPU memory, with the same
 * arithmetic as validation. Native placement: a local.Command on this machine (curl to the
 * server). Container placement: `docker exec` into the Ollama container, on this machine
 * (local.Command with DOCKER_HOST) or on the droplet over SSH (remote.Command, script on stdin).
 * Re-runs when the model, a setting of the budget, the container or the script changes.
 */
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { OllamaSettings } from "../config/ollama";
import { remoteScript } from "../hosts/remote-script";
import { effectiveKvCacheType, OVERHEAD_BYTES } from "./budget";

export const CAPACITY_SCRIPT = path.join(__dirname, "scripts", "capacity-check.sh");
/** Relative to the project directory, where Pulumi runs the program (state does not hold the checkout's path). */
export const CAPACITY_COMMAND = "sh components/capacity/scripts/capacity-check.sh";

/** The budget's settings as the script reads them (unset ones are left to the script's Ollama defaults). */
export function capacityEnvironment(s: OllamaSettings): Record<string, string> {
    const env: Record<string, string> = {
        OLLAMA_MODEL: s.model,
        RAG_OLLAMA_ACCELERATOR: s.accelerator,
        RAG_CAPACITY_OVERHEAD_BYTES: String(OVERHEAD_BYTES),
    };
    if (s.numParallel !== undefined) env.RAG_NUM_PARALLEL = String(s.numParallel);
    if (s.contextLength !== undefined) env.RAG_CONTEXT_LENGTH = String(s.contextLength);
    if (s.kvCacheType !== undefined) env.RAG_KV_CACHE_TYPE = effectiveKvCacheType(s.kvCacheType, s.flashAttention);
    if (s.gpuMemoryGb !== undefined) env.RAG_GPU_MEMORY_GIB = String(s.gpuMemoryGb);
    return env;
}

/** Native placement: the check runs here, against the server's URL. */
export function nativeCapacityCheck(name: string, s: OllamaSettings, ollamaUrl: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions): command.local.Command {
    const env = capacityEnvironment(s);
    return new command.local.Command(name, {
        create: CAPACITY_COMMAND,
        environment: { ...env, OLLAMA_URL: ollamaUrl },
        triggers: [JSON.stringify(env), remoteScript(CAPACITY_SCRIPT, {}).hash],
    }, opts);
}

export interface ContainerCapacityArgs {
    containerName: pulumi.Input<string>;
    /** Changes when the container is replaced: the check runs again on the new one. */
    containerId: pulumi.Input<string>;
    dockerHost: pulumi.Input<string>;
    /** When set, the check runs on the Docker host over SSH. */
    remoteConnection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
}

/** Container placement: the check reads the model and nvidia-smi through `docker exec`. */
export function containerCapacityCheck(name: string, s: OllamaSettings, args: ContainerCapacityArgs,
    opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const env = capacityEnvironment(s);
    if (args.remoteConnection !== undefined) {
        const script = pulumi.output(args.containerName).apply((container) => remoteScript(CAPACITY_SCRIPT, { ...env, OLLAMA_CONTAINER: container }));
        return new command.remote.Command(name, {
            connection: args.remoteConnection,
            create: script.create,
            stdin: script.stdin,
            triggers: [args.containerId, JSON.stringify(env), script.hash],
        }, opts);
    }
    return new command.local.Command(name, {
        create: CAPACITY_COMMAND,
        environment: { ...env, OLLAMA_CONTAINER: args.containerName, DOCKER_HOST: args.dockerHost },
        triggers: [args.containerId, JSON.stringify(env), remoteScript(CAPACITY_SCRIPT, {}).hash],
    }, opts);
}
