/**
 * Lets policies see which inputs the engine sent as secrets.
 *
 * The engine sends a resource's inputs to a policy pack with secrets marked (analyzer_plugin.go
 * marshals with KeepSecrets), but @pulumi/policy unwraps every secret before `validateResource`
 * sees `args.props` (deserialize.ts, `deserializeProperties(props, false)`), so "is the Neo4j
 * password a secret?" cannot be answered from `args.props` alone. `recordEngineSecrets()` wraps
 * that deserializer: before unwrapping, it records the dotted paths of the secret markers in the
 * engine's message and attaches them to the props under a symbol, which `secretPathsOf` reads.
 * The props themselves are unchanged.
 *
 * The wrapper targets @pulumi/policy 1.21 (pinned in policy/package.json). If a later version
 * moves that function, `recordEngineSecrets` returns false, `secretPathsOf` returns undefined and
 * the password policy reports that it cannot check, instead of passing silently.
 */

/** Pulumi's marker for special values in engine messages, and its value for secrets (sdk/nodejs/runtime/rpc.ts). */
export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Where the recorded paths live on a props object (non-enumerable, so policies never trip on it). */
export const SECRET_PATHS = Symbol.for("rag-stack.policy.secretPaths");

/** Dotted paths of the secret markers in engine-marshalled properties (`envs`, `envs.4`, `connection.password`). */
export function secretMarkerPaths(value: unknown, at = ""): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => secretMarkerPaths(v, at ? `${at}.${i}` : String(i)));
    if (value === null || typeof value !== "object") return [];
    const obj = value as Record<string, unknown>;
    if (obj[SPECIAL_SIG_KEY] === SECRET_SIG) return [at, ...secretMarkerPaths(obj.value, at)];
    return Object.entries(obj).flatMap(([k, v]) => secretMarkerPaths(v, at ? `${at}.${k}` : k));
}

/** Attaches secret paths to a props object, as the recorder does. */
export function withSecretPaths<T extends object>(props: T, paths: string[]): T {
    Object.defineProperty(props, SECRET_PATHS, { value: Object.freeze([...paths]), enumerable: false });
    return props;
}

/** The secret paths recorded for these props, or undefined when nothing recorded them. */
export function secretPathsOf(props: object): readonly string[] | undefined {
    const paths = (props as Record<symbol, unknown>)[SECRET_PATHS];
    return Array.isArray(paths) ? (paths as string[]) : undefined;
}

/** True when the value at `path` is secret: a secret path equals it or contains it. */
export function isSecretPath(secretPaths: readonly string[], path: string): boolean {
    return secretPaths.some((p) => p === "" || p === path || path.startsWith(`${p}.`));
}

type Struct = { toJavaScript(): unknown };
type Deserializer = (struct: Struct, proxySecrets: boolean) => Record<string, unknown>;
const RECORDER = Symbol.for("rag-stack.policy.secretRecorder");

/** Installs the recorder on @pulumi/policy's deserializer. Idempotent; false when it cannot. */
export function recordEngineSecrets(): boolean {
    let module: { deserializeProperties?: Deserializer & { [RECORDER]?: true } };
    try {
        module = require("@pulumi/policy/deserialize") as typeof module;
    } catch {
        return false;
    }
    const original = module.deserializeProperties;
    if (typeof original !== "function") return false;
    if (original[RECORDER]) return true;
    const recording: Deserializer & { [RECORDER]?: true } = (struct, proxySecrets) => {
        const props = original(struct, proxySecrets);
        if (!proxySecrets && props && typeof props === "object") {
            withSecretPaths(props, secretMarkerPaths(struct.toJavaScript()));
        }
        return props;
    };
    recording[RECORDER] = true;
    module.deserializeProperties = recording;
    return true;
}
