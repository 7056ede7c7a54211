/**
 * Checks a real run makes before it creates anything billable on DigitalOcean. Config validation
 * (components/config/) only asks whether the stack file is well-formed, so the example prod
 * stack validates as is; these ask whether `up` can possibly end in a droplet someone reaches:
 * - the ssh key is not the example's placeholder (its comment says `replace-me`),
 * - no admin CIDR is a documentation range (RFC 5737, RFC 3849): nobody's address is in one,
 * - authentication will work for both SSH clients (ssh-access.ts: agent holds the key, or the
 *   key file is readable and not encrypted, and the droplet will accept it),
 * - this machine's public IPv4 address, asked of a DigitalOcean-neutral service, is inside
 *   adminCidrs; when it cannot be learnt (offline, blocked), a warning says so and `up` goes on;
 * - the front door's names are not the example's (public-names.ts): publicHost and the ACME
 *   contact are not in example.com or another reserved zone, where no certificate can be issued;
 * - the model exists in its registry and its real size fits the GPU (capacity/registry.ts: the
 *   manifest Ollama reads to pull it); when the registry cannot be read, a warning says so and
 *   `up` goes on (the capacity check after the pull still guards). The droplet and the scale
 *   stack's cluster both wait for it.
 *
 * Real run versus tests: the checks run unless the program is being rendered under Pulumi's mocks
 * (`pulumi.runtime.setMocks`, which tools/render.ts uses for the tests, `npm run plan` and the
 * policy harness). That is read from the runtime itself (its monitor is the SDK's MockMonitor), not
 * from a flag anyone could set: under mocks no provider runs and nothing can be bought, and
 * `pulumi preview`/`up` never use mocks. The unit tests call these functions directly, with each
 * outcome.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GpuMemory } from "../capacity/budget";
import { judgeManifest, ManifestRead, readModelManifest } from "../capacity/registry";
import type { DigitalOceanSettings } from "../config/digitalocean";
import type { OllamaSettings } from "../config/ollama";
import type { ServicesSettings } from "../config/services";
import { documentationRangeOf, ipv4InCidr, ipv4ToNumber } from "./cidr";
import { frontDoorNameProblems, loadBalancerNameProblems } from "./public-names";
import { checkSshAccess, SshAccess, sshAccessFromSettings, SshProbe, systemSshProbe } from "./ssh-access";

const KEY = "rag-stack:digitalocean";

/** True when the program runs under Pulumi's mocks (unit tests, `npm run plan`), never in `pulumi up`/`preview`. */
export function underPulumiMocks(): boolean {
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown };
    const mocks = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: new (...args: never[]) => unknown };
    return settings.getMonitor() instanceof mocks.MockMonitor;
}

/** A key line whose comment marks it as the example's placeholder. */
export function isPlaceholderKey(publicKeyLine: string): boolean {
    const comment = publicKeyLine.trim().split(/\s+/).slice(2).join(" ");
    return /\b(replace[-_ ]?me|placeholder|changeme)\b/i.test(comment);
}

export interface PreflightResult {
    problems: string[];
    /** How both SSH clients authenticate, when that check passed. */
    access?: SshAccess;
}

/** The checks that need no network: placeholders, documentation ranges, SSH authentication. */
export function checkBeforeBilling(settings: DigitalOceanSettings, env: NodeJS.ProcessEnv, probe: SshProbe = systemSshProbe): PreflightResult {
    const problems: string[] = [];
    if (settings.sshPublicKey && isPlaceholderKey(settings.sshPublicKey)) {
        problems.push(`${KEY}.sshPublicKey is the example's placeholder (${settings.sshPublicKey.split(/\s+/).slice(2).join(" ")}): nobody holds its private half, ` +
            "so nobody could log in to the droplet. Set your own public key line (cat ~/.ssh/id_ed25519.pub) or list your DigitalOcean key in sshKeyFingerprints");
    }
    for (const cidr of settings.adminCidrs) {
        const doc = documentationRangeOf(cidr);
        if (doc) {
            problems.push(`${KEY}.adminCidrs: "${cidr}" is in the documentation range ${doc} (RFC ${doc.includes(":") ? "3849" : "5737"}), where no real machine is: ` +
                "SSH would be open to nobody and `up` would wait for a droplet it cannot reach. List the address you run `pulumi up` from, e.g. $(curl -s https://api.ipify.org)/32");
        }
    }
    const ssh = checkSshAccess(settings, env, probe);
    problems.push(...ssh.problems);
    return { problems, access: ssh.access };
}

/** Asks a DigitalOcean-neutral service for this machine's public IPv4 address; undefined when it cannot. */
export async function lookupPublicIpv4(timeoutMs = 5000): Promise<string | undefined> {
    try {
        const response = await fetch("https://api.ipify.org", { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) return undefined;
        const text = (await response.text()).trim();
        return ipv4ToNumber(text) === undefined ? undefined : text;
    } catch {
        return undefined;
    }
}

export interface AdminAddressCheck {
    problem?: string;
    warning?: string;
    /** The address learnt, when one was. */
    address?: string;
}

/** Is this machine inside adminCidrs? A problem when it is known not to be, a warning when unknown. */
export async function checkAdminAddress(adminCidrs: string[], lookup: () => Promise<string | undefined> = lookupPublicIpv4): Promise<AdminAddressCheck> {
    const address = await lookup();
    if (address === undefined) {
        return {
            warning: `could not learn this machine's public IPv4 address (https://api.ipify.org did not answer: offline or blocked), so it is not known ` +
                `whether ${KEY}.adminCidrs (${adminCidrs.join(", ")}) lets it reach SSH. If it does not, the readiness check times out after the droplet is bought`,
        };
    }
    if (adminCidrs.some((cidr) => ipv4InCidr(address, cidr))) return { address };
    return {
        address,
        problem: `this machine's public address ${address} (from https://api.ipify.org) is not in ${KEY}.adminCidrs (${adminCidrs.join(", ")}): ` +
            `the firewall would block its SSH, and the readiness check and the Docker provider could never reach the droplet. Add ${address}/32 to adminCidrs`,
    };
}

/** Throws one error listing every problem, in the config error's style. */
export function refuse(stack: string, problems: string[], what = "the DigitalOcean GPU host"): never {
    throw new Error(`Stack "${stack}" cannot create ${what} (${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created):\n` +
        problems.map((p) => `  - ${p}`).join("\n"));
}

/**
 * The admin address check as an Output that the DigitalOcean provider's configuration waits for:
 * every DigitalOcean resource goes through that provider, so none is created before it passes,
 * and a failure stops the update with the problem. A warning is logged and the run goes on.
 */
export function adminAddressGate(stack: string, adminCidrs: string[], lookup?: () => Promise<string | undefined>): pulumi.Output<true> {
    return pulumi.output(checkAdminAddress(adminCidrs, lookup).then((check) => {
        if (check.problem) refuse(stack, [check.problem]);
        if (check.warning) pulumi.log.warn(check.warning);
        return true as const;
    }));
}

/**
 * What the DigitalOcean host needs from the pre-flight: how SSH authenticates, and the gate the
 * provider waits for. Under Pulumi's mocks nothing is probed (the settings alone decide) and
 * nothing waits; otherwise the offline checks run now, before any resource is registered.
 */
/**
 * The backup bucket goes through Spaces' S3 API, which takes its own key pair, not the API token:
 * without it the provider fails on the bucket after the droplet is bought.
 */
export function spacesCredentialsProblem(env: NodeJS.ProcessEnv): string | undefined {
    const missing = ["SPACES_ACCESS_KEY_ID", "SPACES_SECRET_ACCESS_KEY"].filter((v) => !env[v]);
    if (missing.length === 0) return undefined;
    return `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set: the backup bucket (rag-stack:backup) is created through ` +
        "Spaces' S3 API, which needs a Spaces access key (DigitalOcean control panel, API, Spaces Keys; docs/backups.md). " +
        "Export both, or set rag-stack:backup.enabled: false (with disabledOnPurpose on a production stack)";
}

export function prepareDigitalOceanRun(stack: string, settings: DigitalOceanSettings, services: ServicesSettings,
    env: NodeJS.ProcessEnv = process.env, options: { backups?: boolean } = {}): { sshAccess: SshAccess; billingGate?: pulumi.Output<true> } {
    // Parked, nothing is bought and nothing is reached over SSH: a scheduler parking the stack from
    // an address outside adminCidrs (a CI runner) must not be refused.
    if (underPulumiMocks() || settings.parked) return { sshAccess: sshAccessFromSettings(settings) };
    const result = checkBeforeBilling(settings, env);
    const spaces = options.backups ? spacesCredentialsProblem(env) : undefined;
    const problems = [...result.problems, ...frontDoorNameProblems(services), ...(spaces ? [spaces] : [])];
    if (problems.length > 0 || !result.access) refuse(stack, problems);
    pulumi.log.info(`ssh to the droplet (remote commands and the Docker provider alike): ${result.access.description}`);
    return { sshAccess: result.access, billingGate: adminAddressGate(stack, settings.adminCidrs) };
}

/**
 * The model against the GPU with real figures, before anything billable: its manifest from its
 * registry (capacity/registry.ts), as an Output the DigitalOcean provider waits for, like the
 * admin address gate. A model that does not exist or cannot fit stops the run with the
 * arithmetic; an unreadable registry is a warning (the capacity check after the pull still
 * guards). Undefined under Pulumi's mocks: nothing is bought there, and tests reach no registry.
 */
export function modelRegistryGate(stack: string, ollama: OllamaSettings, memory: GpuMemory | undefined, what: string,
    read: (model: string) => Promise<ManifestRead> = (model) => readModelManifest(model)): pulumi.Output<true> | undefined {
    if (underPulumiMocks()) return undefined;
    return pulumi.output(checkModelInRegistry(stack, ollama, memory, what, read));
}

/** The registry check itself: rejects with the refusal, logs a warning or the size it read. */
export async function checkModelInRegistry(stack: string, ollama: OllamaSettings, memory: GpuMemory | undefined, what: string,
    read: (model: string) => Promise<ManifestRead>): Promise<true> {
    const check = judgeManifest(ollama, memory, await read(ollama.model));
    if (check.problem) refuse(stack, [check.problem], what);
    if (check.warning) pulumi.log.warn(check.warning);
    if (check.info) pulumi.log.info(check.info);
    return true;
}

/** One gate for several: resolves when all have passed (each may be undefined). */
export function allGates(...gates: (pulumi.Output<unknown> | undefined)[]): pulumi.Output<true> | undefined {
    const present = gates.filter((g): g is pulumi.Output<unknown> => g !== undefined);
    return present.length === 0 ? undefined : pulumi.all(present).apply(() => true as const);
}

/**
 * The scale stack's pre-flight: its load balancer's certificate is for a name someone can own.
 * Refused before the cluster (minutes to create, billed by the hour) is registered.
 */
export function prepareDoksRun(stack: string, publicHost: string, certificateName: string | undefined): void {
    if (underPulumiMocks()) return;
    const problems = loadBalancerNameProblems(publicHost, certificateName);
    if (problems.length > 0) refuse(stack, problems, "the DigitalOcean Kubernetes cluster");
}
