/**
 * The configuration of a stack: every `rag-stack:*` key, read and validated before any resource
 * registers. The program calls `loadProfile` (loader.ts); tests and tools call `parseProfile`
 * (profile.ts) on raw values.
 *
 * Where things are:
 *   reader.ts        the shared Reader: one problem per bad key (key, value, what is allowed)
 *   ollama.ts        rag-stack:ollama          (components/ollama/ takes OllamaSettings)
 *   services.ts      rag-stack:services        backend, frontend, neo4j, proxy, auth
 *   host.ts          rag-stack:host, rag-stack:docker
 *   digitalocean.ts  rag-stack:digitalocean    the prod GPU droplet
 *   doks.ts          rag-stack:doks            the scale cluster
 *   secrets.ts       neo4jPassword, digitaloceanToken, authPasswordHashes
 *   rules.ts         the rules that span sections (placement and provider, GPUs, ports, pins, capacity)
 *   profile.ts       parseProfile: the sections in order, then the rules; Profile, ConfigError
 *   loader.ts        loadProfile: Pulumi's config, unknown keys, this machine, warnings
 * Components import the section file of their settings, not this index.
 */
export { loadProfile } from "./loader";
export { ConfigError, parseProfile } from "./profile";
export type { Profile, RawConfig } from "./profile";
export type { RawSecrets } from "./secrets";
export { PROJECT } from "../project";
