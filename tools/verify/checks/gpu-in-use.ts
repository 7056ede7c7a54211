/**
 * Row 9: the GPU is still in use by the Ollama container. The known fault on Docker GPU hosts is a
 * container that loses its GPU after hours or days ("Failed to initialize NVML: Unknown Error")
 * while Ollama keeps answering on the CPU. Evidence, all cheap and without loading the model:
 * Docker's health status (the check runs `nvidia-smi -L`, components/ollama/health-check.ts),
 * `nvidia-smi -L` run now inside the container, the processor of whatever /api/ps lists as loaded,
 * and what the droplet's heal timer did: its last heal, or that it gave up.
 */
import { CheckResult, fail, pass, skip, VerifyContext } from "../check-result";
import { ContainerHealth, readContainerHealth } from "../container-health";
import { HealState, healsWithinHour, readHealState } from "../heal-state";
import { OllamaModelEntry, processorLabel } from "../ollama-api";
import { OllamaApi } from "../ollama-client";

const HEAL_TAG = "rag-stack-ollama-heal";

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " | ").slice(0, 300);

function ago(then: Date, now: Date): string {
    const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
    return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** The heal timer's line for the report. */
export function describeHealState(state: HealState | string | undefined, now: Date): string {
    if (state === undefined) return "heal timer: none on this host (only the DigitalOcean droplet has one)";
    if (typeof state === "string") return `heal timer: state not read (${state})`;
    if (state.gaveUp) return `heal timer: GAVE UP: ${state.gaveUp}`;
    if (!state.dirExists) return "heal timer: no state on this host yet (it records its first heal there; is rag-stack-ollama-heal.timer installed?)";
    const last = state.heals[state.heals.length - 1];
    if (!last) return "heal timer: never had to heal";
    return `heal timer: last heal ${last.at.toISOString()} (${ago(last.at, now)}; ${healsWithinHour(state, now)} in the last hour), after: ${last.reason}`;
}

function healthLine(name: string, h: ContainerHealth): string {
    if (!h.running) return `${name} is ${h.state}, not running`;
    const last = h.lastOutput ? `; last check: ${h.lastOutput.split("\n")[0].slice(0, 200)}` : "";
    return h.health === "none" ? `${name} has no health check` : `${name} is ${h.health}${h.failingStreak ? ` (${h.failingStreak} failed checks in a row)` : ""}${last}`;
}

export async function checkGpuInUse(ctx: VerifyContext, ollama: OllamaApi | undefined): Promise<CheckResult> {
    const { outputs, options, docker } = ctx;
    if (outputs.ollamaPlacement !== "container") return skip("gpu-in-use", "Ollama runs natively: no container to lose the GPU (row 4 shows its share)");
    const name = outputs.containers.ollama;
    if (!name) return skip("gpu-in-use", "the outputs name no Ollama container");
    const nvidia = outputs.ollamaAccelerator === "nvidia";

    ctx.progress.step(`${name}: health status${nvidia ? ", nvidia-smi -L inside it" : ""}, heal timer`);
    const health = await readContainerHealth(docker, name, options.timeoutMs);
    if (typeof health === "string") {
        return fail("gpu-in-use", health, { cause: "the Ollama container could not be inspected", fix: `check the engine and the container: docker ps -a --filter name=${name}` });
    }
    const now = new Date();
    const heal = outputs.ollamaHealStateDir ? await readHealState(docker.dockerHost, outputs.ollamaHealStateDir, options.timeoutMs) : undefined;
    const measured = [healthLine(name, health)];
    const data: Record<string, unknown> = { health: health.health, running: health.running, startedAt: health.startedAt };

    let gpuLines: string[] = [];
    let gpuLost: string | undefined;
    if (nvidia && health.running) {
        const smi = await docker.run(["exec", name, "nvidia-smi", "-L"], { timeoutMs: options.timeoutMs });
        const out = oneLine(`${smi.stdout}${smi.stderr}`.trim());
        if (smi.code === 0 && /^GPU \d+:/m.test(smi.stdout)) gpuLines = [`nvidia-smi -L inside ${name}: ${out}`];
        else gpuLost = smi.timedOut ? `nvidia-smi -L did not answer within ${options.timeoutMs / 1000}s` : `nvidia-smi -L inside ${name} (exit ${smi.code}): ${out || "no output"}`;
        data.nvidiaSmi = gpuLost ?? out;
    } else if (!nvidia) {
        gpuLines = [`no GPU to keep (accelerator ${outputs.ollamaAccelerator}): the health check is \`ollama list\``];
    }
    measured.push(...gpuLines, ...(gpuLost ? [gpuLost] : []));

    let loaded: OllamaModelEntry[] | undefined;
    if (ollama && health.running) {
        try {
            loaded = await ollama.ps(options.timeoutMs);
        } catch {
            loaded = undefined; // rows 1-4 already report an unreachable Ollama
        }
    }
    const onCpu = (loaded ?? []).filter((m) => m.sizeVram !== undefined && m.sizeVram < m.size);
    if (loaded) {
        measured.push(loaded.length === 0
            ? "/api/ps: no model loaded right now"
            : `/api/ps: ${loaded.map((m) => `${m.name} ${m.sizeVram === undefined ? "?" : processorLabel(m.size, m.sizeVram)}`).join(", ")}`);
        data.loaded = loaded.map((m) => ({ name: m.name, processor: m.sizeVram === undefined ? undefined : processorLabel(m.size, m.sizeVram) }));
    }
    measured.push(describeHealState(heal, now));
    if (heal && typeof heal !== "string") {
        data.lastHeal = heal.heals[heal.heals.length - 1]?.at.toISOString();
        data.healsLastHour = healsWithinHour(heal, now);
        data.gaveUp = heal.gaveUp;
    }

    const healNote = outputs.ollamaHealStateDir
        ? `the droplet's heal timer restarts it within a few minutes (journalctl -t ${HEAL_TAG} on the droplet); to heal now: docker restart ${name}`
        : `restart it: docker restart ${name} (no heal timer runs on this host)`;
    if (!health.running) {
        return fail("gpu-in-use", measured, { cause: `the Ollama container is ${health.state}`, fix: `docker logs ${name}; then docker start ${name} or pulumi up` }, data);
    }
    if (heal && typeof heal !== "string" && heal.gaveUp) {
        return fail("gpu-in-use", measured, {
            cause: "the heal timer gave up: restarting the container did not bring the GPU back, so it restarts nothing any more",
            fix: `on the droplet: nvidia-smi; docker info | grep -i 'cgroup driver' (must be cgroupfs); journalctl -t ${HEAL_TAG}. When fixed: rm ${outputs.ollamaHealStateDir}/gave-up to resume healing`,
        }, data);
    }
    if (gpuLost || (nvidia && onCpu.length > 0)) {
        return fail("gpu-in-use", measured, {
            cause: gpuLost
                ? "the Ollama container lost its GPU (NVML cannot initialize inside it): Ollama answers on the CPU, many times slower"
                : `the GPU is visible but ${onCpu.map((m) => m.name).join(", ")} sits partly on the CPU`,
            fix: gpuLost
                ? `${healNote}. If it keeps happening: docker info | grep -i 'cgroup driver' must say cgroupfs (NVIDIA's workaround, set by cloud-init)`
                : "a model larger than the GPU's memory, or a GPU lost and found again: restart the container, then rerun verify",
        }, data);
    }
    if (health.health === "unhealthy") {
        return fail("gpu-in-use", measured, { cause: "Docker reports the Ollama container unhealthy", fix: healNote }, data);
    }
    if (health.health === "starting") measured.push("the health check has not passed yet (container just started or healed): rerun in a minute to see it healthy");
    return pass("gpu-in-use", measured, data);
}
