/**
 * `npm run backup -- --stack <name> [--list]`, `npm run restore -- --stack <name> [--snapshot ID]
 * [--no-switch]` and `npm run restore-drill -- --stack <name> [--snapshot ID]`: Neo4j's backups on
 * demand, a restore into a new store and the switch to it, and the rehearsal of a restore
 * (tools/backup/run.ts; docs/backups.md). The action is the first argument package.json passes.
 */
import { reportUsage, UsageError } from "./cli/command-line";
import { BACKUP_ACTIONS, BackupAction, parseBackupArgs, usage } from "./backup/args";
import { liveProcesses } from "./backup/processes";
import { runBackupCommand } from "./backup/run";
import { pulumiCli } from "./park/pulumi";

export async function main(argv: string[]): Promise<number> {
    const [first, ...rest] = argv;
    if (!(BACKUP_ACTIONS as readonly string[]).includes(first)) {
        process.stderr.write(`backup: the first argument must be one of ${BACKUP_ACTIONS.join(", ")} (package.json passes it)\n`);
        return 2;
    }
    const action = first as BackupAction;
    let options;
    try {
        options = parseBackupArgs(action, rest);
    } catch (err) {
        if (err instanceof UsageError) return reportUsage(action, usage(action), err);
        throw err;
    }
    if (!options) return reportUsage(action, usage(action));
    return runBackupCommand(options, {
        pulumi: pulumiCli(),
        processes: liveProcesses,
        say: (line) => process.stdout.write(`${line}\n`),
        env: process.env,
        now: () => new Date(),
    });
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: Error) => {
        process.stderr.write(`backup: ${err.message}\n`);
        process.exitCode = 1;
    });
}
