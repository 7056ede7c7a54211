/**
 * The configuration of a stack: every `rag-stack:*` key, read and validated before any resource
 * registers. The program calls `loadProfile` (loader.ts); tests and tools call `parseProfile`
 * (profile.ts) on raw values. The reference of every key is docs/configuration.md, rendered from
 * the declarations here (`npm run docs:config`).
 *
 * Where things are:
 *   schema.ts        how a key is declared: kind, default, allowed values, doc, where it applies
 *   reader.ts        the shared Reader: reads a mapping by its declarations, one problem per bad key
 *   ollama.ts        rag-stack:ollama          OllamaSettings (components/ollama/)
 *   services.ts      rag-stack:services        backend, frontend, neo4j, proxy, auth
 *   host.ts          rag-stack:host, rag-stack:docker
 *   digitalocean.ts  rag-stack:digitalocean    the prod GPU droplet
 *   doks.ts          rag-stack:doks            the scale cluster
 *   parking.ts       rag-stack:parking         the prod droplet's schedule and idle window
 *   backup.ts        rag-stack:backup          Neo4j's backups (and the secret backupPassword)
 *   secrets.ts       neo4jPassword, digitaloceanToken, authPasswordHashes
 *   sections.ts      the list of sections and secrets (what the loader reads, what the docs show)
 *   rules.ts         the rules that span sections (placement and provider, GPUs, ports, pins, capacity)
 *   profile.ts       parseProfile: the sections in order, then the rules; Profile, ConfigError
 *   loader.ts        loadProfile: Pulumi's config, unknown keys, this machine, warnings
 *   reference.ts     renders docs/configuration.md (not loaded by the program)
 *
 * To add a key: declare it in its section's `section({...})` (one line: kind, default, allowed,
 * doc, appliesTo) and read it in the section's read function with `r.get(name)`; its type, its
 * messages and its row in docs/configuration.md follow. To add a section: a file like ollama.ts
 * (its `section({...})` and read function: `Reader.of(problems, "backup", raw, BACKUP.keys).all()`
 * when its keys need no rule beyond their declarations), a line in sections.ts, a call in
 * profile.ts. Then run `npm run docs:config`. A rule that spans sections goes in rules.ts.
 *
 * Components import the section file of their settings (`../config/ollama`), not this index.
 */
export { loadProfile } from "./loader";
export { ConfigError, parseProfile } from "./profile";
export type { Profile, RawConfig } from "./profile";
export type { RawSecrets } from "./secrets";
export { PROJECT } from "../project";
