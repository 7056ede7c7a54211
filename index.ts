/**
 * rag-stack: reads the stack's profile, builds the host, Ollama and the app, exports the outputs.
 * Everything else lives in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadProfile } from "./components/config";
import { createDockerHost } from "./components/hosts";
import { boundToMachine } from "./components/hosts/machine-bound";
import { Ollama } from "./components/ollama";
import { createAppNetwork, containerName, Services } from "./components/services";

// Validation first: a bad stack file stops here, before any resource is registered.
const profile = loadProfile();

const host = createDockerHost("host", profile);
const deployOpts = { provider: host.provider, dependsOn: host.ready, ...boundToMachine(host.machine) };
const network = createAppNetwork("app-network", deployOpts);

const ollama = new Ollama("ollama", {
    settings: profile.ollama,
    dockerHost: host.dockerHost,
    localEngine: host.localEngine,
    network,
    modelsHostDir: host.dataDirs?.ollamaModels,
    remoteConnection: host.connection,
    hostMachine: host.machine,
}, { providers: [host.provider], dependsOn: host.ready });

const services = new Services("app", {
    settings: profile.services,
    network,
    ollama,
    model: profile.ollama.model,
    neo4jPassword: profile.neo4jPassword,
    protectData: profile.production,
    neo4jDataDir: host.dataDirs?.neo4j,
    hostMachine: host.machine,
}, { providers: [host.provider], dependsOn: host.ready });

const s = profile.services;
const url = (port: number, path: string) => pulumi.interpolate`http://${host.publicAddress}${port === 80 ? "" : `:${port}`}${path}`;

export const ollamaPlacement = profile.ollama.mode;
export const ollamaModel = profile.ollama.model;
export const ollamaAccelerator = profile.ollama.accelerator;
export const ollamaUrlForBackend = services.backendOllamaUrl;
export const ollamaUrlFromHost = ollama.urlForHost;
export const ollamaProcessor = ollama.processor;
export const dockerHost = host.dockerHost;
export const publicIp = host.gpuHost?.publicIp;
/** The GPU droplet this stack created: size, GPU, list price per hour, and the readiness check's GPU line. */
export const gpuHost = host.gpuHost && {
    size: host.gpuHost.size,
    gpu: host.gpuHost.gpu,
    pricePerHourUsd: host.gpuHost.pricePerHourUsd,
    gpuCheck: host.gpuHost.gpuCheck,
};
export const containers = {
    backend: containerName("backend"),
    frontend: containerName("frontend"),
    neo4j: containerName("neo4j"),
    ollama: profile.ollama.mode === "container" ? containerName("ollama") : undefined,
};
export const backendUrl = url(s.backend.hostPort, "");
export const backendHealthUrl = url(s.backend.hostPort, s.backend.healthPath);
export const frontendUrl = url(s.frontend.hostPort, s.frontend.path);
export const neo4jBoltUrl = `bolt://127.0.0.1:${s.neo4j.boltPort}`;
export const neo4jUser = s.neo4j.user;
export const neo4jPassword = pulumi.secret(profile.neo4jPassword);
