/**
 * Runs one of the project's shell script files on a remote host through `remote.Command`: the
 * script travels on stdin to `sh -s`, its environment as quoted assignments in front of `sh`
 * (sshd's AcceptEnv usually drops variables sent the ssh way). The script stays a file, linted
 * like the others; nothing is copied to the host.
 */
import * as crypto from "crypto";
import * as fs from "fs";

/** Single-quotes a value for POSIX sh. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface RemoteScript {
    /** The command line: `NAME='value' ... sh -s`. */
    create: string;
    /** The script's text, fed to `sh -s`. */
    stdin: string;
    /** Short content hash of the script, for triggers. */
    hash: string;
}

/** The `create` and `stdin` of a remote.Command that runs `scriptPath` with `env`. */
export function remoteScript(scriptPath: string, env: Record<string, string>): RemoteScript {
    for (const name of Object.keys(env)) {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`remote script ${scriptPath}: bad variable name ${name}`);
    }
    const text = fs.readFileSync(scriptPath, "utf8");
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    return {
        create: [...assignments, "sh", "-s"].join(" "),
        stdin: text,
        hash: crypto.createHash("sha256").update(text).digest("hex").slice(0, 16),
    };
}
