/**
 * Keys in the project's config namespace that the program does not read. Pulumi passes every
 * `rag-stack:*` key to the program and says nothing about the ones it ignores, so a typo (`ollma`,
 * `servics`) or a key set without `--path` (`pulumi config set ollama.mode container` stores the
 * literal key `rag-stack:ollama.mode`, which nothing reads) would silently leave the stack as it was.
 */

/** A config value as the stack file holds it: objects and numbers arrive as JSON text. */
function showConfigValue(value: string): string {
    try {
        return JSON.stringify(JSON.parse(value));
    } catch {
        return JSON.stringify(value);
    }
}

/** `value` as one word of a shell command line. */
function shellWord(value: string): string {
    return /^[A-Za-z0-9._:/@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** Levenshtein distance, small strings only. */
function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The known key `key` most likely meant: same letters ignoring case, or within a third of its length in edits. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
    const exact = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (exact) return exact;
    let best: { key: string; d: number } | undefined;
    for (const k of known) {
        const d = distance(key.toLowerCase(), k.toLowerCase());
        if (d <= Math.max(1, Math.floor(k.length / 3)) && (!best || d < best.d)) best = { key: k, d };
    }
    return best?.key;
}

/**
 * One problem per `project:*` key of `config` that is not in `known` (top-level names such as
 * `ollama`, `neo4jPassword`). Values of `secretKeys` are never shown. Keys of other namespaces
 * (`digitalocean:token`, `pulumi:...`) belong to providers and are left alone.
 */
export function unknownKeyProblems(project: string, config: Record<string, string>, known: readonly string[], secretKeys: readonly string[] = []): string[] {
    const problems: string[] = [];
    const prefix = `${project}:`;
    for (const [key, value] of Object.entries(config)) {
        if (!key.startsWith(prefix)) continue;
        const name = key.slice(prefix.length);
        if (known.includes(name)) continue;
        const shown = secretKeys.includes(key) ? "[secret]" : showConfigValue(value);
        const dot = name.indexOf(".");
        const top = dot < 0 ? name : name.slice(0, dot);
        const topKnown = known.includes(top) ? top : closestKey(top, known);
        if (dot > 0 && topKnown) {
            const path = `${topKnown}${name.slice(dot)}`;
            const secret = secretKeys.includes(key);
            problems.push(
                `${key}: ${shown} is not allowed; it is a literal key with a dot, left by \`pulumi config set ${name} ...\` without --path, and nothing reads it. ` +
                    `Run: pulumi config rm ${name} && pulumi config set --path ${path} ${secret ? "<value> --secret" : shellWord(value)}`,
            );
            continue;
        }
        const hint = closestKey(name, known);
        problems.push(
            `${key}: ${shown} is not allowed; ${project}:${name} is not a setting of this project` +
                `${hint ? ` (did you mean ${project}:${hint}?)` : ""}; known: ${known.join(", ")}`,
        );
    }
    return problems;
}
