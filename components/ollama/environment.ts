/**
 * The environment `ollama serve` gets from the profile, the same for both placements, and the
 * native placement's own additions (what the lifecycle scripts need).
 */
import type { OllamaSettings } from "../config/ollama";

/** OLLAMA_* variables for the server, only those the profile sets (Ollama's defaults otherwise). */
export function ollamaServerEnvironment(s: OllamaSettings, listen: string, modelsDir: string | undefined): Record<string, string> {
    const env: Record<string, string> = {
        OLLAMA_HOST: listen,
        OLLAMA_ORIGINS: s.origins.join(","),
        OLLAMA_KEEP_ALIVE: s.keepAlive,
    };
    if (modelsDir !== undefined) env.OLLAMA_MODELS = modelsDir;
    if (s.flashAttention !== undefined) env.OLLAMA_FLASH_ATTENTION = s.flashAttention ? "1" : "0";
    if (s.kvCacheType !== undefined) env.OLLAMA_KV_CACHE_TYPE = s.kvCacheType;
    if (s.numParallel !== undefined) env.OLLAMA_NUM_PARALLEL = String(s.numParallel);
    if (s.contextLength !== undefined) env.OLLAMA_CONTEXT_LENGTH = String(s.contextLength);
    return env;
}

/** `address:port` as OLLAMA_HOST takes it; an IPv6 address in brackets. `auto` is kept for the start script to resolve. */
export function listenAddress(bindAddress: string, port: number): string {
    return bindAddress.includes(":") ? `[${bindAddress}]:${port}` : `${bindAddress}:${port}`;
}

/** The launchd label of a stack's native server (macOS): one agent per stack, never Ollama.app's own. */
export function launchdLabel(project: string, stack: string): string {
    return `local.${project}.${stack}.ollama`;
}

/**
 * Environment of the native server command (native-start.sh / -restart.sh / -stop.sh): the server's
 * OLLAMA_* variables plus RAG_OLLAMA_* settings of the lifecycle scripts. RAG_OLLAMA_SERVER_ENV names
 * the OLLAMA_* variables the stack decides: the scripts pass only those to `ollama serve` (the command
 * provider also hands them the whole environment of the shell that ran pulumi, and launchd its own).
 */
export function nativeServerEnvironment(s: OllamaSettings, project: string, stack: string): Record<string, string> {
    const server = ollamaServerEnvironment(s, listenAddress(s.bindAddress, s.port), s.modelsDir);
    return {
        ...server,
        RAG_OLLAMA_SERVER_ENV: Object.keys(server).join(" "),
        RAG_OLLAMA_STATE_DIR: s.stateDir,
        RAG_OLLAMA_LABEL: launchdLabel(project, stack),
        RAG_OLLAMA_READY_TIMEOUT: String(s.readyTimeoutSeconds),
        RAG_OLLAMA_BINARY: s.binary ?? "",
        RAG_OLLAMA_ADOPT: s.adoptExisting ? "true" : "false",
        RAG_OLLAMA_MIN_VERSION: s.minVersion,
    };
}

/**
 * Variables of nativeServerEnvironment that only the scripts' checks read, never the running server:
 * a change of one is an update that checks the running server again without restarting it
 * (native-restart.sh compares RAG_OLLAMA_RUN_HASH, which leaves these out).
 */
export const NATIVE_CHECK_ONLY_VARIABLES = ["RAG_OLLAMA_MIN_VERSION"] as const;

/**
 * URL this machine uses before the start script has said which address it bound: the configured
 * address (0.0.0.0 and :: reached through loopback), or 127.0.0.1 for `auto` (what macOS resolves to;
 * on Linux the real address comes from the script's output).
 */
export function fallbackHostUrl(bindAddress: string, port: number): string {
    const host = bindAddress === "auto" || bindAddress === "0.0.0.0" || bindAddress === "localhost" ? "127.0.0.1"
        : bindAddress === "::" ? "[::1]"
        : bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress;
    return `http://${host}:${port}`;
}
