/**
 * What the droplet's heal timer recorded (components/hosts/gpu-watchdog/ollama-heal.sh): one line
 * per heal in `<dir>/heals` (`<epoch seconds> <UTC time> <last health check output>`) and, once it
 * gave up, its message in `<dir>/gave-up`. Read on the Docker host: with ssh when the engine is
 * `ssh://user@host` (how verify already reaches prod), directly when the engine is on this machine.
 */
import { lastLine, runBounded } from "./run-bounded";

export interface HealRecord {
    at: Date;
    /** The health check output that caused the heal. */
    reason: string;
}

export interface HealState {
    /** Oldest first. */
    heals: HealRecord[];
    /** The give-up message, when the timer gave up (it restarts nothing until the file is removed). */
    gaveUp?: string;
    /** False when the state directory does not exist: the timer never ran there (or is not installed). */
    dirExists: boolean;
}

const GAVE_UP_MARK = "@@rag-stack-gave-up@@";
const NO_DIR_MARK = "@@rag-stack-no-heal-state@@";

/** The shell command that prints the state: the heals, a separator line, the give-up message. */
export function healStateCommand(dir: string): string {
    if (!/^\/[A-Za-z0-9_./-]+$/.test(dir)) throw new Error(`heal state directory ${JSON.stringify(dir)} is not a plain absolute path`);
    return `[ -d '${dir}' ] || echo ${NO_DIR_MARK}; tail -n 100 '${dir}/heals' 2>/dev/null; echo ${GAVE_UP_MARK}; cat '${dir}/gave-up' 2>/dev/null; exit 0`;
}

/** Parses what healStateCommand printed. */
export function parseHealState(text: string): HealState {
    const cut = text.indexOf(GAVE_UP_MARK);
    const healsText = cut < 0 ? text : text.slice(0, cut);
    const gaveUp = cut < 0 ? "" : text.slice(cut + GAVE_UP_MARK.length).trim();
    const heals: HealRecord[] = [];
    for (const line of healsText.split("\n")) {
        const m = /^(\d+) (\S+) ?(.*)$/.exec(line.trim());
        if (m) heals.push({ at: new Date(Number(m[1]) * 1000), reason: m[3] });
    }
    return { heals, gaveUp: gaveUp || undefined, dirExists: !healsText.includes(NO_DIR_MARK) };
}

/** How to run a command on the Docker engine's machine, or why verify cannot. */
export function hostShell(dockerHost: string | undefined, command: string): { file: string; args: string[] } | string {
    const host = dockerHost ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
    if (host.startsWith("unix://")) return { file: "sh", args: ["-c", command] };
    const ssh = /^ssh:\/\/(?:([^@/]+)@)?([^:/]+)(?::(\d+))?\/?$/.exec(host);
    if (ssh) {
        const [, user, address, port] = ssh;
        return {
            file: "ssh",
            args: ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10", ...(port ? ["-p", port] : []), user ? `${user}@${address}` : address, "--", command],
        };
    }
    return `the Docker engine is ${host}: verify reads the heal state only on this machine or over ssh`;
}

/** Reads the state on the engine's machine, or returns a sentence saying why it could not. */
export async function readHealState(dockerHost: string | undefined, dir: string, timeoutMs: number): Promise<HealState | string> {
    const how = hostShell(dockerHost, healStateCommand(dir));
    if (typeof how === "string") return how;
    const run = await runBounded(how.file, how.args, timeoutMs);
    if (typeof run === "string") return run;
    if (run.code !== 0 || !run.stdout.includes(GAVE_UP_MARK)) return `${how.file} failed (exit ${run.code}): ${lastLine(run.stderr)}`;
    return parseHealState(run.stdout);
}

/** Heals within the hour before `now`. */
export function healsWithinHour(state: HealState, now: Date): number {
    return state.heals.filter((h) => now.getTime() - h.at.getTime() <= 3_600_000).length;
}
