/**
 * The check that runs on the Docker host before any app container: host ports not published by
 * another container (an old docker compose stack of the app holds 8000/3000/7474/7687), an
 * adopted Neo4j volume that really exists, and no new, empty Neo4j volume in place of an earlier
 * deployment's graph (scripts/host-precheck.sh). It re-runs when the ports, the container names, the
 * volumes or the script change; the Neo4j data volume and the app's containers depend on it.
 */
import * as path from "path";
import * as fs from "fs";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "../hosts/remote-script";
import { APP_SCRIPTS_DIR, appScriptCommand, appScriptHash } from "./scripts";

const SCRIPT = "host-precheck.sh";

export interface HostPrecheckArgs {
    /** Host ports the stack publishes. */
    hostPorts: number[];
    /** The stack's own container names (they may hold the ports: they are replaced in place). */
    ownContainers: string[];
    /** An existing Docker volume adopted for Neo4j's data. */
    neo4jVolume?: string;
    /**
     * The Docker volume the stack creates for Neo4j's data (not a bind): the check refuses to start
     * Neo4j on a new, empty one while an unused volume of an earlier deployment (auto-named
     * `<legacyPrefix><7 hex>`) holds a graph, and accepts the running container's legacy volume.
     */
    neo4jData?: { volume: string; container: string; legacyPrefix: string };
    /** Docker engine URL for a local run. */
    dockerHost: pulumi.Input<string>;
    /** SSH connection to the Docker host: the check then runs there. */
    remoteConnection?: pulumi.Input<command.types.input.remote.ConnectionArgs>;
}

export function hostPrecheck(name: string, args: HostPrecheckArgs, opts: pulumi.CustomResourceOptions): pulumi.Resource {
    const env: Record<string, string> = {
        RAG_HOST_PORTS: [...new Set(args.hostPorts)].join(" "),
        RAG_OWN_CONTAINERS: args.ownContainers.join(" "),
        ...(args.neo4jVolume ? { RAG_NEO4J_VOLUME: args.neo4jVolume } : {}),
        ...(args.neo4jData ? {
            RAG_NEO4J_DATA_VOLUME: args.neo4jData.volume,
            RAG_NEO4J_CONTAINER: args.neo4jData.container,
            RAG_NEO4J_LEGACY_PREFIX: args.neo4jData.legacyPrefix,
        } : {}),
    };
    if (args.remoteConnection !== undefined) {
        const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
        return new command.remote.Command(name, {
            connection: args.remoteConnection,
            create: [...assignments, "sh", "-s"].join(" "),
            stdin: fs.readFileSync(path.join(APP_SCRIPTS_DIR, SCRIPT), "utf8"),
            triggers: [appScriptHash(SCRIPT)],
        }, opts);
    }
    return new command.local.Command(name, {
        create: appScriptCommand(SCRIPT),
        environment: { ...env, DOCKER_HOST: args.dockerHost },
        triggers: [appScriptHash(SCRIPT)],
    }, opts);
}
