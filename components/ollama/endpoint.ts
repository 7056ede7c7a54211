/**
 * The one interface the rest of the stack sees of Ollama, whatever its placement. Services take
 * this, never the mode: that is what makes switching placement a config change.
 */
import * as pulumi from "@pulumi/pulumi";
import type { OllamaMode } from "../config/ollama";

export interface OllamaEndpoint {
    /** Where Ollama runs. Informational: consumers must not branch on it. */
    readonly placement: OllamaMode;
    /** Base URL containers on the app network use (the backend's OLLAMA_BASE_URL). */
    readonly urlForContainers: pulumi.Output<string>;
    /** True when Ollama listens on the Docker host: containers need `host.docker.internal:host-gateway`. */
    readonly needsHostGateway: boolean;
    /** Base URL from the machine running Pulumi, or undefined when Ollama is not reachable from there. */
    readonly urlForHost: pulumi.Output<string | undefined>;
    /** Resources that must be complete before a consumer starts: server answering and model pulled. */
    readonly ready: pulumi.Resource[];
    /** Share of the model in VRAM as `ollama ps` prints it ("100% GPU"), when the placement measures it. */
    readonly processor: pulumi.Output<string | undefined>;
}

/** Port Ollama listens on inside its container, whatever the configured host port. */
export const OLLAMA_CONTAINER_PORT = 11434;
/** Network alias of the Ollama container on the app network. */
export const OLLAMA_NETWORK_ALIAS = "ollama";
/** Hostname containers use to reach a server on the Docker host. */
export const HOST_GATEWAY_NAME = "host.docker.internal";
