/**
 * The project's name and which of its stacks are production: one copy for the program, the config
 * validation and the policy pack (policy/context.ts imports it; it imports nothing, so the pack's
 * own TypeScript build, policy/tsconfig.json, compiles it as it is).
 */

/** The Pulumi project (Pulumi.yaml `name`), and so the namespace of every config key: `rag-stack:ollama`. */
export const PROJECT = "rag-stack";

/**
 * `prod`, `prod-*`, `scale`, `scale-*`: pinned images required by the config validation, and the
 * policy pack's violations mandatory (a violation stops the update).
 */
export function isProductionStack(stack: string): boolean {
    return /^(prod|scale)(-.+)?$/.test(stack);
}
