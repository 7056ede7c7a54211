/**
 * The Ollama release the stack is tested with, and the shape of `ollama.minVersion`. The comparison
 * itself is the native scripts' (native-lib.sh version_at_least: numeric per component, a
 * pre-release before its release), the one place a version is judged.
 *
 * 0.12.6 because everything here is written against it and checked with it: the pinned image
 * (`ollama/ollama:0.12.6`, components/config/ollama.ts), the stand-in the script tests run
 * (tests/fixtures/ollama, STANDIN_VERSION's default), and the upstream behaviour the code cites at
 * that tag (OLLAMA_KEEP_ALIVE parsing, the model store's pruning, the capacity budget's defaults).
 * Older releases lack some of what the stack relies on: OLLAMA_CONTEXT_LENGTH came in v0.5.13
 * (ollama/ollama#9545 documents it; Aider-AI/aider#3485 names the release), and the 4096-token
 * default context the capacity budget assumes when contextLength is unset came in v0.6.7 (before:
 * 2048; zed-industries/zed#31682 cites the release notes). /api/ps size_vram (the GPU check, the
 * health responder) and keep_alive are older than both. A release below 0.12.6 may work, untested:
 * rag-stack:ollama.minVersion lowers the bar knowingly.
 */

export const OLLAMA_TESTED_VERSION = "0.12.6";

/** What `ollama.minVersion` takes: three dotted numbers, like Ollama's release tags without the v. */
export const MIN_VERSION_PATTERN = /^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$/;
