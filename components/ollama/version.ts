/**
 * The Ollama release the stack is tested with, and how versions compare (the same rule as
 * native-lib.sh version_at_least, which the native scripts use before they start a server).
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

/** A version Ollama reports: X.Y.Z, then optionally a pre-release (-rc1) and/or build (+abc) suffix. */
const VERSION = /^([0-9]+)\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export interface ParsedVersion {
    core: [number, number, number];
    /** A pre-release suffix (`rc1` of 0.12.6-rc1), or undefined. */
    preRelease?: string;
}

export function parseVersion(text: string): ParsedVersion | undefined {
    const m = VERSION.exec(text.trim());
    if (!m) return undefined;
    return { core: [Number(m[1]), Number(m[2]), Number(m[3])], preRelease: m[4]?.slice(1) };
}

/**
 * Is `found` at least `minimum`? Numeric per component (0.9.0 < 0.12.6). A pre-release comes before
 * its release, as in semver: 0.12.6-rc1 is below 0.12.6 and above 0.12.5 (a release candidate may
 * lack the release's fixes); a build suffix (+...) is ignored. Undefined when either is not a version.
 */
export function versionAtLeast(found: string, minimum: string): boolean | undefined {
    const f = parseVersion(found);
    const m = parseVersion(minimum);
    if (!f || !m) return undefined;
    for (let i = 0; i < 3; i++) {
        if (f.core[i] !== m.core[i]) return f.core[i] > m.core[i];
    }
    if (f.preRelease === undefined) return true;
    if (m.preRelease === undefined) return false;
    return f.preRelease >= m.preRelease;
}
