/**
 * What the policies need to know about the stack being checked, and the enforcement level that
 * follows from it.
 *
 * Under `pulumi preview/up --policy-pack policy` the engine starts the pack with the stack in
 * PULUMI_STACK (PULUMI_NODEJS_STACK on older CLIs) and the stack's config, secrets decrypted, as
 * JSON in PULUMI_CONFIG (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, constructEnv).
 * Production stacks (`prod`, `prod-*`, `scale`, `scale-*`: components/project.ts, the rule the config validation uses) get `mandatory`:
 * a violation stops the update. Every other stack gets `advisory`: violations are printed, the
 * update goes on. A pack started without a stack name is treated as production (fail closed).
 * `--policy-pack-config` can still override one policy or all (Pulumi's standard precedence).
 */
import { EnforcementLevel } from "@pulumi/policy";
import { isProductionStack, PROJECT } from "../components/project";

export interface PolicyContext {
    /** Stack name, or undefined when the engine did not say. */
    stack?: string;
    production: boolean;
    enforcement: EnforcementLevel;
    /** `rag-stack:ollama.accelerator` of the stack (metal | nvidia | cpu), when known. */
    ollamaAccelerator?: string;
    /**
     * The VPC's private range (`rag-stack:digitalocean.vpcIpRange`), when the stack configures one.
     * Unset, DigitalOcean picks the range at creation and the pack cannot know it: production then
     * allows loopback only, never a guessed range.
     */
    vpcIpRange?: string;
    /** `rag-stack:digitalocean.allowSshFromAnywhere`: the stack's explicit consent to a wide SSH rule. */
    allowSshFromAnywhere?: boolean;
    /** `rag-stack:host.provider`, when the stack writes it. */
    hostProvider?: string;
    /**
     * `rag-stack:backup`: `enabled` as the config reads it (unset: true on a droplet the stack
     * creates, components/config/backup.ts), whether it was written, and `disabledOnPurpose`.
     */
    backup: { enabled: boolean; enabledWritten: boolean; disabledOnPurpose: boolean };
}

/** Parses a config value that holds YAML-mapping data (the engine passes it as JSON text). */
function configObject(config: Record<string, unknown>, key: string): Record<string, unknown> {
    const raw = config[`${PROJECT}:${key}`];
    if (raw && typeof raw === "object") return raw as Record<string, unknown>;
    if (typeof raw !== "string") return {};
    try {
        const parsed: unknown = JSON.parse(raw);
        return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}

/** The context for `stack` with its config (`project:key` to value, values as the engine passes them). */
export function policyContext(stack: string | undefined, config: Record<string, unknown> = {}): PolicyContext {
    const production = stack === undefined || isProductionStack(stack);
    const ollama = configObject(config, "ollama");
    const digitalocean = configObject(config, "digitalocean");
    const host = configObject(config, "host");
    const backup = configObject(config, "backup");
    const hostProvider = typeof host.provider === "string" ? host.provider : undefined;
    const flag = (v: unknown) => v === true || v === "true";
    const accelerator = typeof ollama.accelerator === "string" ? ollama.accelerator : undefined;
    const vpcIpRange = typeof digitalocean.vpcIpRange === "string" ? digitalocean.vpcIpRange : undefined;
    return {
        stack,
        production,
        enforcement: production ? "mandatory" : "advisory",
        ollamaAccelerator: accelerator,
        vpcIpRange,
        allowSshFromAnywhere: digitalocean.allowSshFromAnywhere === true || digitalocean.allowSshFromAnywhere === "true",
        hostProvider,
        backup: {
            enabled: backup.enabled === undefined ? hostProvider === "digitalocean" : flag(backup.enabled),
            enabledWritten: backup.enabled !== undefined,
            disabledOnPurpose: flag(backup.disabledOnPurpose),
        },
    };
}

/** The context of the stack the engine started this pack for. */
export function policyContextFromEnvironment(env: NodeJS.ProcessEnv): PolicyContext {
    const stack = env.PULUMI_STACK || env.PULUMI_NODEJS_STACK || undefined;
    let config: Record<string, unknown> = {};
    try {
        config = env.PULUMI_CONFIG ? (JSON.parse(env.PULUMI_CONFIG) as Record<string, unknown>) : {};
    } catch {
        config = {};
    }
    return policyContext(stack, config);
}
