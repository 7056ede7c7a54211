/**
 * Keys that have no effect where Ollama and the app are placed: set, accepted, and silently
 * ignored, which misleads. Warned about (pulumi.log.warn at program start), not refused: switching
 * placement back and forth with the other placement's keys left in the file is normal.
 */
import type { HostProvider } from "../config/host";
import type { OllamaMode } from "../config/ollama";

export interface PlacementFacts {
    mode: OllamaMode;
    provider: HostProvider;
}

/** The Ollama keys written in the stack file. */
export type WrittenOllamaKeys = readonly string[];

const NATIVE_ONLY: Record<string, string> = {
    bindAddress: "the native server's listen address; a container listens inside its own network",
    binary: "the ollama executable the native server runs",
    adoptExisting: "adopting an Ollama already running on this machine",
    stateDir: "the native server's pidfile and log directory",
};

/** One warning per written Ollama key that does nothing in this placement. */
export function ineffectiveKeyWarnings(project: string, facts: PlacementFacts, written: WrittenOllamaKeys): string[] {
    const warnings: string[] = [];
    const key = (name: string) => `${project}:ollama.${name}`;
    if (facts.mode === "container") {
        for (const [name, what] of Object.entries(NATIVE_ONLY)) {
            if (written.includes(name)) {
                warnings.push(`${key(name)} has no effect with ${key("mode")} "container" (it sets ${what}); it applies again if you switch back to mode: native`);
            }
        }
        if (written.includes("modelsDir") && facts.provider !== "local") {
            warnings.push(`${key("modelsDir")} has no effect with ${project}:host.provider "${facts.provider}" (a directory on this machine cannot back a remote engine's model store)`);
        }
    }
    if (facts.mode === "native" && written.includes("image")) {
        warnings.push(`${key("image")} has no effect with ${key("mode")} "native" (the native server runs the installed ollama); it applies again if you switch to mode: container`);
    }
    return warnings;
}
