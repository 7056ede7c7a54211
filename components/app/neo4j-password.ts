/**
 * A changed rag-stack:neo4jPassword reaches Neo4j itself, not only the backend (NEO4J_AUTH only
 * initialises a new database). One command, run on the Docker host before the Neo4j container is
 * replaced: scripts/neo4j-password.sh reads the old password from the running container's
 * NEO4J_AUTH and runs ALTER CURRENT USER SET PASSWORD through cypher-shell in it.
 *
 * It re-runs when the password changes (it is in the command's environment or stdin, both
 * secret) or the script changes; a container replaced for another reason does not re-run it.
 * Nothing it prints is secret (progress goes to stderr; the passwords never leave the host).
 */
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "../hosts/remote-script";
import { APP_SCRIPTS_DIR, appScriptCommand, appScriptHash } from "./scripts";
import * as fs from "fs";

const SCRIPT = "neo4j-password.sh";

export interface Neo4jPasswordSyncArgs {
    /** Fixed name of the Neo4j container. */
    container: string;
    user: string;
    password: pulumi.Input<string>;
    /** Docker engine URL for a local run (`docker` on this machine). */
    dockerHost: pulumi.Input<string>;
    /** SSH connection to the Docker host: the script then runs there (remote.Command). */
    remoteConnection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
}

/** The command resource; the Neo4j container must depend on it. */
export function neo4jPasswordSync(name: string, args: Neo4jPasswordSyncArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const password = pulumi.secret(args.password);
    const hash = appScriptHash(SCRIPT);
    if (args.remoteConnection !== undefined) {
        const text = fs.readFileSync(path.join(APP_SCRIPTS_DIR, SCRIPT), "utf8");
        // The password travels in the script's stdin (a secret input), not on the remote command line.
        return new command.remote.Command(name, {
            connection: args.remoteConnection,
            create: `NEO4J_CONTAINER=${shellQuote(args.container)} NEO4J_USER=${shellQuote(args.user)} sh -s`,
            stdin: pulumi.secret(pulumi.interpolate`NEO4J_NEW_PASSWORD=${password.apply(shellQuote)}\nexport NEO4J_NEW_PASSWORD\n${text}`),
            triggers: [hash],
        }, opts);
    }
    return new command.local.Command(name, {
        create: appScriptCommand(SCRIPT),
        environment: {
            DOCKER_HOST: args.dockerHost,
            NEO4J_CONTAINER: args.container,
            NEO4J_USER: args.user,
            NEO4J_NEW_PASSWORD: password,
        },
        triggers: [hash],
    }, opts);
}
