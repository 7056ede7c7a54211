/**
 * The environment `ollama serve` gets from the profile, the same for both placements.
 */
import { OllamaSettings } from "../config";

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
