/**
 * `loadProfile`: the stack's configuration as Pulumi gives it to the program, validated. The one
 * entry point the program (index.ts) calls, before it registers any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { capacityWarnings } from "../capacity/validate";
import { alertWarnings } from "./alerts";
import { PROJECT } from "../project";
import { ineffectiveKeyWarnings } from "../validation/placement";
import { unknownKeyProblems } from "../validation/unknown-keys";
import { ConfigError, parseProfile, Profile } from "./profile";
import { thisMachineProblems } from "./rules";
import type { RawSecrets } from "./secrets";
import { RawConfig, SECRETS, SECTIONS } from "./sections";

type SecretAwareRuntime = { isConfigSecret?: (key: string) => boolean };

/**
 * Reads the current stack's configuration through Pulumi and validates it. Also refuses what
 * depends on this machine: keys of the namespace nothing reads (known: the sections and secrets of
 * sections.ts), `accelerator: metal` off a Mac and `nvidia` on one, a model store
 * here that holds other things; and warns about keys without effect in this placement and about a
 * model whose size validation cannot tell.
 */
export function loadProfile(): Profile {
    const config = new pulumi.Config(PROJECT);
    const isConfigSecret = (pulumi.runtime as unknown as SecretAwareRuntime).isConfigSecret ?? (() => true);
    const raw = Object.fromEntries(Object.keys(SECTIONS).map((name) => [name, config.getObject(name)])) as RawConfig;
    const secrets: Record<string, RawSecrets[keyof RawSecrets]> = {};
    for (const [name, declared] of Object.entries(SECRETS)) {
        const isSecret = isConfigSecret(`${PROJECT}:${name}`);
        if (declared.value === "mapping") {
            // Read as plain data so that secrets.ts can check it (a user name -> bcrypt hash mapping).
            const value = config.getObject<unknown>(name);
            secrets[name] = value === undefined ? undefined : { value, isSecret };
        } else {
            const value = config.getSecret(name);
            // config.get reads the same value in plain text, for the length check only (it never leaves parseProfile).
            secrets[name] = value === undefined ? undefined : { value, isSecret, text: config.get(name) };
        }
    }

    const all = pulumi.runtime.allConfig();
    const startProblems = unknownKeyProblems(PROJECT, all, [...Object.keys(SECTIONS), ...Object.keys(SECRETS)],
        Object.keys(all).filter((k) => isConfigSecret(k)));
    startProblems.push(...thisMachineProblems(raw.ollama, raw.host, raw.docker));

    let profile: Profile;
    try {
        profile = parseProfile(pulumi.getStack(), raw, secrets as RawSecrets);
    } catch (e) {
        if (e instanceof ConfigError && startProblems.length > 0) throw new ConfigError(e.stack, [...startProblems, ...e.problems]);
        throw e;
    }
    if (startProblems.length > 0) throw new ConfigError(profile.stack, startProblems);
    const ollama = raw.ollama;
    const written = ollama && typeof ollama === "object" ? Object.keys(ollama) : [];
    for (const warning of ineffectiveKeyWarnings(PROJECT, { mode: profile.ollama.mode, provider: profile.host.provider }, written)) {
        pulumi.log.warn(warning);
    }
    const doorCa = profile.host.provider === "digitalocean" && profile.services.proxy.enabled ? profile.services.proxy.ca : undefined;
    for (const warning of alertWarnings({ production: profile.production, provider: profile.host.provider, alerts: profile.alerts, doorCa })) {
        pulumi.log.warn(warning);
    }
    for (const warning of capacityWarnings(profile.ollama, profile.host.provider, profile.digitalocean, profile.doks?.gpuPool.size)) {
        pulumi.log.warn(warning);
    }
    return profile;
}
