/**
 * Environment variable names for containers: a letter or `_`, then letters, digits and `_` (the
 * POSIX portable set, what a shell and every app framework can read back). Docker would take more
 * (anything without `=`), but a name such as `API-KEY` or `1X` reaches no program reliably, and a
 * `=` or a newline would change what the variable means.
 */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ENV_NAME_ALLOWED = "a variable name is a letter or _, then letters, digits and _ (e.g. LOG_LEVEL)";

/** The names in `env` that are not valid variable names, in order. */
export function invalidEnvNames(env: Record<string, string>): string[] {
    return Object.keys(env).filter((name) => !ENV_NAME.test(name));
}

/** Control characters (newline, NUL, escape...): never meant in a config value. */
export function hasControlCharacters(text: string): boolean {
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u001f\u007f]/.test(text);
}
