/**
 * Command lines for the shell scripts in ./scripts, and what the scripts report back. Commands
 * are relative to the project directory (where Pulumi runs the program) so state does not depend
 * on the checkout's path.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");
const SCRIPTS_DIR_FROM_PROJECT = "components/ollama/scripts";

/** `sh components/ollama/scripts/<file>`: the command a resource registers. */
export function scriptCommand(file: string): string {
    return `sh ${SCRIPTS_DIR_FROM_PROJECT}/${file}`;
}

/** Content hash of one or more scripts, so a change to a script is a change to the resource. */
export function scriptHash(...files: string[]): string {
    const hash = crypto.createHash("sha256");
    for (const file of files) hash.update(fs.readFileSync(path.join(SCRIPTS_DIR, file)));
    return hash.digest("hex").slice(0, 16);
}

/**
 * The `@ollama key=value` lines a native script prints on stdout (url, managed, pid, log, version,
 * processor), last value winning. Everything else on stdout is progress for people.
 */
export function scriptResults(stdout: string | undefined): Record<string, string> {
    const results: Record<string, string> = {};
    for (const line of (stdout ?? "").split("\n")) {
        const m = /^@ollama ([a-z-]+)=(.*)$/.exec(line.trimEnd());
        if (m) results[m[1]] = m[2];
    }
    return results;
}
