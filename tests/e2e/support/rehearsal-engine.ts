/**
 * Executes the engine's steps (engine-order.ts) for real on this machine, the way the providers
 * would: command resources run their rendered `create`/`update`/`delete` lines with their rendered
 * environment (`sh -c` in the project directory, done when every holder of the pipes closed them,
 * previous stdout in PULUMI_COMMAND_STDOUT as `addPreviousOutputInEnv` gives it), and Docker
 * resources become `docker network|volume create` and `docker run` with the rendered names, envs,
 * hosts, networks and aliases, volumes, published ports, restart policy and health check.
 *
 * What differs from a real `up`, and why:
 *   - images: nothing can be pulled here; every container runs the locally built stand-in image,
 *     with a command per role: `ollama serve` (the stand-in Ollama), a backend stub (node: answers
 *     on the backend's port by asking OLLAMA_BASE_URL/api/version), and for Neo4j and the
 *     frontend a busybox sleep loop that stops on SIGTERM. Neo4j's also plays its store: the
 *     cypher-shell stand-in (tests/fixtures/neo4j) inside, its password kept on the /data volume
 *     and set from NEO4J_AUTH only when the volume holds no store yet, as Neo4j does, with the
 *     system database's directory created (what the password commands look for and check);
 *   - the Ollama container's health check is the rendered command with a 1 s interval (Docker
 *     20.10 runs the first check only after one interval; the rendered 10 s would add 10 s per
 *     create), and `wait` waits for it; Neo4j's is not applied (the stand-in is not Neo4j);
 *   - names get this run's id; a volume without a name gets `<resource name>-<7 hex>` per create, as
 *     the provider's auto-naming does (pulumi-docker provider/resources.go SetAutonaming, the
 *     bridge's 7 random hex characters), labelled with the run's id; a volume the stack only names
 *     (an adopted one) must exist already;
 *   - commands get this run's container and volume names where their environment holds the
 *     rendered ones; the program's invokes (`command:local:run`, e.g. the native holder check) run
 *     first at every `up`, as the engine runs the program before any step;
 *   - a container gets the rendered stop timeout (`--stop-timeout`); a delete is
 *     `docker stop -t <destroyGraceSeconds>` then `docker rm -f`, as the provider's;
 *   - outputs the mocks cannot know: the URL the native server printed is given to the commands
 *     that take it (OLLAMA_URL), and container and volume names are this run's, image references
 *     the stand-in image.
 * Everything created carries the run's label and is removed by `destroy()`, failures included.
 */
import * as crypto from "crypto";
import * as path from "path";
import { PROJECT_ROOT, RenderedInvoke, RenderedResource, RenderResult } from "../../../tools/render";
import { runCommand } from "../../scripts/support/native";
import { scriptResults } from "../../../components/ollama/scripts";
import { docker, E2E_LABEL, RUN_ID } from "./docker-cli";
import { EngineStep } from "./engine-order";

interface Recorded {
    resource: RenderedResource;
    /** Command resources: the last run's stdout and stderr (the provider keeps them in state). */
    stdout?: string;
    stderr?: string;
    /** Docker resources: the real name this run gave it. */
    realName?: string;
}

export interface StepRun {
    step: EngineStep;
    ms: number;
    detail: string;
}

export interface RehearsalOptions {
    /** The stand-in image every container runs. */
    image: string;
    /** Suffix for every Docker name (run id plus a variant tag). */
    suffix: string;
    /** Host directory mounted at /ledger in the Ollama container (the stand-in's download log lives there). */
    ledgerDir: string;
    /** Extra environment for every command (PATH, HOME...). */
    baseEnv: Record<string, string>;
}

/** Neo4j's cypher-shell, as the stand-in Neo4j container runs it. */
const CYPHER_SHELL_STANDIN = path.join(PROJECT_ROOT, "tests", "fixtures", "neo4j", "cypher-shell");

/** The backend stand-in: answers GET / with what OLLAMA_BASE_URL/api/version answers (502 when it cannot). */
const BACKEND_STUB = [
    "const http = require('http');",
    "const base = process.env.OLLAMA_BASE_URL;",
    "http.createServer((req, res) => {",
    "  const q = http.get(base + '/api/version', { timeout: 1000 }, (a) => {",
    "    let body = ''; a.on('data', (c) => { body += c; });",
    "    a.on('end', () => { res.writeHead(a.statusCode === 200 ? 200 : 502); res.end(body); });",
    "  });",
    "  q.on('timeout', () => q.destroy(new Error('timeout')));",
    "  q.on('error', (e) => { res.writeHead(502); res.end(String(e.code || e.message)); });",
    "}).listen(Number(process.env.STUB_PORT));",
].join("\n");

type Healthcheck = { tests?: string[]; interval?: string; timeout?: string; retries?: number; startPeriod?: string };
type ContainerInputs = {
    name?: string; envs?: string[]; hosts?: { host: string; ip: string }[];
    networksAdvanced?: { name: string; aliases?: string[] }[];
    volumes?: { volumeName?: string; containerPath?: string; hostPath?: string }[];
    ports?: { internal: number; external?: number; ip?: string }[];
    restart?: string; healthcheck?: Healthcheck; wait?: boolean; waitTimeout?: number; destroyGraceSeconds?: number; stopTimeout?: number;
    labels?: { label: string; value: string }[];
};

export class RehearsalEngine {
    private readonly state = new Map<string, Recorded>();
    /** Rendered name (as the mocks resolve it) -> this run's name, per kind. */
    private readonly networks = new Map<string, string>();
    private readonly volumes = new Map<string, string>();
    private readonly containers = new Map<string, string>();
    /** Image references the render pulls (RemoteImage names, which the mocks also give as their IDs). */
    private readonly images = new Set<string>();

    constructor(private readonly o: RehearsalOptions) {}

    /** Rendered volume names (inputs.name) -> this run's name, for the commands' environment. */
    private readonly namedVolumes = new Map<string, string>();

    /**
     * Runs one `up`: the program's invokes (when `invokes` is given: the target render's), then the
     * steps in order; throws (like `up` fails) at the first failing invoke or step.
     */
    async up(steps: EngineStep[], log: (line: string) => void, invokes: RenderedInvoke[] = []): Promise<StepRun[]> {
        for (const step of steps) {
            const n = (step.resource.inputs as { name?: string }).name;
            if (step.resource.type === "docker:index/volume:Volume" && n !== undefined) this.namedVolumes.set(n, `${n}-${this.o.suffix}`);
        }
        for (const invoke of invokes.filter((i) => i.token === "command:local:run")) {
            const args = invoke.args as { command: string; environment?: Record<string, string> };
            const res = await runCommand(args.command, this.mapNames({ ...this.o.baseEnv, ...(args.environment ?? {}) }), 60_000);
            if (res.code !== 0) throw new Error(`invoke \`${args.command}\` (the program fails before any step) exited ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
            log(`  invoke ${args.command.replace("sh components/ollama/scripts/", "")}: ${res.stdout.trim().split("\n").pop() ?? ""}`);
        }
        const runs: StepRun[] = [];
        for (const step of steps) {
            const started = Date.now();
            let detail: string;
            try {
                detail = await this.apply(step);
            } catch (err) {
                throw new Error(`${step.op} ${step.resource.name} (${step.reason}) failed: ${(err as Error).message}`);
            }
            const run = { step, ms: Date.now() - started, detail };
            runs.push(run);
            log(`  ${step.op.padEnd(6)} ${step.resource.name.padEnd(26)} ${String(run.ms).padStart(6)} ms  ${detail}`);
        }
        return runs;
    }

    /** This run's name of a rendered container name (e.g. rag-stack-dev-backend). */
    containerName(rendered: string): string | undefined {
        return this.containers.get(rendered);
    }

    networkName(rendered: string): string | undefined {
        return this.networks.get(rendered);
    }

    /** Names of the volumes this run created for a resource name (each create of an auto-named one adds one). */
    readonly createdVolumes: { resource: string; name: string }[] = [];

    /** What the state holds now (after a failed `up` too), as a render to compute the next `up`'s steps from. */
    snapshot(): RenderResult {
        return { stack: "dev", resources: [...this.state.values()].map((r) => r.resource), outputs: {}, secretOutputs: [], invented: [] };
    }

    /** The stdout a command resource printed last, if it is in the state. */
    stdoutOf(resourceName: string): string | undefined {
        return [...this.state.values()].find((r) => r.resource.name === resourceName)?.stdout;
    }

    private async apply(step: EngineStep): Promise<string> {
        const r = step.resource;
        switch (r.type) {
            case "command:local:Command": return this.command(step);
            case "docker:index/network:Network": return this.network(step);
            case "docker:index/volume:Volume": return this.volume(step);
            case "docker:index/container:Container": return this.container(step);
            case "docker:index/remoteImage:RemoteImage":
                if (step.op === "create") {
                    this.state.set(r.urn, { resource: r });
                    this.images.add(String(r.inputs.name));
                } else this.state.delete(r.urn);
                return `${String(r.inputs.name)}: the stand-in image is used (nothing can be pulled here)`;
            default:
                throw new Error(`the rehearsal cannot execute a ${r.type}`);
        }
    }

    private commandEnv(r: RenderedResource): Record<string, string> {
        const env: Record<string, string> = { ...this.o.baseEnv };
        for (const [k, v] of Object.entries((r.inputs.environment ?? {}) as Record<string, unknown>)) env[k] = String(v);
        // Outputs the mocks cannot know: the URL the native server bound, this run's container names.
        const serverUrl = scriptResults(this.stdoutOf("ollama-native-server")).url;
        if (env.OLLAMA_URL !== undefined && serverUrl) env.OLLAMA_URL = serverUrl;
        return this.mapNames(env);
    }

    /**
     * This run's names where an environment value is a rendered container or volume name, or a
     * space-separated list of them (the precheck's RAG_OWN_CONTAINERS: a re-run of the precheck next
     * to the stack's running containers must recognise them, as it does by name in a real `up`).
     */
    private mapNames(env: Record<string, string>): Record<string, string> {
        const out = { ...env };
        const real = (v: string) => this.containers.get(v) ?? this.namedVolumes.get(v) ?? this.volumes.get(v)
            ?? (this.images.has(v) ? this.o.image : undefined);
        for (const [k, v] of Object.entries(out)) {
            if (real(v)) out[k] = real(v) as string;
            else if (v.includes(" ") && v.split(" ").some((w) => real(w))) out[k] = v.split(" ").map((w) => real(w) ?? w).join(" ");
        }
        return out;
    }

    private async command(step: EngineStep): Promise<string> {
        const r = step.resource;
        const recorded = this.state.get(r.urn);
        const i = r.inputs as { create?: string; update?: string; delete?: string; addPreviousOutputInEnv?: boolean };
        const previous = (rec: Recorded | undefined): Record<string, string> => (rec && i.addPreviousOutputInEnv !== false
            ? { PULUMI_COMMAND_STDOUT: rec.stdout ?? "", PULUMI_COMMAND_STDERR: rec.stderr ?? "" } : {});
        let line: string | undefined;
        let env: Record<string, string>;
        if (step.op === "create") {
            line = i.create;
            env = this.commandEnv(r);
        } else if (step.op === "update") {
            line = i.update ?? i.create;
            env = { ...this.commandEnv(r), ...previous(recorded) };
        } else {
            line = step.op === "delete" ? i.delete : undefined;
            env = { ...this.commandEnv(r), ...previous(recorded) };
        }
        if (!line) {
            if (step.op === "delete" || step.op === "drop") this.state.delete(r.urn);
            return `no ${step.op} command`;
        }
        const res = await runCommand(line, env, 120_000);
        if (res.code !== 0) throw new Error(`\`${line}\` exited ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
        if (step.op === "delete") this.state.delete(r.urn);
        else this.state.set(r.urn, { resource: r, stdout: res.stdout, stderr: res.stderr });
        const last = res.stdout.trim().split("\n").filter((l) => !l.startsWith("@ollama")).pop() ?? "";
        return `${line.replace("sh components/ollama/scripts/", "")}: ${last}`;
    }

    private network(step: EngineStep): Promise<string> {
        const r = step.resource;
        const rendered = String(r.inputs.name ?? r.name);
        if (step.op === "create") {
            const name = `${rendered}-${this.o.suffix}`;
            docker(["network", "create", "--label", `${E2E_LABEL}=${RUN_ID}`, name]);
            this.networks.set(rendered, name);
            this.state.set(r.urn, { resource: r, realName: name });
            return Promise.resolve(`docker network create ${name}`);
        }
        const name = this.networks.get(rendered);
        if (step.op === "delete" && name) docker(["network", "rm", name]);
        this.state.delete(r.urn);
        return Promise.resolve(step.op === "drop" ? "dropped from the state, left in place" : `docker network rm ${name}`);
    }

    private volume(step: EngineStep): Promise<string> {
        const r = step.resource;
        const i = r.inputs as { name?: string; driver?: string; driverOpts?: Record<string, string> };
        // How the containers refer to it under mocks (tools/mock-state.ts).
        const rendered = i.name ?? `${r.name}-volume`;
        if (step.op === "create") {
            const name = i.name !== undefined
                ? `${i.name}-${this.o.suffix}`
                : `${r.name}-${crypto.randomBytes(4).toString("hex").slice(0, 7)}`;
            docker(["volume", "create", "--label", `${E2E_LABEL}=${RUN_ID}`,
                ...(i.driver ? ["--driver", i.driver] : []),
                ...Object.entries(i.driverOpts ?? {}).flatMap(([k, v]) => ["--opt", `${k}=${v}`]), name]);
            this.volumes.set(rendered, name);
            this.createdVolumes.push({ resource: r.name, name });
            this.state.set(r.urn, { resource: r, realName: name });
            return Promise.resolve(`docker volume create ${name}${i.driverOpts?.device ? ` (bind ${i.driverOpts.device})` : ""}`);
        }
        const name = this.volumes.get(rendered);
        if (step.op === "delete" && name) docker(["volume", "rm", name]);
        this.state.delete(r.urn);
        return Promise.resolve(step.op === "drop" ? `${name}: retainOnDelete, left in place` : `docker volume rm ${name}`);
    }

    private async container(step: EngineStep): Promise<string> {
        const r = step.resource;
        const i = r.inputs as ContainerInputs;
        const rendered = String(i.name ?? r.name);
        if (step.op !== "create") {
            const name = this.containers.get(rendered);
            // As the provider removes a container: stop with destroyGraceSeconds (0 when unset:
            // SIGKILL right after SIGTERM), then remove.
            const grace = i.destroyGraceSeconds ?? 0;
            if (step.op === "delete" && name) {
                docker(["stop", "-t", String(grace), name]);
                docker(["rm", "-f", name]);
            }
            this.state.delete(r.urn);
            return `docker stop -t ${grace} ${name} && docker rm -f ${name}`;
        }
        const name = `${rendered}-${this.o.suffix}`;
        const role = i.labels?.find((l) => l.label === "rag-stack.role")?.value ?? "";
        const network = (n: string) => {
            const real = this.networks.get(n);
            if (!real) throw new Error(`${r.name} joins network ${n}, which this rehearsal has not created`);
            return real;
        };
        const [first, ...others] = i.networksAdvanced ?? [];
        const args = ["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`,
            ...(i.envs ?? []).flatMap((e) => ["-e", e]),
            ...(i.hosts ?? []).flatMap((h) => ["--add-host", `${h.host}:${h.ip}`]),
            ...(first ? ["--network", network(first.name), ...(first.aliases ?? []).flatMap((a) => ["--network-alias", a])] : []),
            ...(i.volumes ?? []).flatMap((v) => {
                const source = v.volumeName !== undefined ? this.volumes.get(v.volumeName) ?? this.existingVolume(v.volumeName) : v.hostPath;
                if (!source) throw new Error(`${r.name} mounts volume ${v.volumeName}, which this rehearsal has not created and which does not exist`);
                return ["-v", `${source}:${v.containerPath}`];
            }),
            ...(i.ports ?? []).flatMap((p) => ["-p", `${p.ip ? `${p.ip}:` : ""}${p.external ?? ""}:${p.internal}`]),
            ...(i.restart ? ["--restart", i.restart] : []),
            // Config.StopTimeout, only when set, as the provider creates it (what `docker stop` and dockerd's shutdown wait).
            ...(i.stopTimeout ? ["--stop-timeout", String(i.stopTimeout)] : []),
        ];
        // Neo4j and the frontend: a process that stops on SIGTERM, as the real servers do (a bare
        // `sleep` as PID 1 ignores it, and a removal would wait out the whole grace period).
        let command: string[] = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"];
        let health = false;
        if (role === "ollama") {
            command = ["ollama", "serve"];
            args.push("-v", `${this.o.ledgerDir}:/ledger`, "-e", "STANDIN_DOWNLOAD_LOG=/ledger/downloads.log");
            const h = i.healthcheck;
            if (h?.tests?.length) {
                const cmd = h.tests[0] === "CMD-SHELL" ? h.tests[1] : h.tests[0] === "CMD" ? h.tests.slice(1).join(" ") : h.tests.join(" ");
                args.push("--health-cmd", cmd, "--health-interval", "1s", "--health-timeout", h.timeout ?? "5s",
                    "--health-retries", String(h.retries ?? 3), "--health-start-period", h.startPeriod ?? "0s");
                health = true;
            }
        } else if (role === "neo4j") {
            const standin = "/data/.cypher-shell-standin";
            args.push("-e", `NEO4J_STANDIN_DIR=${standin}`, "-v", `${CYPHER_SHELL_STANDIN}:/usr/local/bin/cypher-shell:ro`);
            command = ["sh", "-c", `mkdir -p /data/databases/system ${standin}; [ -f ${standin}/password ] || printf '%s' "\${NEO4J_AUTH#*/}" >${standin}/password; ` +
                "trap 'exit 0' TERM; while :; do sleep 1; done"];
        } else if (role === "backend") {
            const port = i.ports?.[0]?.internal ?? 8000;
            command = ["node", "-e", BACKEND_STUB];
            args.push("-e", `STUB_PORT=${port}`);
        }
        docker([...args, this.o.image, ...command]);
        this.containers.set(rendered, name);
        this.state.set(r.urn, { resource: r, realName: name });
        for (const n of others) docker(["network", "connect", ...(n.aliases ?? []).flatMap((a) => ["--alias", a]), network(n.name), name]);
        if (health && i.wait) await this.waitHealthy(name, (i.waitTimeout ?? 60) * 1000);
        return `docker run ${name}${(i.ports ?? []).length ? ` -p ${(i.ports ?? []).map((p) => `${p.ip}:${p.external}:${p.internal}`).join(" ")}` : ""}${health ? " (healthy)" : ""}`;
    }

    /** A volume the stack only names (adopted): used as it is when it exists, never created by `docker run`. */
    private existingVolume(name: string): string | undefined {
        try {
            docker(["volume", "inspect", name]);
            return name;
        } catch {
            return undefined;
        }
    }

    private async waitHealthy(name: string, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        let status = "";
        while (Date.now() < deadline) {
            status = docker(["inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name]);
            if (status.endsWith(" healthy")) return;
            if (status.startsWith("exited")) break;
            await new Promise((res) => setTimeout(res, 250));
        }
        throw new Error(`${name} did not become healthy within ${timeoutMs / 1000} s (${status}); logs:\n${docker(["logs", "--tail", "20", name])}`);
    }

    /**
     * Deletes what the state still holds (the native server by its own delete command: by pidfile,
     * never by name), in reverse order of creation. Never throws; returns the problems.
     */
    async destroy(): Promise<string[]> {
        const problems: string[] = [];
        for (const rec of [...this.state.values()].reverse()) {
            try {
                await this.apply({ op: rec.resource.retainOnDelete ? "drop" : "delete", resource: rec.resource, reason: "cleanup" });
            } catch (err) {
                problems.push((err as Error).message);
            }
        }
        return problems;
    }
}
