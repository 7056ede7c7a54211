/**
 * The backup before a new Neo4j image starts (prod: a droplet with the backup job installed,
 * `backup.beforeNeo4jUpgrade`). A new Neo4j version migrates the store when it starts, and there is
 * no way back but a backup. One remote.Command runs scripts/neo4j-pre-upgrade-backup.sh over SSH:
 * with no Neo4j container yet, or one that already runs the image, it does nothing; otherwise it runs
 * the installed neo4j-backup.sh with the daily unit's environment (neo4j-with-unit-env.sh, as the
 * backup commands do) and BACKUP_REASON=pre-upgrade, and
 * a failed backup fails `up` before the new image starts.
 *
 * The engine's order (what tests/unit/neo4j-pre-upgrade-order.test.ts rehearses): the Neo4j
 * container depends on this command, so the SDK registers the container only once the command's
 * create has finished (a dependency's URN resolves with its registration's answer, after its step),
 * and the delete of the old container (delete-before-replace, container-options.ts) belongs to the
 * new container's replacement: the backup has stopped, dumped and started the OLD container, and
 * uploaded, before the engine touches it.
 *
 * Provider facts (pulumi/pulumi-command v1.2.1, provider/pkg/provider):
 * - `triggers` is replaceOnChanges (common/inputs.go): a new image id replaces the command, and a
 *   create runs `create` (remote/commandController.go Create). Any other change (the script's text on
 *   stdin, a new droplet's connection) is an update, which runs `create` again when there is no
 *   `update` (Update): the script then finds the image already running, or no container yet.
 * - No `delete`: Delete does nothing without one (commandController.go Delete), so the old command,
 *   deleted at the end of the update (create-before-delete, the engine's default), runs nothing.
 * - No timeout by default: without customTimeouts the provider's context only cancels
 *   (pulumi-go-provider v1.3.0, which v1.2.1 builds on: middleware/cancel/cancel.go, noTimeout ->
 *   context.WithCancel). With one, only the dial would notice: the command runs in ssh's
 *   session.Run, which takes no context (remote/commandOutputs.go run; the context reaches only
 *   Connection.Dial). So none is set: a backup of a large graph takes what it takes, and it bounds
 *   itself: the unit's BACKUP_UPLOAD_TIMEOUT (its TimeoutStartSec less 10 minutes) comes with the
 *   unit's environment. An `up` cancelled mid-backup drops the SSH session: the shell's hangup is a
 *   signal to neo4j-backup.sh, which starts Neo4j again before it exits (its 128+n).
 */
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { remoteScript, shellQuote } from "../hosts/remote-script";
import { PROJECT } from "../project";
import { BACKUP_SCRIPTS_DIR, BACKUP_UNIT_ENV_RUNNER } from "./scripts";

export const PRE_UPGRADE_SCRIPT = path.join(BACKUP_SCRIPTS_DIR, "neo4j-pre-upgrade-backup.sh");

/** The config key that turns the step off, as the script's failure names it. */
export const PRE_UPGRADE_OPT_OUT = `${PROJECT}:backup.beforeNeo4jUpgrade`;

export interface Neo4jPreUpgradeBackupArgs {
    /** SSH to the droplet the backup job is installed on. */
    connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
    /** The job's install command: the scripts and the unit must be on the droplet first. */
    installed: pulumi.Resource;
    /** The Neo4j container's fixed name. */
    neo4jContainer: string;
    /** The image the new Neo4j container gets, exactly as its `image` input (an image id). */
    image: pulumi.Input<string>;
    /** What else must be done first: whatever else touches the running Neo4j (the password sync). */
    after?: pulumi.Resource[];
}

/** The command the Neo4j container must depend on. */
export function neo4jPreUpgradeBackup(name: string, args: Neo4jPreUpgradeBackupArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
    const script = remoteScript(PRE_UPGRADE_SCRIPT, {
        NEO4J_CONTAINER: args.neo4jContainer,
        BACKUP_RUNNER: BACKUP_UNIT_ENV_RUNNER,
        BACKUP_OPT_OUT: PRE_UPGRADE_OPT_OUT,
    });
    return new command.remote.Command(name, {
        connection: args.connection,
        create: pulumi.output(args.image).apply((image) => `NEO4J_NEW_IMAGE=${shellQuote(image)} ${script.create}`),
        stdin: script.stdin,
        // A new image replaces the command, and its create runs the backup (see the header).
        triggers: [args.image],
        logging: "stdoutAndStderr",
    }, { ...opts, dependsOn: [args.installed, ...(args.after ?? [])] });
}
