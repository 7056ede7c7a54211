/**
 * Secret masking for everything the plan prints. Two rules, applied together:
 *
 * 1. Values at the paths the render reports as secret (`secretPaths`, i.e. the inputs Pulumi would
 *    encrypt) are masked. Pulumi marks a whole list secret when one element is (the backend's
 *    `envs` list is secret because NEO4J_PASSWORD is in it), so a secret list of `NAME=value`
 *    strings is masked element by element: `NAME=[secret]` where the value holds a secret the
 *    render used or the name looks like a credential, the rest shown. Any other secret value
 *    (a scalar, an object, a list element that is not `NAME=value`) is masked whole.
 * 2. Any string anywhere (inputs or outputs) that contains a secret value the render used is
 *    masked, in case a secret lost its secret marking on the way.
 *
 * The plan renders with placeholder secrets only (never the stack's real ones), so what stays
 * visible cannot reveal a real secret either.
 */
import { getAt, isPlainObject, joinPath, setAt } from "./paths";

/** What a masked value is printed as. */
export const MASK = "[secret]";

/** `NAME=value` environment entries. */
const ENV_ENTRY = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;
/** Names whose values are credentials even when they hold no known secret. */
const CREDENTIAL_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|AUTH|CREDENTIAL)/i;

export interface Masked<T> {
    value: T;
    /** Dotted paths whose values were masked (whole or in part). */
    maskedPaths: string[];
}

function containsSecret(text: string, knownSecrets: readonly string[]): boolean {
    return knownSecrets.some((s) => s !== "" && text.includes(s));
}

/** Masks one element of a secret list. */
function maskListElement(element: unknown, knownSecrets: readonly string[]): { value: unknown; masked: boolean } {
    if (typeof element === "string") {
        const env = ENV_ENTRY.exec(element);
        if (env && (containsSecret(env[2], knownSecrets) || CREDENTIAL_NAME.test(env[1]))) {
            return { value: `${env[1]}=${MASK}`, masked: true };
        }
        if (env) return { value: element, masked: false };
    }
    return { value: MASK, masked: true };
}

/** Rule 2: masks strings holding a known secret, anywhere in `value`. */
function maskKnownSecrets(value: unknown, at: string, knownSecrets: readonly string[], masked: string[]): unknown {
    if (typeof value === "string") {
        if (!containsSecret(value, knownSecrets)) return value;
        masked.push(at);
        const env = ENV_ENTRY.exec(value);
        return env ? `${env[1]}=${MASK}` : MASK;
    }
    if (Array.isArray(value)) return value.map((v, i) => maskKnownSecrets(v, joinPath(at, i), knownSecrets, masked));
    if (isPlainObject(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = maskKnownSecrets(v, joinPath(at, k), knownSecrets, masked);
        return out;
    }
    return value;
}

/**
 * Masks a resource's inputs. `secretPaths` come from the render; `knownSecrets` are the secret
 * values the render was given (the placeholder). Returns a copy.
 */
export function maskInputs(
    inputs: Record<string, unknown>,
    secretPaths: readonly string[],
    knownSecrets: readonly string[],
): Masked<Record<string, unknown>> {
    const copy = structuredClone(inputs);
    const masked: string[] = [];
    // Deepest paths first, so a masked parent never hides a child path from the list.
    for (const path of [...secretPaths].sort((a, b) => b.length - a.length)) {
        const value = getAt(copy, path);
        if (value === undefined) continue;
        if (Array.isArray(value)) {
            const elements = value.map((element, i) => {
                const r = maskListElement(element, knownSecrets);
                if (r.masked) masked.push(joinPath(path, i));
                return r.value;
            });
            if (path === "") continue;
            setAt(copy, path, elements);
        } else if (path === "") {
            return { value: {}, maskedPaths: [""] };
        } else {
            setAt(copy, path, MASK);
            masked.push(path);
        }
    }
    const value = maskKnownSecrets(copy, "", knownSecrets, masked) as Record<string, unknown>;
    return { value, maskedPaths: [...new Set(masked)].sort() };
}

/** Masks stack outputs: secret outputs whole, and known secret values anywhere. */
export function maskOutputs(
    outputs: Record<string, unknown>,
    secretOutputs: readonly string[],
    knownSecrets: readonly string[],
): Masked<Record<string, unknown>> {
    const masked: string[] = [];
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        if (secretOutputs.includes(key)) {
            copy[key] = MASK;
            masked.push(key);
        } else {
            copy[key] = maskKnownSecrets(value, key, knownSecrets, masked);
        }
    }
    return { value: copy, maskedPaths: [...new Set(masked)].sort() };
}
