/**
 * The stack outputs verify works from: read with `pulumi stack output --json --show-secrets`, or
 * from a JSON file (`--outputs`) where Pulumi is not installed. Validated once, here, so every
 * check can rely on the shape.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import { parkedStack, StackIsParked } from "./parked";
import { AlertFacts, parseAlertFacts } from "./checks/alerts";
import { BackupOutput, parseBackupOutput } from "./checks/backup";
import { parseSchedule } from "./parking-schedule";
import type { ScheduleSummary } from "../../components/hosts/parking-schedule";
import { FrontDoorTarget } from "./checks/front-door";
import { describeEmptyOutputs, describePulumiFailure, PULUMI_WRAPPER } from "./pulumi-cli";

export type OllamaPlacement = "native" | "container";
export type OllamaAccelerator = "metal" | "nvidia" | "cpu";

/** Container names of the app, as index.ts exports them. */
export interface StackContainers {
    backend: string;
    frontend: string;
    neo4j: string;
    /** Only in container placement. */
    ollama?: string;
}

/** The subset of index.ts's outputs that verify reads. */
export interface StackOutputs {
    ollamaPlacement: OllamaPlacement;
    ollamaModel: string;
    ollamaAccelerator: OllamaAccelerator;
    /** The backend's OLLAMA_BASE_URL. */
    ollamaUrlForBackend: string;
    /** Ollama from the machine running verify; absent when it is not reachable from there (prod). */
    ollamaUrlFromHost?: string;
    /** Share in VRAM measured at deploy time ("100% GPU"), when the placement records it. */
    ollamaProcessor?: string;
    /** Docker engine URL (unix://, ssh://, tcp://). */
    dockerHost: string;
    containers: StackContainers;
    backendUrl: string;
    backendHealthUrl: string;
    frontendUrl: string;
    neo4jBoltUrl: string;
    neo4jUser: string;
    neo4jPassword: string;
    /** The GPU a created droplet has ("1x NVIDIA H100" from gpuHost.gpu), when the stack created one. */
    gpuHostGpu?: string;
    /** Where the droplet's Ollama heal timer keeps its state (gpuHost.ollamaHealStateDir), when the host has one. */
    ollamaHealStateDir?: string;
    /** The HTTPS front door, when the stack has one (index.ts `frontDoor`). */
    frontDoor?: FrontDoorTarget;
    /** The droplet's metrics-agent line (gpuHost.metricsAgent: `metrics agent: running (...)` or why not). */
    metricsAgent?: string;
    /** The deployment's health answer through the door (index.ts `healthUrl`), when the stack has one. */
    healthUrl?: string;
    /** DigitalOcean's uptime check and alert policies and where they go (index.ts `alerts`). */
    alerts?: AlertFacts;
    /** The parking schedule and its saving (a DigitalOcean droplet the stack created). */
    parkingSchedule?: ScheduleSummary;
    /** Where Neo4j's backups are made and their status kept (index.ts `backup`); absent in stacks updated before it existed. */
    backup?: BackupOutput;
}

/** Thrown when the outputs are missing or malformed; lists every problem. */
export class OutputsError extends Error {
    constructor(public readonly source: string, public readonly problems: string[]) {
        super(`Stack outputs from ${source} are not usable:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "OutputsError";
    }
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Validates raw outputs (parsed JSON) into StackOutputs, or throws an OutputsError naming each
 * problem, or StackIsParked when the stack is parked (it has no app outputs).
 */
export function parseStackOutputs(raw: unknown, source: string): StackOutputs {
    const problems: string[] = [];
    if (!isObj(raw)) throw new OutputsError(source, ["expected a JSON object of stack outputs"]);
    const parked = parkedStack(raw);
    if (parked) throw new StackIsParked(source, parked);
    const str = (key: string, obj: Obj = raw, prefix = ""): string => {
        const v = obj[key];
        if (typeof v !== "string" || v.trim() === "") {
            problems.push(`${prefix}${key} is ${v === undefined ? "missing" : `not a non-empty string (${JSON.stringify(v)})`}`);
            return "";
        }
        if (v === "[secret]") problems.push(`${prefix}${key} is hidden ("[secret]"); read the outputs with --show-secrets`);
        return v;
    };
    const optionalStr = (key: string, obj: Obj = raw): string | undefined => {
        const v = obj[key];
        if (v === undefined || v === null || v === "") return undefined;
        if (typeof v !== "string") {
            problems.push(`${key} is not a string (${JSON.stringify(v)})`);
            return undefined;
        }
        return v;
    };
    const oneOf = <T extends string>(key: string, choices: readonly T[]): T => {
        const v = raw[key];
        if (!choices.includes(v as T)) {
            problems.push(`${key} is ${v === undefined ? "missing" : JSON.stringify(v)}; expected one of ${choices.join(", ")}`);
            return choices[0];
        }
        return v as T;
    };

    const placement = oneOf<OllamaPlacement>("ollamaPlacement", ["native", "container"]);
    const accelerator = oneOf<OllamaAccelerator>("ollamaAccelerator", ["metal", "nvidia", "cpu"]);
    let containers: StackContainers = { backend: "", frontend: "", neo4j: "" };
    if (!isObj(raw.containers)) {
        problems.push("containers is missing; expected {backend, frontend, neo4j, ollama?}");
    } else {
        const c = raw.containers;
        containers = {
            backend: str("backend", c, "containers."),
            frontend: str("frontend", c, "containers."),
            neo4j: str("neo4j", c, "containers."),
            ollama: optionalStr("ollama", c),
        };
    }
    const outputs: StackOutputs = {
        ollamaPlacement: placement,
        ollamaModel: str("ollamaModel"),
        ollamaAccelerator: accelerator,
        ollamaUrlForBackend: str("ollamaUrlForBackend"),
        ollamaUrlFromHost: optionalStr("ollamaUrlFromHost"),
        ollamaProcessor: optionalStr("ollamaProcessor"),
        dockerHost: str("dockerHost"),
        containers,
        backendUrl: str("backendUrl"),
        backendHealthUrl: str("backendHealthUrl"),
        frontendUrl: str("frontendUrl"),
        neo4jBoltUrl: str("neo4jBoltUrl"),
        neo4jUser: str("neo4jUser"),
        neo4jPassword: str("neo4jPassword"),
        gpuHostGpu: isObj(raw.gpuHost) && typeof raw.gpuHost.gpu === "string" && raw.gpuHost.gpu !== "unknown" ? raw.gpuHost.gpu : undefined,
        ollamaHealStateDir: isObj(raw.gpuHost) ? optionalStr("ollamaHealStateDir", raw.gpuHost) : undefined,
        frontDoor: raw.frontDoor === undefined || raw.frontDoor === null ? undefined : parseFrontDoor(raw.frontDoor, problems),
        metricsAgent: isObj(raw.gpuHost) ? optionalStr("metricsAgent", raw.gpuHost) : undefined,
        healthUrl: optionalStr("healthUrl"),
        alerts: parseAlertFacts(raw.alerts, problems),
        parkingSchedule: parseSchedule(raw.parkingSchedule),
        backup: parseBackupOutput(raw.backup, problems),
    };
    for (const key of ["ollamaUrlForBackend", "ollamaUrlFromHost", "backendHealthUrl", "frontendUrl", "healthUrl"] as const) {
        const v = outputs[key];
        if (v && !/^https?:\/\/[^/\s]+/.test(v)) problems.push(`${key} is ${JSON.stringify(v)}; expected an http(s) URL`);
    }
    if (outputs.ollamaHealStateDir && !/^\/[A-Za-z0-9_./-]+$/.test(outputs.ollamaHealStateDir)) {
        problems.push(`gpuHost.ollamaHealStateDir is ${JSON.stringify(outputs.ollamaHealStateDir)}; expected an absolute path`);
    }
    if (outputs.neo4jBoltUrl && !/^(bolt|neo4j)(\+s|\+ssc)?:\/\//.test(outputs.neo4jBoltUrl)) {
        problems.push(`neo4jBoltUrl is ${JSON.stringify(outputs.neo4jBoltUrl)}; expected bolt://host:port`);
    }
    if (placement === "container" && !outputs.containers.ollama && !outputs.ollamaUrlFromHost) {
        problems.push("containers.ollama is missing although ollamaPlacement is container and ollamaUrlFromHost is absent");
    }
    if (problems.length > 0) throw new OutputsError(source, problems);
    return outputs;
}

function parseFrontDoor(raw: unknown, problems: string[]): FrontDoorTarget | undefined {
    const ca = isObj(raw) ? raw.ca : undefined;
    const port = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0 && v < 65536;
    if (!isObj(raw) || typeof raw.host !== "string" || !raw.host || typeof raw.address !== "string" || !raw.address ||
        !port(raw.httpPort) || !port(raw.httpsPort) || !["letsencrypt", "letsencrypt-staging", "internal"].includes(ca as string) ||
        !Array.isArray(raw.closedPorts) || !raw.closedPorts.every(port)) {
        problems.push(`frontDoor is ${JSON.stringify(raw)}; expected {host, address, httpPort, httpsPort, ca, closedPorts} as index.ts exports it`);
        return undefined;
    }
    return {
        host: raw.host, address: raw.address, httpPort: raw.httpPort as number, httpsPort: raw.httpsPort as number,
        ca: ca as FrontDoorTarget["ca"], closedPorts: raw.closedPorts as number[],
    };
}

/** Reads and validates a JSON file of outputs (the shape `pulumi stack output --json` prints). */
export function readOutputsFile(file: string): StackOutputs {
    return parseStackOutputs(readRawOutputsFile(file), file);
}

/** Reads a JSON file of outputs without validating its shape (each stack shape validates its own). */
export function readRawOutputsFile(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new OutputsError(file, [`cannot read the file: ${(err as Error).message}`]);
    }
    try {
        return JSON.parse(text) as unknown;
    } catch (err) {
        throw new OutputsError(file, [`not valid JSON: ${(err as Error).message}`]);
    }
}

/**
 * Runs `pulumi stack output --json --show-secrets --stack <stack>` (through tools/pulumi.sh, which
 * prefers an installed CLI) and validates what it prints. Failures are told apart in pulumi-cli.ts.
 */
export async function readPulumiOutputs(stack: string, timeoutMs = 60_000, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<StackOutputs> {
    return parseStackOutputs(await readRawPulumiOutputs(stack, timeoutMs, cwd, env), `pulumi stack output --stack ${stack}`);
}

/** The same command: the parsed JSON, not validated (each stack shape validates its own). */
export function readRawPulumiOutputs(stack: string, timeoutMs = 60_000, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
    const source = `pulumi stack output --stack ${stack}`;
    return new Promise((resolve, reject) => {
        execFile("sh", [PULUMI_WRAPPER, "stack", "output", "--json", "--show-secrets", "--stack", stack],
            { cwd, env, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
                if (err) {
                    const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
                    reject(new OutputsError(source, [describePulumiFailure(stack, {
                        code: typeof e.code === "number" ? e.code : undefined,
                        errno: typeof e.code === "string" ? e.code : undefined,
                        timedOut: e.killed === true,
                        stderr: stderr || err.message,
                    })]));
                    return;
                }
                try {
                    const raw: unknown = JSON.parse(stdout);
                    if (raw && typeof raw === "object" && Object.keys(raw).length === 0) {
                        reject(new OutputsError(source, [describeEmptyOutputs(stack)]));
                        return;
                    }
                    resolve(raw);
                } catch (parseErr) {
                    reject(new OutputsError(source, [`pulumi printed no JSON: ${(parseErr as Error).message}`]));
                }
            });
    });
}
