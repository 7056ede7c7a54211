/**
 * Native placement: `ollama serve` on the machine that runs Pulumi (a Mac's Metal GPU), started
 * detached by a command resource, waited for, model pulled; stopped on delete.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { OllamaSettings } from "../config";
import { HOST_GATEWAY_NAME, OllamaEndpoint } from "./endpoint";
import { ollamaServerEnvironment } from "./environment";
import { scriptCommand, scriptHash } from "./scripts";

export interface NativeOllamaArgs {
    settings: OllamaSettings;
}

export class NativeOllama extends pulumi.ComponentResource implements OllamaEndpoint {
    public readonly placement = "native" as const;
    public readonly urlForContainers: pulumi.Output<string>;
    public readonly needsHostGateway = true;
    public readonly urlForHost: pulumi.Output<string | undefined>;
    public readonly ready: pulumi.Resource[];
    public readonly processor: pulumi.Output<string | undefined>;
    public readonly server: command.local.Command;

    constructor(name: string, args: NativeOllamaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:ollama:NativeOllama", name, {}, opts);
        const s = args.settings;
        const environment = {
            ...ollamaServerEnvironment(s, `${s.bindAddress}:${s.port}`, s.modelsDir),
            RAG_OLLAMA_STATE_DIR: s.stateDir,
            RAG_OLLAMA_READY_TIMEOUT: String(s.readyTimeoutSeconds),
            RAG_OLLAMA_BINARY: s.binary ?? "",
        };
        this.server = new command.local.Command(`${name}-server`, {
            create: scriptCommand("native-start.sh"),
            delete: scriptCommand("native-stop.sh"),
            environment,
            triggers: [scriptHash("native-start.sh")],
        }, { parent: this });

        const model = new command.local.Command(`${name}-model`, {
            create: scriptCommand("native-pull-model.sh"),
            environment: { OLLAMA_URL: `http://127.0.0.1:${s.port}`, OLLAMA_MODEL: s.model },
            triggers: [s.model],
        }, { parent: this, dependsOn: [this.server] });

        this.urlForContainers = pulumi.output(`http://${HOST_GATEWAY_NAME}:${s.port}`);
        this.urlForHost = pulumi.output(`http://127.0.0.1:${s.port}`);
        this.processor = pulumi.output(undefined);
        this.ready = [this.server, model];
        this.registerOutputs({ urlForContainers: this.urlForContainers, urlForHost: this.urlForHost });
    }
}
