/**
 * Native placement: `ollama serve` on the machine that runs Pulumi (a Mac's Metal GPU).
 *
 * Three command resources, so each change touches only what it must:
 *   server  native-start.sh / native-restart.sh / native-stop.sh. A launchd LaunchAgent on macOS, a
 *           detached process with a pidfile on Linux; reused when already running, adopted when
 *           configured, restarted when a server setting (its environment) changes, stopped on
 *           delete (only what it started). Its stdout says the URL it actually bound. An `ollama`
 *           older than ollama.minVersion is refused before anything starts; a change of the minimum
 *           alone checks the running server again without restarting it (RAG_OLLAMA_RUN_HASH).
 *   model   native-pull-model.sh: skipped when present, pulled otherwise; a new model is pulled
 *           without restarting the server. Never deletes a model.
 *   gpu     native-gpu-check.sh: a warm-up load, then the share of the model in VRAM from /api/ps
 *           becomes `processor`; below 100% GPU with accelerator metal/nvidia fails `up`. Re-runs
 *           with every server restart (a settings or a script change), which unloads the model.
 * And one check that is not a resource: native-check.sh as a `command:local:run` invoke, which the
 * provider runs at every preview and `up` (@pulumi/command 1.2.1 local.run: "executed
 * unconditionally"). A resource that did not change never runs, so `up` would say "no change"
 * while Ollama.app or Homebrew's service has taken the port back and the backend talks to it; the
 * check fails the program then, naming the other server. The server's inputs wait for it (not a
 * value of it: nothing of the check's output reaches a resource, so it never causes a change).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import { nativeCapacityCheck } from "../capacity/deploy-check";
import type { OllamaSettings } from "../config/ollama";
import { PROJECT } from "../project";
import { HOST_GATEWAY_NAME, OllamaEndpoint } from "./endpoint";
import { fallbackHostUrl, NATIVE_CHECK_ONLY_VARIABLES, nativeServerEnvironment } from "./environment";
import { scriptCommand, scriptHash, scriptResults } from "./scripts";

export interface NativeOllamaArgs {
    /** Validated Ollama settings from the profile. */
    settings: OllamaSettings;
    /** Stack name, for the launchd label (defaults to the current stack). */
    stack?: string;
}

/** Scripts each resource runs, hashed into its inputs so a script change re-runs it. */
export const NATIVE_SERVER_SCRIPTS = ["native-lib.sh", "native-start.sh", "native-restart.sh", "native-stop.sh"];
export const NATIVE_MODEL_SCRIPTS = ["native-lib.sh", "native-pull-model.sh"];
export const NATIVE_GPU_SCRIPTS = ["native-lib.sh", "native-gpu-check.sh"];
export const NATIVE_CHECK_SCRIPT = "native-check.sh";

export class NativeOllama extends pulumi.ComponentResource implements OllamaEndpoint {
    public readonly placement = "native" as const;
    public readonly urlForContainers: pulumi.Output<string>;
    public readonly needsHostGateway = true;
    public readonly urlForHost: pulumi.Output<string | undefined>;
    public readonly ready: pulumi.Resource[];
    public readonly processor: pulumi.Output<string | undefined>;
    public readonly server: command.local.Command;
    public readonly model: command.local.Command;
    public readonly gpuCheck: command.local.Command;

    constructor(name: string, args: NativeOllamaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:ollama:NativeOllama", name, {}, opts);
        const s = args.settings;
        const settingsEnvironment = nativeServerEnvironment(s, PROJECT, args.stack ?? pulumi.getStack());
        // The scripts' hash rides in the environment (no script reads it): a script change is an input
        // change, so `up` runs `update`, a restart with the new scripts.
        const scriptsHash = scriptHash(...NATIVE_SERVER_SCRIPTS);
        // What one run of the server is: its settings and scripts, without what only the checks read
        // (the minimum version). Any change of it restarts the server (`update`), a settings and a
        // script-only change alike; a restart unloads the model, so the GPU check carries this hash
        // in its triggers and measures again.
        const runEnvironment: Record<string, string> = { ...settingsEnvironment, RAG_OLLAMA_SCRIPTS_HASH: scriptsHash };
        for (const name of NATIVE_CHECK_ONLY_VARIABLES) delete runEnvironment[name];
        const serverRunHash = crypto.createHash("sha256").update(JSON.stringify(runEnvironment)).digest("hex").slice(0, 16);
        // A change of a check-only variable is an input change too (`update`), but native-restart.sh
        // sees the same RAG_OLLAMA_RUN_HASH as the previous run's and checks the running server
        // instead of restarting it.
        const serverEnvironment = { ...settingsEnvironment, RAG_OLLAMA_SCRIPTS_HASH: scriptsHash, RAG_OLLAMA_RUN_HASH: serverRunHash };

        // Every preview and `up`: is the server on the port ours (or the adopted one)? Fails the
        // program, naming the other holder, before the server resource is registered.
        const holderCheck = command.local.runOutput({
            command: scriptCommand(NATIVE_CHECK_SCRIPT),
            environment: settingsEnvironment,
            // Its stdout says who holds the port; only the warnings (stderr) are worth a line at every preview.
            logging: "stderr",
        }, { parent: this });

        // A change of environment (settings, or the scripts' hash carried in it) runs `update`, a
        // restart; removal runs `delete`. No `triggers`: the provider replaces on a trigger change,
        // and a replacement would create the new server before deleting the old one. Should a
        // replacement happen anyway, the old server is stopped first (deleteBeforeReplace).
        this.server = new command.local.Command(`${name}-server`, {
            create: scriptCommand("native-start.sh"),
            update: scriptCommand("native-restart.sh"),
            delete: scriptCommand("native-stop.sh"),
            // The same values, once the check has passed.
            environment: holderCheck.apply(() => serverEnvironment),
            addPreviousOutputInEnv: true,
        }, { parent: this, deleteBeforeReplace: true });

        // The address actually bound (on Linux, `auto` resolves to the Docker bridge gateway at start).
        const fallback = fallbackHostUrl(s.bindAddress, s.port);
        const hostUrl = this.server.stdout.apply((out) => scriptResults(out).url ?? fallback);

        this.model = new command.local.Command(`${name}-model`, {
            create: scriptCommand("native-pull-model.sh"),
            environment: { OLLAMA_URL: hostUrl, OLLAMA_MODEL: s.model },
            // A model store change (OLLAMA_MODELS) needs the model there too.
            triggers: [s.model, s.modelsDir ?? "(default store)", scriptHash(...NATIVE_MODEL_SCRIPTS)],
        }, { parent: this, dependsOn: [this.server] });

        // Do the model, its context and its parallel slots fit the GPU? Real geometry, after the pull.
        const capacity = nativeCapacityCheck(`${name}-capacity`, s, hostUrl, { parent: this, dependsOn: [this.model] });

        this.gpuCheck = new command.local.Command(`${name}-gpu`, {
            create: scriptCommand("native-gpu-check.sh"),
            environment: {
                OLLAMA_URL: hostUrl,
                OLLAMA_MODEL: s.model,
                RAG_OLLAMA_ACCELERATOR: s.accelerator,
                RAG_OLLAMA_KEEP_ALIVE: s.keepAlive,
            },
            // Checked again whenever the model changes, the server restarts (settings or scripts), or
            // the pull or check scripts change: any change to the native scripts measures again.
            triggers: [s.model, serverRunHash, scriptHash(...NATIVE_MODEL_SCRIPTS), scriptHash(...NATIVE_GPU_SCRIPTS)],
        }, { parent: this, dependsOn: [this.model, capacity] });

        this.urlForContainers = pulumi.output(`http://${HOST_GATEWAY_NAME}:${s.port}`);
        this.urlForHost = hostUrl;
        this.processor = this.gpuCheck.stdout.apply((out) => scriptResults(out).processor);
        this.ready = [this.server, this.model, capacity, this.gpuCheck];
        this.registerOutputs({ urlForContainers: this.urlForContainers, urlForHost: this.urlForHost, processor: this.processor });
    }
}
