/**
 * How the backup commands run their scripts: as real processes, output passed through to this
 * terminal as it comes (a backup takes minutes) and stdout kept (the scripts end with an `@...`
 * line the command reads). While one runs, Ctrl-C is left to it: the terminal sends SIGINT to the
 * script too, whose trap starts Neo4j again before it exits; this process waits for that, cleans
 * up, then exits.
 */
import { spawn } from "child_process";

export interface ProcessResult { code: number; stdout: string }

export interface ProcessRunner {
    run(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; stdin?: string; quiet?: boolean }): Promise<ProcessResult>;
}

export const liveProcesses: ProcessRunner = {
    run: (command, args, opts) => new Promise((resolve) => {
        const child = spawn(command, args, { env: opts.env, stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "inherit"] });
        let stdout = "";
        const ignore = () => undefined;
        process.on("SIGINT", ignore);
        process.on("SIGTERM", ignore);
        child.stdout?.on("data", (d: Buffer) => {
            stdout += d.toString();
            if (!opts.quiet) process.stdout.write(d);
        });
        if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
        const done = (code: number) => {
            process.off("SIGINT", ignore);
            process.off("SIGTERM", ignore);
            resolve({ code, stdout });
        };
        child.on("error", (err) => {
            process.stderr.write(`${command}: ${err.message}\n`);
            done(127);
        });
        child.on("close", (code, signal) => done(code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : 15) : 1)));
    }),
};

/** The `@name key=value ...` line a script ends with, as a record (undefined when it printed none). */
export function lastMarker(stdout: string, name: string): Record<string, string> | undefined {
    const line = stdout.split("\n").reverse().find((l) => l.startsWith(`@${name} `));
    if (!line) return undefined;
    const out: Record<string, string> = {};
    for (const word of line.slice(name.length + 2).split(" ")) {
        const i = word.indexOf("=");
        if (i > 0) out[word.slice(0, i)] = word.slice(i + 1);
    }
    return out;
}
