/**
 * Command line of `npm run backup`, `npm run restore` and `npm run restore-drill`: flags in
 * (../cli/command-line.ts), typed options out, or a UsageError saying what is wrong. Pure.
 */
import { FlagSpecs, readCommandLine, stackNameFlag, UsageError } from "../cli/command-line";

export { UsageError };

export const BACKUP_ACTIONS = ["backup", "restore", "restore-drill"] as const;
export type BackupAction = (typeof BACKUP_ACTIONS)[number];

export interface BackupOptions {
    action: BackupAction;
    stack: string;
    /** restore, restore-drill: `latest` or a snapshot id (or its prefix). */
    snapshot: string;
    /** restore: restore into the new store and stop there (no switch). */
    noSwitch: boolean;
    /** backup: list the snapshots instead of making one. */
    list: boolean;
    /** The stack outputs from a file (`pulumi stack output --json --show-secrets`) instead of the Pulumi CLI. */
    outputsFile?: string;
}

const WHAT: Record<BackupAction, string> = {
    backup: `Backs the stack's Neo4j graph up now: a consistent dump (Neo4j is stopped for the dump only,
then started again) uploaded encrypted by restic, with the stack's retention.
  dev   to the restic repository on this machine (backup.repository, default ~/rag-stack-backups/<stack>),
        with the password in the stack's secret backupPassword; needs restic and the local engine
  prod  on the droplet over SSH: the job up installed, to the stack's Spaces bucket`,
    restore: `Restores a snapshot into a NEW store, then switches Neo4j to it; the current store is kept.
  dev   into a new Docker volume; the switch sets services.neo4j.volumeName to it and runs up
        (back: set it to the old volume, printed at the end, and up again)
  prod  into a new directory on the Neo4j block volume; the switch stops Neo4j, moves the current
        store aside (data-before-restore-<time>), moves the restored one in and starts Neo4j
Nothing is ever written over the current store.`,
    "restore-drill": `Proves the latest (or a given) snapshot can be brought back: restores it into a scratch
volume, starts a throwaway Neo4j on it (no ports, no network), compares its node and relationship
counts with those recorded at backup time, removes everything it made, records last-drill.json.`,
};

export const usage = (a: BackupAction): string => `Usage: npm run ${a} -- --stack <name>${a === "backup" ? " [--list]" : " [--snapshot <id>]"}${a === "restore" ? " [--no-switch]" : ""} [--outputs <file>]

${WHAT[a]}

  --stack <name>        the stack (dev, prod); its outputs say where (\`backup\`, from its last up)
${a === "backup" ? "  --list                list the stack's snapshots (id, time, reason) and make none\n" : `  --snapshot <id>       a snapshot id or prefix (default: latest); npm run backup -- --stack <name> --list shows them\n`}${a === "restore" ? "  --no-switch           restore into the new store and stop: Neo4j keeps the current one\n" : ""}  --outputs <file>      the stack outputs as JSON (pulumi stack output --json --show-secrets) instead of the CLI
  -h, --help            this text

Exit codes: 0 done; 1 failed (the message says why; Neo4j runs again); 2 usage or a stack without backups.`;

const FLAGS: FlagSpecs = {
    stack: { type: "string", short: "s" },
    snapshot: { type: "string" },
    "no-switch": { type: "boolean" },
    list: { type: "boolean" },
    outputs: { type: "string" },
    help: { type: "boolean", short: "h" },
};

/** Options, or undefined for --help. */
export function parseBackupArgs(action: BackupAction, argv: readonly string[]): BackupOptions | undefined {
    const tokens = readCommandLine(argv, FLAGS, { unknown: (a) => `unknown argument ${JSON.stringify(a)}`, help: "help" });
    const o: Partial<BackupOptions> = { action, snapshot: "latest", noSwitch: false, list: false };
    for (const t of tokens) {
        if (t.kind === "word") throw new UsageError(`unexpected ${JSON.stringify(t.value)}: every argument is a flag`);
        const v = t.value ?? "";
        switch (t.name) {
            case "help": return undefined;
            case "stack":
                o.stack = stackNameFlag(v);
                break;
            case "snapshot":
                if (action === "backup") throw new UsageError("--snapshot is for restore and restore-drill");
                if (v !== "latest" && !/^[0-9a-f]{8,64}$/.test(v)) throw new UsageError(`--snapshot ${JSON.stringify(v)}: expected latest or a snapshot id (8 to 64 hex digits, as restic snapshots prints)`);
                o.snapshot = v;
                break;
            case "no-switch":
                if (action !== "restore") throw new UsageError("--no-switch is for restore only");
                o.noSwitch = true;
                break;
            case "list":
                if (action !== "backup") throw new UsageError("--list is for backup only");
                o.list = true;
                break;
            case "outputs":
                if (v === "") throw new UsageError("--outputs needs a file");
                o.outputsFile = v;
                break;
        }
    }
    if (!o.stack) throw new UsageError("--stack is required");
    return o as BackupOptions;
}
