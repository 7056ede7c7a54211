/** Command lines and hashes for the app's shell scripts in ./scripts (paths relative to the project, as Pulumi runs it). */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const APP_SCRIPTS_DIR = path.join(__dirname, "scripts");

/** `sh components/app/scripts/<file>`: the command a local.Command registers. */
export function appScriptCommand(file: string): string {
    return `sh components/app/scripts/${file}`;
}

/** Short content hash of a script, so a change to the script re-runs its command. */
export function appScriptHash(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(path.join(APP_SCRIPTS_DIR, file))).digest("hex").slice(0, 16);
}
