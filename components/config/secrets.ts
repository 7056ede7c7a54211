/**
 * The secrets: `rag-stack:neo4jPassword`, `rag-stack:digitaloceanToken`,
 * `rag-stack:authPasswordHashes` (the front door's basic-auth users' bcrypt hashes) and
 * `rag-stack:alertsSlackWebhook` (the Slack webhook alerts are posted with) and
 * `rag-stack:backupPassword` (the restic password of Neo4j's backups, read by backup.ts). Each is set
 * with `pulumi config set --secret`, refused when stored in plain text, and never shown in a message.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../project";
import { bcryptProblem } from "../proxy/validation";
import { secret } from "./schema";

/** The secret keys, in the order the loader reads them (and the unknown-key message lists them). */
export const SECRETS = {
    authPasswordHashes: secret({ value: "mapping", appliesTo: { providers: ["local", "existing", "digitalocean"] },
        set: `pulumi config set --secret --path 'authPasswordHashes.<user>' "$(caddy hash-password)"`,
        doc: "A bcrypt hash for each user of services.auth.users (user name to hash); plain-text passwords are refused." }),
    neo4jPassword: secret({ value: "text", required: true, set: "pulumi config set --secret neo4jPassword <password>",
        doc: "Neo4j's password (at least 8 characters): Neo4j is created with it and the backend logs in with it." }),
    digitaloceanToken: secret({ value: "text", appliesTo: { providers: ["digitalocean", "doks"] }, set: "pulumi config set --secret digitaloceanToken <token>",
        doc: "The DigitalOcean API token; unset: DIGITALOCEAN_TOKEN from the environment." }),
    alertsSlackWebhook: secret({ value: "text", appliesTo: { providers: ["digitalocean", "doks"] },
        set: "pulumi config set --secret alertsSlackWebhook https://hooks.slack.com/services/...",
        doc: "The Slack incoming-webhook URL (https://hooks.slack.com/...) that alerts are posted with, to the channel alerts.slack.channel." }),
    backupPassword: secret({ value: "text", appliesTo: { providers: ["local", "digitalocean"] },
        set: "pulumi config set --secret backupPassword \"$(openssl rand -base64 24)\"",
        doc: "The restic repository password of Neo4j's backups (at least 16 characters; required with backup.enabled on a droplet). Keep a copy off this machine: without it no backup can be read." }),
};

/** A basic-auth user with its bcrypt hash, kept secret. */
export interface BasicAuthUser {
    name: string;
    passwordHash: pulumi.Output<string>;
}

export interface RawSecrets {
    /** `text`: the plain value, only to check its length (Neo4j's minimum). */
    neo4jPassword?: { value: pulumi.Output<string>; isSecret: boolean; text?: string };
    digitaloceanToken?: { value: pulumi.Output<string>; isSecret: boolean };
    /** `text`: the plain value, only to check that it is a Slack webhook URL (never shown). */
    alertsSlackWebhook?: { value: pulumi.Output<string>; isSecret: boolean; text?: string };
    /** `text`: the plain value, only to check its length (never shown). */
    backupPassword?: { value: pulumi.Output<string>; isSecret: boolean; text?: string };
    /** `authPasswordHashes`: user name -> bcrypt hash, read as plain data so it can be checked here. */
    authPasswordHashes?: { value: unknown; isSecret: boolean };
}

/** Neo4j 5's default dbms.security.auth_minimum_password_length. */
export const NEO4J_MIN_PASSWORD_LENGTH = 8;

export function readSecret(problems: string[], key: string, secret: RawSecrets["neo4jPassword" | "digitaloceanToken" | "backupPassword"], required: string | undefined) {
    if (!secret) {
        if (required) problems.push(`${PROJECT}:${key} is missing; ${required}`);
        return undefined;
    }
    if (!secret.isSecret) {
        problems.push(`${PROJECT}:${key} is stored in plain text in the stack file; run: pulumi config set --secret ${key} <value>`);
    }
    return pulumi.secret(secret.value);
}

/** `neo4jPassword`: required, secret, and as long as Neo4j demands. */
export function readNeo4jPassword(problems: string[], secret: RawSecrets["neo4jPassword"]): pulumi.Output<string> | undefined {
    const neo4jPassword = readSecret(problems, "neo4jPassword", secret,
        "run: pulumi config set --secret neo4jPassword <password> (at least 8 characters)");
    const passwordLength = secret?.text?.length;
    if (passwordLength !== undefined && passwordLength < NEO4J_MIN_PASSWORD_LENGTH) {
        problems.push(`${PROJECT}:neo4jPassword: a password of ${passwordLength} characters is not allowed; Neo4j refuses passwords shorter than ` +
            `${NEO4J_MIN_PASSWORD_LENGTH} (dbms.security.auth_minimum_password_length) and would not start. run: pulumi config set --secret neo4jPassword <at least 8 characters>`);
    }
    return neo4jPassword;
}

/** Pairs each services.auth user with its bcrypt hash from the secret `authPasswordHashes`. */
export function readBasicAuth(problems: string[], users: string[], secret: RawSecrets["authPasswordHashes"]): BasicAuthUser[] {
    const key = `${PROJECT}:authPasswordHashes`;
    const command = (user: string) => `pulumi config set --secret --path 'authPasswordHashes.${user}' "$(caddy hash-password)"`;
    if (!secret) {
        if (users.length > 0) problems.push(`${key} is missing; services.auth.users needs a bcrypt hash per user: ${command(users[0])}`);
        return [];
    }
    if (!secret.isSecret) problems.push(`${key} is stored in plain text in the stack file; set each hash with: ${command(users[0] ?? "<user>")}`);
    const value = typeof secret.value === "string" ? parseJsonObject(secret.value) : secret.value;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${key}: (a secret, not shown) is not allowed; expected a mapping of user name to bcrypt hash`);
        return [];
    }
    const hashes = value as Record<string, unknown>;
    for (const name of Object.keys(hashes)) {
        if (!users.includes(name)) {
            problems.push(`${key}.${name}: a hash for a user not in ${PROJECT}:services.auth.users (${users.join(", ") || "none"}); add the user there or remove the hash`);
        }
    }
    const result: BasicAuthUser[] = [];
    for (const name of users) {
        const hash = hashes[name];
        if (hash === undefined) {
            problems.push(`${key}.${name} is missing; user ${JSON.stringify(name)} of ${PROJECT}:services.auth.users needs a bcrypt hash: ${command(name)}`);
            continue;
        }
        const problem = bcryptProblem(hash);
        if (problem) {
            problems.push(`${key}.${name}: (a secret, not shown) is not allowed; ${problem}. Store a bcrypt hash: ${command(name)}`);
            continue;
        }
        result.push({ name, passwordHash: pulumi.secret(hash as string) });
    }
    return result;
}

function parseJsonObject(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
