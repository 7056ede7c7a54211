/**
 * The Neo4j password around the Neo4j container (NEO4J_AUTH only initialises a new database), two
 * commands on the Docker host running scripts/neo4j-password.sh:
 * - the sync, before the container is replaced: a changed rag-stack:neo4jPassword is set in the
 *   database, from the old password in the running container's NEO4J_AUTH, with ALTER CURRENT
 *   USER SET PASSWORD through cypher-shell in it. With no container yet it says whether the
 *   volume already holds a database (which keeps the password it has);
 * - the check, once the container is healthy (Neo4j's health check needs no password): the
 *   database accepts the configured password, or `up` stops before the backend with the way out.
 *   A store that is not new (an adopted volume, a new droplet or a destroyed dev stack after a
 *   password change) is caught here.
 *
 * Each re-runs when the password changes (it is in the command's environment or stdin, both
 * secret) or the script changes; the sync also when the image or volume changes, the check when
 * the container is replaced. Nothing they print is secret (the passwords never leave the host).
 */
import * as path from "path";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "../hosts/remote-script";
import { APP_SCRIPTS_DIR, appScriptCommand, appScriptHash } from "./scripts";
import * as fs from "fs";

const SCRIPT = "neo4j-password.sh";

export interface Neo4jPasswordArgs {
    /** Fixed name of the Neo4j container. */
    container: string;
    user: string;
    password: pulumi.Input<string>;
    /** Docker engine URL for a local run (`docker` on this machine). */
    dockerHost: pulumi.Input<string>;
    /** SSH connection to the Docker host: the script then runs there (remote.Command). */
    remoteConnection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
}

export interface Neo4jPasswordSyncArgs extends Neo4jPasswordArgs {
    /** The Docker volume Neo4j's /data is on (the stack's, or an adopted one). */
    volume: pulumi.Input<string>;
    /** The Neo4j image (its ID): the sync looks into the volume with its shell. */
    image: pulumi.Input<string>;
}

/** The sync command; the Neo4j container must depend on it. */
export function neo4jPasswordSync(name: string, args: Neo4jPasswordSyncArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    return passwordCommand(name, "sync", args, { NEO4J_VOLUME: args.volume, NEO4J_IMAGE: args.image }, [], opts);
}

/** The check command, after the Neo4j container; the backend must depend on it. */
export function neo4jPasswordCheck(name: string, args: Neo4jPasswordArgs & { neo4j: docker.Container }, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    // The container's ID: a new container (a new store, a new droplet) is checked again.
    return passwordCommand(name, "check", args, {}, [args.neo4j.id], opts);
}

function passwordCommand(name: string, step: "sync" | "check", args: Neo4jPasswordArgs, extraEnv: Record<string, pulumi.Input<string>>,
    triggers: pulumi.Input<string>[], opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const password = pulumi.secret(args.password);
    const hash = appScriptHash(SCRIPT);
    const stepArg = step === "sync" ? "" : ` ${step}`;
    if (args.remoteConnection !== undefined) {
        const text = fs.readFileSync(path.join(APP_SCRIPTS_DIR, SCRIPT), "utf8");
        const assignments = pulumi.all(Object.entries(extraEnv).map(([k, v]) => pulumi.output(v).apply((value) => `${k}=${shellQuote(value)} `)))
            .apply((parts) => parts.join(""));
        // The password travels in the script's stdin (a secret input), not on the remote command line.
        return new command.remote.Command(name, {
            connection: args.remoteConnection,
            create: pulumi.interpolate`NEO4J_CONTAINER=${shellQuote(args.container)} NEO4J_USER=${shellQuote(args.user)} ${assignments}sh -s${stepArg}`,
            stdin: pulumi.secret(pulumi.interpolate`NEO4J_NEW_PASSWORD=${password.apply(shellQuote)}\nexport NEO4J_NEW_PASSWORD\n${text}`),
            triggers: [hash, ...triggers],
        }, opts);
    }
    return new command.local.Command(name, {
        create: `${appScriptCommand(SCRIPT)}${stepArg}`,
        environment: {
            DOCKER_HOST: args.dockerHost,
            NEO4J_CONTAINER: args.container,
            NEO4J_USER: args.user,
            NEO4J_NEW_PASSWORD: password,
            ...extraEnv,
        },
        triggers: [hash, ...triggers],
    }, opts);
}
