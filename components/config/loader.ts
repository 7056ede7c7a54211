/**
 * `loadProfile`: the stack's configuration as Pulumi gives it to the program, validated. The one
 * entry point the program (index.ts) calls, before it registers any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { capacityWarnings } from "../capacity/validate";
import { PROJECT } from "../project";
import { ineffectiveKeyWarnings } from "../validation/placement";
import { unknownKeyProblems } from "../validation/unknown-keys";
import { ConfigError, parseProfile, Profile, RawConfig } from "./profile";
import { thisMachineProblems } from "./rules";
import { RawSecrets } from "./secrets";

type SecretAwareRuntime = { isConfigSecret?: (key: string) => boolean };

/**
 * Reads the current stack's configuration through Pulumi and validates it. Also refuses what
 * depends on this machine: keys of the namespace nothing reads (every key read here is known: the
 * `raw` fields and the secrets), `accelerator: metal` off a Mac and `nvidia` on one, a model store
 * here that holds other things; and warns about keys without effect in this placement and about a
 * model whose size validation cannot tell.
 */
export function loadProfile(): Profile {
    const config = new pulumi.Config(PROJECT);
    const isConfigSecret = (pulumi.runtime as unknown as SecretAwareRuntime).isConfigSecret ?? (() => true);
    const secretNames: string[] = [];
    const secret = (key: string) => {
        secretNames.push(key);
        const value = config.getSecret(key);
        // config.get reads the same value in plain text, for the length check only (it never leaves parseProfile).
        return value === undefined ? undefined : { value, isSecret: isConfigSecret(`${PROJECT}:${key}`), text: config.get(key) };
    };
    const raw: RawConfig = {
        ollama: config.getObject("ollama"),
        host: config.getObject("host"),
        docker: config.getObject("docker"),
        services: config.getObject("services"),
        digitalocean: config.getObject("digitalocean"),
        doks: config.getObject("doks"),
    };
    const hashes = config.getObject<unknown>("authPasswordHashes");
    secretNames.push("authPasswordHashes");
    const secrets: RawSecrets = {
        neo4jPassword: secret("neo4jPassword"),
        digitaloceanToken: secret("digitaloceanToken"),
        authPasswordHashes: hashes === undefined ? undefined : { value: hashes, isSecret: isConfigSecret(`${PROJECT}:authPasswordHashes`) },
    };

    const all = pulumi.runtime.allConfig();
    const startProblems = unknownKeyProblems(PROJECT, all, [...Object.keys(raw), ...secretNames],
        Object.keys(all).filter((k) => isConfigSecret(k)));
    startProblems.push(...thisMachineProblems(raw.ollama, raw.host, raw.docker));

    let profile: Profile;
    try {
        profile = parseProfile(pulumi.getStack(), raw, secrets);
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
    for (const warning of capacityWarnings(profile.ollama, profile.host.provider, profile.digitalocean, profile.doks?.gpuPool.size)) {
        pulumi.log.warn(warning);
    }
    return profile;
}
