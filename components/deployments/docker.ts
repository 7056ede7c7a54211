/**
 * The Docker shape of the stack (dev, prod): a Docker host (the local engine, an existing one, or a
 * DigitalOcean GPU droplet), the app network, Ollama (native or container) and the app containers.
 */
import * as pulumi from "@pulumi/pulumi";
import { Profile } from "../config";
import { createDockerHost } from "../hosts";
import { boundToMachine } from "../hosts/machine-bound";
import { Ollama } from "../ollama";
import { createAppNetwork, containerName, Services } from "../services";
import { StackOutputs } from "./outputs";

export function deployOnDocker(profile: Profile): StackOutputs {
    const host = createDockerHost("host", profile);
    const deployOpts = { provider: host.provider, dependsOn: host.ready, ...boundToMachine(host.machine) };
    const network = createAppNetwork("app-network", deployOpts);

    const ollama = new Ollama("ollama", {
        settings: profile.ollama,
        dockerHost: host.dockerHost,
        localEngine: host.localEngine,
        network,
        publishContainerPortOnLoopback: host.localEngine && !profile.production,
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

    const ollamaPlacement = profile.ollama.mode;
    const ollamaModel = profile.ollama.model;
    const ollamaAccelerator = profile.ollama.accelerator;
    const ollamaUrlForBackend = services.backendOllamaUrl;
    const ollamaUrlFromHost = ollama.urlForHost;
    const ollamaProcessor = ollama.processor;
    const dockerHost = host.dockerHost;
    const publicIp = host.gpuHost?.publicIp;
    /** The GPU droplet this stack created: size, GPU, list price per hour, and the readiness check's GPU line. */
    const gpuHost = host.gpuHost && {
        size: host.gpuHost.size,
        gpu: host.gpuHost.gpu,
        pricePerHourUsd: host.gpuHost.pricePerHourUsd,
        gpuCheck: host.gpuHost.gpuCheck,
    };
    const containers = {
        backend: containerName("backend"),
        frontend: containerName("frontend"),
        neo4j: containerName("neo4j"),
        ollama: profile.ollama.mode === "container" ? containerName("ollama") : undefined,
    };
    const backendUrl = url(s.backend.hostPort, "");
    const backendHealthUrl = url(s.backend.hostPort, s.backend.healthPath);
    const frontendUrl = url(s.frontend.hostPort, s.frontend.path);
    const neo4jBoltUrl = `bolt://127.0.0.1:${s.neo4j.boltPort}`;
    const neo4jUser = s.neo4j.user;
    const neo4jPassword = pulumi.secret(profile.neo4jPassword);
    return {
        ollamaPlacement, ollamaModel, ollamaAccelerator, ollamaUrlForBackend, ollamaUrlFromHost, ollamaProcessor,
        dockerHost, publicIp, gpuHost, containers, backendUrl, backendHealthUrl, frontendUrl, neo4jBoltUrl,
        neo4jUser, neo4jPassword,
    };
}
