/**
 * The GPU watchdog on a real Docker engine: an Ollama container from the stand-in image with the
 * prod render's env, network alias, restart policy and health check command (its timing shortened
 * through the same ollamaHealthCheck() with an override), the stand-in's GPU-lost knob flipped, the
 * real heal script (components/hosts/gpu-watchdog/ollama-heal.sh, with the environment the rendered
 * systemd unit gives it) run on this machine against exactly that container, and verify's row 9.
 *
 * The knob (STANDIN_GPU_LOST_FILE) on a tmpfs models the real fault: a restart clears it, as a
 * restart gives the GPU back. On the container's own filesystem it survives restarts: the host is
 * broken for good, and the heal timer must give up after 3 heals and leave the container alone.
 * Not real here: the GPU (nvidia-smi is the stand-in's), systemd and journald (the script is run
 * directly; its `logger -t` calls are recorded by a stand-in logger on PATH).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CloudInitArgs, renderCloudInit } from "../../components/hosts/cloud-init";
import { dropletCloudInitArgs } from "../../components/hosts/digitalocean";
import { ollamaHealthCheck } from "../../components/ollama/health-check";
import { PROJECT_ROOT, Rendered, renderStack } from "../../tools/render";
import { ensureStandinImage } from "../fixtures/images/standin-image";
import { createNetwork, docker, E2E_LABEL, removeRunObjects, requireDockerEngine, RUN_ID } from "./support/docker-cli";
import { CONTAINER_TYPE, containerSpec, ContainerSpec, runRenderedContainer } from "./support/rendered-containers";
import { row, rowBlock, runVerify, writeOutputsFile } from "./support/verify-cli";

jest.setTimeout(240_000);

const HEAL_SCRIPT = path.join(PROJECT_ROOT, "components/hosts/gpu-watchdog/ollama-heal.sh");
/** Seconds, so a lost GPU shows as unhealthy within about 3 s instead of a minute. */
const TEST_TIMING = { interval: "1s", timeout: "5s", retries: 2, startPeriod: "0s" };
const GPU_LOST_ON_TMPFS = "/run/standin-gpu/lost";
const GPU_LOST_FOR_GOOD = "/root/gpu-lost-for-good";

let rendered: Rendered;
let image: string;
let network: string;
let ollama: ContainerSpec;
let model: string;
let backendName: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-gpu-heal-"));
const loggerRecord = path.join(tmp, "logger.calls");

/** A stand-in `logger` on PATH: records each call (the journal is not running here). */
function installLoggerStandin(): string {
    const bin = path.join(tmp, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "logger"), `#!/bin/sh\nprintf '%s\\n' "$*" >>'${loggerRecord}'\n`, { mode: 0o755 });
    return bin;
}
let loggerBin: string;

/** `docker run` of an Ollama container as the prod render has it, with the test's health timing and knob. */
function runOllama(name: string, knobFile: string, opts: { tmpfs: boolean; onAppNetwork: boolean; accelerator?: "nvidia" | "cpu" }): string {
    const t = ollamaHealthCheck(opts.accelerator ?? "nvidia", TEST_TIMING);
    const cmd = t.tests as string[];
    if (cmd[0] !== "CMD-SHELL") throw new Error(`expected a CMD-SHELL health check, got ${JSON.stringify(cmd)}`);
    docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`, "--label", "rag-stack.role=ollama",
        ...ollama.envs.flatMap((e) => ["-e", e]),
        "-e", `STANDIN_PRELOADED_MODELS=${model}`, "-e", `STANDIN_GPU_LOST_FILE=${knobFile}`,
        ...(opts.tmpfs ? ["--tmpfs", path.dirname(knobFile)] : []),
        "--restart", String(rendered.named("ollama-container", CONTAINER_TYPE).inputs.restart),
        "--health-cmd", cmd[1], "--health-interval", t.interval as string, "--health-timeout", t.timeout as string,
        "--health-retries", String(t.retries), "--health-start-period", t.startPeriod as string,
        ...(opts.onAppNetwork ? ["--network", network, ...ollama.networks.flatMap((n) => (n.aliases ?? []).flatMap((a) => ["--network-alias", a]))] : []),
        image, "ollama", "serve"]);
    return name;
}

/** Flips the stand-in's knob inside the container (the image's busybox has sh, not touch). */
function loseGpu(name: string, knobFile: string): void {
    docker(["exec", name, "sh", "-c", `: >'${knobFile}'`]);
}

interface State { health: string; startedAt: string; restartCount: number }
function stateOf(name: string): State {
    const [health, startedAt, restartCount] = docker(["inspect", "--type", "container", "--format",
        "{{if .State.Health}}{{.State.Health.Status}}{{ else }}none{{ end }}|{{.State.StartedAt}}|{{.RestartCount}}", name]).split("|");
    return { health, startedAt, restartCount: Number(restartCount) };
}

/** Polls (bounded) until Docker reports the wanted health status. */
async function waitForHealth(name: string, want: string, timeoutMs = 30_000): Promise<State> {
    const deadline = Date.now() + timeoutMs;
    let last = stateOf(name);
    while (Date.now() < deadline) {
        last = stateOf(name);
        if (last.health === want) return last;
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${name} did not become ${want} within ${timeoutMs / 1000}s (last: ${last.health}):\n${docker(["inspect", "--format", "{{json .State.Health}}", name])}`);
}

/** The Environment= lines of the heal service cloud-init writes, rendered for this container and state directory. */
function unitEnvironment(container: string, stateDir: string): Record<string, string> {
    const args: CloudInitArgs = { ...dropletCloudInitArgs("rag-stack-prod", container), healStateDir: stateDir };
    const files = (parseYaml(renderCloudInit(args)) as { write_files: { path: string; content: string }[] }).write_files;
    const unit = files.find((f) => f.path === "/etc/systemd/system/rag-stack-ollama-heal.service")?.content ?? "";
    const env: Record<string, string> = {};
    for (const m of unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[m[1]] = m[2];
    return env;
}

/** Runs the real heal script, as the timer's service would, against one container. */
function heal(container: string, stateDir: string): { status: number | null; stdout: string; stderr: string } {
    const env = unitEnvironment(container, stateDir);
    expect(env).toMatchObject({ OLLAMA_CONTAINER: container, HEAL_STATE_DIR: stateDir, HEAL_MAX: "3", OLLAMA_LABEL: "rag-stack.role=ollama" });
    const r = spawnSync("sh", [HEAL_SCRIPT], {
        encoding: "utf8", timeout: 90_000,
        env: { PATH: `${loggerBin}:${process.env.PATH ?? ""}`, HOME: tmp, ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function outputsFor(container: string, stateDir: string, overrides: Record<string, unknown> = {}): string {
    const o = rendered.result.outputs as Record<string, unknown> & { containers: Record<string, unknown>; gpuHost: Record<string, unknown> };
    return writeOutputsFile({
        ...o,
        ...overrides,
        dockerHost: "unix:///var/run/docker.sock",
        containers: { ...o.containers, backend: backendName, ollama: container },
        gpuHost: { ...o.gpuHost, ollamaHealStateDir: stateDir },
        // The backup rows read the real status directory (the droplet's over ssh): their own tests, tests/unit/verify-backup.test.ts and tests/scripts/verify-backup.test.ts.
        backup: undefined,
    });
}

const ROW = 9;

beforeAll(async () => {
    requireDockerEngine();
    rendered = new Rendered(await renderStack({ stack: "prod", secrets: { neo4jPassword: "e2e-password-1", backupPassword: "backup-password-0123456789", digitaloceanToken: "e2e-not-a-token" } }));
    image = await ensureStandinImage();
    loggerBin = installLoggerStandin();
    const renderedNetwork = rendered.named("app-network", "docker:index/network:Network").inputs.name as string;
    network = createNetwork(`${renderedNetwork}-heal-e2e-${RUN_ID}`);
    ollama = containerSpec(rendered.named("ollama-container", CONTAINER_TYPE));
    const tests = (rendered.named("ollama-container", CONTAINER_TYPE).inputs.healthcheck as { tests: string[] }).tests;
    // The very command the prod container registers; only the timing is the test's.
    expect(ollamaHealthCheck("nvidia", TEST_TIMING).tests).toEqual(tests);
    expect(tests[0]).toBe("CMD-SHELL");
    model = (rendered.result.outputs as { ollamaModel: string }).ollamaModel;
    backendName = runRenderedContainer(containerSpec(rendered.named("app-backend", CONTAINER_TYPE)), {
        name: `rag-stack-prod-backend-heal-e2e-${RUN_ID}`, image, command: ["sleep", "900"], networkNames: { [renderedNetwork]: network },
    });
});

afterAll(() => {
    const problems = removeRunObjects();
    if (problems.length) console.warn(`e2e cleanup: ${problems.join("; ")}`);
    fs.rmSync(tmp, { recursive: true, force: true });
});

describe("a GPU lost until restart (the NVML fault)", () => {
    const name = `rag-stack-prod-ollama-heal-e2e-${RUN_ID}`;
    const stateDir = path.join(tmp, "state-healed");

    beforeAll(async () => {
        runOllama(name, GPU_LOST_ON_TMPFS, { tmpfs: true, onAppNetwork: true });
        await waitForHealth(name, "healthy");
    });

    test("healthy with its GPU: the heal script leaves it alone; verify's GPU row passes, never healed", async () => {
        const before = stateOf(name);
        const r = heal(name, stateDir);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain(`${name} is healthy: nothing to do`);
        expect(stateOf(name).startedAt).toBe(before.startedAt);
        const run = await runVerify(["--outputs", outputsFor(name, stateDir), "--skip", "neo4j,http", "--timeout", "5"]);
        const block = rowBlock(run.stdout, ROW);
        expect(row(run.stdout, ROW)).toMatch(/GPU still in use by the container\s+PASS/);
        expect(block).toContain(`nvidia-smi -L inside ${name}: GPU 0: NVIDIA RTX 4000 Ada Generation`);
        expect(block).toMatch(/\/api\/ps: qwen2\.5:7b-instruct-q8_0 100% GPU/);
        expect(block).toContain("heal timer: never had to heal");
    });

    test("GPU lost: the health check turns it unhealthy, verify says the GPU is lost; the heal restarts exactly it and the GPU row comes back", async () => {
        const before = stateOf(name);
        loseGpu(name, GPU_LOST_ON_TMPFS);
        expect(docker(["exec", name, "sh", "-c", "nvidia-smi -L || true"])).toBe("Failed to initialize NVML: Unknown Error");
        await waitForHealth(name, "unhealthy");

        const lost = await runVerify(["--outputs", outputsFor(name, stateDir), "--skip", "neo4j,http", "--timeout", "5"]);
        expect(lost.code).toBe(1);
        const lostBlock = rowBlock(lost.stdout, ROW);
        console.log(`GPU lost, before the heal:\n${lostBlock}`);
        expect(lostBlock).toMatch(/FAIL/);
        expect(lostBlock).toContain("Failed to initialize NVML: Unknown Error");
        expect(lostBlock).toContain("cause: the Ollama container lost its GPU");
        expect(lostBlock).toContain("journalctl -t rag-stack-ollama-heal");

        const r = heal(name, stateDir);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain(`${name} is unhealthy (last check: Failed to initialize NVML: Unknown Error); restarting it (heal 1 of at most 3`);
        const after = stateOf(name);
        expect(after.startedAt).not.toBe(before.startedAt);
        const heals = fs.readFileSync(path.join(stateDir, "heals"), "utf8").trim().split("\n");
        expect(heals).toHaveLength(1);
        expect(heals[0]).toMatch(/^\d+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ Failed to initialize NVML: Unknown Error$/);
        expect(fs.readFileSync(loggerRecord, "utf8")).toMatch(new RegExp(`^-t rag-stack-ollama-heal -p user\\.warning -- ${name} is unhealthy`, "m"));

        // The restart cleared the tmpfs: the GPU is back, the check says so.
        await waitForHealth(name, "healthy");
        const back = await runVerify(["--outputs", outputsFor(name, stateDir), "--skip", "neo4j,http", "--timeout", "5"]);
        const backBlock = rowBlock(back.stdout, ROW);
        console.log(`after the heal:\n${backBlock}`);
        expect(row(back.stdout, ROW)).toMatch(/PASS/);
        expect(backBlock).toContain("GPU 0: NVIDIA RTX 4000 Ada Generation");
        expect(backBlock).toMatch(/heal timer: last heal \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+ s ago; 1 in the last hour\), after: Failed to initialize NVML: Unknown Error/);
    });
});

test("a container with the watched name but without the Ollama label is never restarted", async () => {
    const name = `rag-stack-prod-impostor-heal-e2e-${RUN_ID}`;
    docker(["run", "-d", "--name", name, "--label", `${E2E_LABEL}=${RUN_ID}`, "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1", image, "sleep", "300"]);
    const before = await waitForHealth(name, "unhealthy");
    const r = heal(name, path.join(tmp, "state-impostor"));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`refusing to touch ${name}: it does not carry the label rag-stack.role=ollama`);
    expect(stateOf(name).startedAt).toBe(before.startedAt);
});

test("a GPU lost for good: 3 heals, then the timer gives up, leaves the container alone and says so (journal, marker, verify)", async () => {
    const name = `rag-stack-prod-ollama-broken-e2e-${RUN_ID}`;
    const stateDir = path.join(tmp, "state-gave-up");
    runOllama(name, GPU_LOST_FOR_GOOD, { tmpfs: false, onAppNetwork: false });
    await waitForHealth(name, "healthy");
    loseGpu(name, GPU_LOST_FOR_GOOD);

    for (let n = 1; n <= 3; n++) {
        const before = await waitForHealth(name, "unhealthy");
        const r = heal(name, stateDir);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain(`restarting it (heal ${n} of at most 3 within 3600s)`);
        expect(stateOf(name).startedAt).not.toBe(before.startedAt);
    }

    const before = await waitForHealth(name, "unhealthy");
    const r = heal(name, stateDir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gave up at .*: .* is unhealthy again after 3 heal\(s\) within 3600s \(last check: Failed to initialize NVML: Unknown Error\)/);
    const marker = path.join(stateDir, "gave-up");
    expect(fs.readFileSync(marker, "utf8")).toContain(`It is left alone until ${marker} is removed.`);
    expect(fs.readFileSync(loggerRecord, "utf8")).toMatch(/^-t rag-stack-ollama-heal -p user\.err -- gave up at /m);
    expect(stateOf(name)).toEqual(before);

    // The next timer runs touch nothing and stay quiet in the journal.
    const loggedBefore = fs.readFileSync(loggerRecord, "utf8");
    const again = heal(name, stateDir);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("not healing: gave up earlier");
    expect(stateOf(name)).toEqual(before);
    expect(fs.readFileSync(loggerRecord, "utf8")).toBe(loggedBefore);

    const run = await runVerify(["--outputs", outputsFor(name, stateDir), "--skip", "backend-exec,neo4j,http", "--timeout", "5"]);
    expect(run.code).toBe(1);
    const block = rowBlock(run.stdout, ROW);
    console.log(`after the give-up:\n${block}`);
    expect(block).toContain("heal timer: GAVE UP: gave up at");
    expect(block).toContain("cause: the heal timer gave up");
    expect(block).toContain(`rm ${stateDir}/gave-up to resume healing`);
});

test("accelerator cpu (the dev container): nothing GPU-related in the check, so it stays healthy without a GPU; nothing to heal; row 9 passes", async () => {
    const name = `rag-stack-dev-ollama-cpu-e2e-${RUN_ID}`;
    const stateDir = path.join(tmp, "state-cpu");
    runOllama(name, GPU_LOST_FOR_GOOD, { tmpfs: false, onAppNetwork: false, accelerator: "cpu" });
    loseGpu(name, GPU_LOST_FOR_GOOD); // no GPU at all: nvidia-smi fails in this container
    const healthy = await waitForHealth(name, "healthy");
    await new Promise((r) => setTimeout(r, 3000)); // several more 1 s checks
    expect(stateOf(name).health).toBe("healthy");
    const r = heal(name, stateDir);
    expect(r.stdout).toContain(`${name} is healthy: nothing to do`);
    expect(stateOf(name).startedAt).toBe(healthy.startedAt);
    const run = await runVerify(["--outputs", outputsFor(name, stateDir, { ollamaAccelerator: "cpu" }), "--skip", "backend-exec,neo4j,http", "--timeout", "5"]);
    const block = rowBlock(run.stdout, ROW);
    expect(row(run.stdout, ROW)).toMatch(/PASS/);
    expect(block).toContain("no GPU to keep (accelerator cpu): the health check is `ollama list`");
    expect(block).not.toContain("nvidia-smi");
});
