/**
 * The Ollama container's health check. With an NVIDIA accelerator it proves the GPU is still
 * usable from inside the container, not only that the server answers: the known fault on Docker
 * GPU hosts is a container that silently loses its GPU ("Failed to initialize NVML: Unknown Error",
 * https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html,
 * "Containers losing access to GPUs"), after which Ollama keeps answering on the CPU and `ollama
 * list` stays green. `nvidia-smi -L` initialises NVML exactly as the fault breaks it, takes well
 * under a second and loads no model, so it is cheap enough to run every 20 s. An unhealthy
 * container is restarted by the droplet's heal timer (components/hosts/droplet/).
 */
import * as docker from "@pulumi/docker";
import type { OllamaSettings } from "../config/ollama";
import { goDuration } from "../container-options";

export type Accelerator = OllamaSettings["accelerator"];

/** How often the check runs and how many failures in a row make the container unhealthy. */
export interface HealthCheckTiming {
    interval: string;
    timeout: string;
    retries: number;
    /** Failures while the server starts do not count. */
    startPeriod: string;
}

/**
 * A lost GPU shows as unhealthy after at most interval × retries (60 s); the heal timer looks every
 * minute, so a lost GPU is healed within about two and a half minutes.
 */
export const OLLAMA_HEALTH_TIMING: HealthCheckTiming = { interval: goDuration(20), timeout: goDuration(10), retries: 3, startPeriod: goDuration(30) };

/**
 * The check command (Docker's CMD-SHELL form: `/bin/sh -c` inside the container). The output of
 * both commands lands in Docker's health log, which verify and the heal timer quote.
 */
export function ollamaHealthCommand(accelerator: Accelerator): string[] {
    return accelerator === "nvidia" ? ["CMD-SHELL", "nvidia-smi -L && ollama list"] : ["CMD-SHELL", "ollama list"];
}

/**
 * Environment the check needs from the container runtime. `utility` is the NVIDIA driver
 * capability that mounts `nvidia-smi` and NVML into the container (the official ollama image sets
 * `compute,utility` itself; it is set here so the check never depends on an image's defaults).
 */
export function ollamaHealthEnvironment(accelerator: Accelerator): Record<string, string> {
    return accelerator === "nvidia" ? { NVIDIA_DRIVER_CAPABILITIES: "compute,utility" } : {};
}

/** The container's `healthcheck` argument. Tests pass a shorter timing; the command is the same. */
export function ollamaHealthCheck(accelerator: Accelerator, timing: HealthCheckTiming = OLLAMA_HEALTH_TIMING): docker.types.input.ContainerHealthcheck {
    return { tests: ollamaHealthCommand(accelerator), ...timing };
}
