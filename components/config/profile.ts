/**
 * The profile: every configuration key of the project, read and validated by the section files of
 * this directory and nowhere else.
 *
 * `parseProfile` is pure (raw values in, typed profile or one error listing every problem out) so
 * it is tested directly; `loadProfile` (loader.ts) reads the stack's config through Pulumi and
 * calls it. The program calls `loadProfile` before it registers any resource, so a bad stack file
 * stops `up` and `preview` before anything changes.
 */
import * as pulumi from "@pulumi/pulumi";
import { isProductionStack } from "../project";
import { AlertSettings, readAlerts } from "./alerts";
import { BackupSettings, readBackup } from "./backup";
import { DigitalOceanSettings, readDigitalOcean } from "./digitalocean";
import { DoksSettings, readDoks } from "./doks";
import { HostSettings, readHost } from "./host";
import { OllamaSettings, readOllama } from "./ollama";
import { ParkingSettings, readParking } from "./parking";
import { crossSectionProblems, digitaloceanTokenProblem } from "./rules";
import { BasicAuthUser, RawSecrets, readBasicAuth, readNeo4jPassword, readSecret } from "./secrets";
import type { RawConfig } from "./sections";
import { frontendOrigin, publishedAppPorts, readServices, ServicesSettings } from "./services";

export type { RawConfig };

/** The whole validated configuration of one stack. */
export interface Profile {
    stack: string;
    /** `prod`, `prod-*`, `scale`, `scale-*` (components/project.ts): pinned images required, policy mandatory. */
    production: boolean;
    ollama: OllamaSettings;
    host: HostSettings;
    services: ServicesSettings;
    digitalocean?: DigitalOceanSettings;
    /** DigitalOcean Kubernetes cluster (`host.provider: doks`). */
    doks?: DoksSettings;
    /** Who is told when the deployment is unwell, and the thresholds (components/alerts/). */
    alerts: AlertSettings;
    /** Parking on a schedule and when idle (`rag-stack:parking`), when written. */
    parking?: ParkingSettings;
    /** Neo4j's backups (`rag-stack:backup`, secret `backupPassword`; components/backup/). */
    backup: BackupSettings;
    neo4jPassword: pulumi.Output<string>;
    /** DigitalOcean API token from secret config, when not taken from DIGITALOCEAN_TOKEN. */
    digitaloceanToken?: pulumi.Output<string>;
    /** Basic-auth users of the front door (services.auth.users with their hashes); empty: no auth. */
    basicAuth: BasicAuthUser[];
}

/** Thrown when the stack's configuration is invalid; lists every problem found. */
export class ConfigError extends Error {
    constructor(public readonly stack: string, public readonly problems: string[]) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Validates raw config into a Profile, or throws a ConfigError naming every bad key. */
export function parseProfile(stack: string, raw: RawConfig, secrets: RawSecrets, env: NodeJS.ProcessEnv = process.env): Profile {
    const problems: string[] = [];
    const production = isProductionStack(stack);
    const host = readHost(problems, raw.host, raw.docker, env);
    const services = readServices(problems, raw.services, host.provider);
    const ollama = readOllama(problems, raw.ollama, stack, frontendOrigin(services, host.provider));
    const digitalocean = readDigitalOcean(problems, raw.digitalocean, host.provider, publishedAppPorts(services));
    const doks = readDoks(problems, raw.doks, host.provider, ollama, services.publicHost);
    const alerts = readAlerts(problems, raw.alerts, host.provider, secrets.alertsSlackWebhook);
    const parking = readParking(problems, raw.parking, host.provider);
    const backup = readBackup(problems, raw.backup, stack, host.provider, digitalocean?.region, secrets.backupPassword);
    problems.push(...crossSectionProblems(production, { ollama, host, services, digitalocean, doks }));
    const neo4jPassword = readNeo4jPassword(problems, secrets.neo4jPassword);
    const digitaloceanToken = readSecret(problems, "digitaloceanToken", secrets.digitaloceanToken, undefined);
    const basicAuth = readBasicAuth(problems, services.auth.users, secrets.authPasswordHashes);
    const tokenProblem = digitaloceanTokenProblem(host.provider, digitaloceanToken, env);
    if (tokenProblem) problems.push(tokenProblem);

    if (problems.length > 0) throw new ConfigError(stack, problems);
    return {
        stack, production, ollama, host, services, digitalocean, doks, alerts, parking, backup,
        neo4jPassword: neo4jPassword as pulumi.Output<string>,
        digitaloceanToken,
        basicAuth,
    };
}
