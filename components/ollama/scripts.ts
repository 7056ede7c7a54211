/**
 * Command lines for the shell scripts in ./scripts. Commands are relative to the project
 * directory (where Pulumi runs the program) so state does not depend on the checkout's path.
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

/** Content hash of a script, so a change to the script is a change to the resource. */
export function scriptHash(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(path.join(SCRIPTS_DIR, file))).digest("hex").slice(0, 16);
}
