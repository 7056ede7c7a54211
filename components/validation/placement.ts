/**
 * Keys that have no effect where Ollama and the app are placed: set, accepted, and silently
 * ignored, which misleads. Warned about (pulumi.log.warn at program start), not refused: switching
 * placement back and forth with the other placement's keys left in the file is normal.
 *
 * Where a key has an effect is a fact of its declaration (`appliesTo`, `elsewhere` in
 * components/config/ollama.ts), the same fact docs/configuration.md's "read by" column is rendered
 * from. Warned about: the keys of one placement on this machine (native) under the other
 * (container) and back, and a local model store for a remote engine. A cluster's stack file is
 * written for the cluster; the keys of the other placements are not warned about there.
 */
import type { HostProvider } from "../config/host";
import { OLLAMA, OllamaMode } from "../config/ollama";
import type { AppliesTo } from "../config/schema";

export interface PlacementFacts {
    mode: OllamaMode;
    provider: HostProvider;
}

/** The Ollama keys written in the stack file. */
export type WrittenOllamaKeys = readonly string[];

/** One warning per written Ollama key that does nothing in this placement. */
export function ineffectiveKeyWarnings(project: string, facts: PlacementFacts, written: WrittenOllamaKeys): string[] {
    if (facts.mode === "kubernetes") return [];
    const key = (name: string) => `${project}:ollama.${name}`;
    const declared = Object.entries(OLLAMA.keys as Record<string, { appliesTo?: AppliesTo; elsewhere?: string }>)
        .filter(([name]) => written.includes(name));
    const warnings: string[] = [];
    for (const [name, { appliesTo, elsewhere }] of declared) {
        if (!appliesTo?.modes || appliesTo.modes.includes(facts.mode)) continue;
        // Native is where a stack on this machine starts: going there is going back.
        const back = appliesTo.modes[0] === "native" ? "back " : "";
        warnings.push(`${key(name)} has no effect with ${key("mode")} "${facts.mode}" (${elsewhere}); it applies again if you switch ${back}to mode: ${appliesTo.modes[0]}`);
    }
    // By host: only a container can be on another provider's engine (native there is refused, config/rules.ts).
    for (const [name, { appliesTo, elsewhere }] of facts.mode === "container" ? declared : []) {
        if (appliesTo?.modes && !appliesTo.modes.includes(facts.mode)) continue;
        if (!appliesTo?.providers || appliesTo.providers.includes(facts.provider)) continue;
        warnings.push(`${key(name)} has no effect with ${project}:host.provider "${facts.provider}" (${elsewhere})`);
    }
    return warnings;
}
