/**
 * The Docker shape of the stack (dev, prod): a Docker host (the local engine, an existing one, or a
 * DigitalOcean GPU droplet, running or parked), the app network, Ollama (native or container), the
 * app containers and, with a front door, the HTTPS proxy in front of them.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../config/profile";
import { StackAlerts } from "../alerts";
import { publicOrigin } from "../config/services";
import { createHost, DockerHost } from "../hosts";
import { DockerHealthResponder } from "../health/docker";
import {
    BACKUP_MAX_AGE_SECONDS, HEALTH_CACHE_SECONDS, HEALTH_CALL_TIMEOUT_SECONDS, responderAnswerTimeoutSeconds,
} from "../health/responder";
import { Ollama } from "../ollama";
import { FrontDoor } from "../proxy";
import { frontDoorOutputs } from "../proxy/outputs";
import { containerName } from "../names";
import { scheduleSummary } from "../hosts/parking-schedule";
import { BACKEND_ALIAS, createAppNetwork, FRONTEND_ALIAS, Services } from "../services";
import { StackOutputs } from "./outputs";
import { backupTarget, dropletBackup } from "./backup";

export function deployOnDocker(profile: Profile): StackOutputs {
    const host = createHost("host", profile);
    // Neo4j's backups off the droplet (a bucket kept parked too); dev backs up on demand (docs/backups.md).
    const backup = dropletBackup(profile, host);
    // Parked (digitalocean.parked: true) there is no Docker engine: no Ollama, no app, nothing to deploy.
    const app = host.docker ? deployApp(host.docker) : undefined;

    /** Network, Ollama and the services on the host's Docker engine. */
    function deployApp(host: DockerHost) {
        const network = createAppNetwork("app-network", { provider: host.provider, dependsOn: host.ready }, host.machine);

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
            publishPorts: !profile.services.proxy.enabled,
            neo4jDataDir: host.dataDirs?.neo4j,
            hostMachine: host.machine,
            dockerHost: host.dockerHost,
            remoteConnection: host.connection,
            // prod: a new Neo4j image starts after a backup (backup.beforeNeo4jUpgrade); dev: `npm run backup` first (docs/backups.md).
            backupBeforeNeo4jUpgrade: backup?.install && backup.connection !== undefined && profile.backup.beforeNeo4jUpgrade
                ? { connection: backup.connection, installed: backup.install } : undefined,
        }, { providers: [host.provider], dependsOn: host.ready });

        // The one HTTPS door in front of the app (prod); without it the app publishes its own ports (dev).
        const s = profile.services;
        // Behind the door, `/healthz` answers for the deployment: backend, GPU share, watchdog, backups.
        const health = s.proxy.enabled ? new DockerHealthResponder("health", {
            network,
            backendHealthUrl: `http://${BACKEND_ALIAS}:${s.backend.port}${s.backend.healthPath}`,
            ollama,
            models: [profile.ollama.model],
            // The droplet's heal timer watches the Ollama container; nothing heals a native server.
            watchdogStateDir: profile.ollama.mode === "container" ? host.gpuHost?.ollamaHealStateDir : undefined,
            // The backup job's status files (the droplet's; dev has no job): "not set up" without.
            backupStatusDir: backup?.statusDir,
            // The front door logs the requests that use Ollama; the responder reports the last one.
            activityLog: true,
            backupMaxAgeSeconds: backup ? profile.backup.maxAgeHours * 3600 : BACKUP_MAX_AGE_SECONDS,
            volumeProbeDirs: host.dataDirs?.volumeProbes,
            diskMaxPercent: profile.alerts.droplet.volumePercent,
            cacheSeconds: HEALTH_CACHE_SECONDS,
            callTimeoutSeconds: HEALTH_CALL_TIMEOUT_SECONDS,
            hostMachine: host.machine,
        }, { providers: [host.provider], dependsOn: host.ready }) : undefined;
        const proxy = s.proxy.enabled ? new FrontDoor("proxy", {
            settings: s.proxy,
            publicHost: s.publicHost,
            publishAddress: s.publishAddress,
            network,
            backend: { host: BACKEND_ALIAS, port: s.backend.port },
            frontend: { host: FRONTEND_ALIAS, port: s.frontend.port },
            users: profile.basicAuth,
            health: health && { dial: health.dial, path: s.healthPath, answerTimeoutSeconds: responderAnswerTimeoutSeconds(HEALTH_CALL_TIMEOUT_SECONDS) },
            activityLog: health?.activityLogVolume && { volume: health.activityLogVolume, backendHealthPath: s.backend.healthPath },
            protectData: profile.production,
            dataDir: host.dataDirs?.proxy,
            hostMachine: host.machine,
            after: [services.frontend, ...(health ? [health.container] : [])],
        }, { providers: [host.provider], dependsOn: host.ready }) : undefined;
        return { host, ollama, services, proxy, health };
    }

    const s = profile.services;
    // DigitalOcean probes the health URL through the door and watches the droplet (components/alerts/);
    // parked, the check is disabled and the droplet's policies go with the droplet.
    const parked = host.state === "parked";
    const alerts = host.digitalocean && s.proxy.enabled ? new StackAlerts("alerts", {
        settings: profile.alerts,
        healthUrl: `${publicOrigin(s)}${s.healthPath}`,
        provider: host.digitalocean.provider,
        checkEnabled: !parked,
        droplet: host.digitalocean.droplet,
        after: app?.proxy ? [app.proxy] : undefined,
        notes: parked ? ["parked: the uptime check is disabled (nothing probes, nothing fires) and the droplet's policies are gone with it; unparking brings both back"] : [],
    }) : undefined;
    // Parked, there is no app to reach: no URLs, no front door to check.
    const door = app && frontDoorOutputs(s, profile.basicAuth.length > 0, profile.ollama.port);
    const url = (port: number, path: string) => app && (door
        ? `${door.url}${path}`
        : pulumi.interpolate`http://${app.host.publicAddress}${port === 80 ? "" : `:${port}`}${path}`);

    const ollamaPlacement = profile.ollama.mode;
    const ollamaModel = profile.ollama.model;
    const ollamaAccelerator = profile.ollama.accelerator;
    const ollamaUrlForBackend = app?.services.backendOllamaUrl;
    const ollamaUrlFromHost = app?.ollama.urlForHost;
    const ollamaProcessor = app?.ollama.processor;
    const dockerHost = app?.host.dockerHost;
    /** Which engine and why: rag-stack:docker.host, DOCKER_HOST, Docker Desktop's socket or /var/run/docker.sock. */
    const dockerHostReason = app?.host.dockerHostReason;
    const publicIp = host.publicIp;
    const gpu = app?.host.gpuHost;
    /** The GPU droplet this stack created: size, GPU, list price per hour, and the readiness check's GPU line. */
    const gpuHost = gpu && {
        size: gpu.size,
        gpu: gpu.gpu,
        pricePerHourUsd: gpu.pricePerHourUsd,
        gpuCheck: gpu.gpuCheck,
        metricsAgent: gpu.metricsAgent,
        ollamaHealStateDir: gpu.ollamaHealStateDir,
    };
    /** `running`, or `parked`: the GPU droplet removed, its data and address kept (docs/parking.md). */
    const state = host.state;
    /** What the stack's DigitalOcean resources cost now (list prices, components/hosts/digitalocean-cost.ts). */
    const costPerHourUsd = host.billing?.cost.perHourUsd;
    const costPerMonthUsd = host.billing?.cost.perMonthUsd;
    const costPerHourByItem = host.billing?.cost.perHourByItem;
    /** What parking saves (running) or is saving (parked): the droplet, less the unassigned IP's charge. */
    const parkedSaving = host.billing?.parkingSaving;
    /** rag-stack:parking: the schedule, its hours a week and what it saves a month at list prices (docs/parking.md). */
    const parkingSchedule = host.billing && scheduleSummary(profile.parking, host.billing.costInputs);
    const containers = app && {
        backend: containerName("backend"),
        frontend: containerName("frontend"),
        neo4j: containerName("neo4j"),
        ollama: profile.ollama.mode === "container" ? containerName("ollama") : undefined,
        proxy: app.proxy ? containerName("proxy") : undefined,
        health: app.health ? containerName("health") : undefined,
    };
    /** The HTTPS front door verify checks: name, address, CA, the ports that must stay closed. */
    const frontDoor = door && app && { ...door, address: host.publicIp ?? app.host.publicAddress };
    const backendUrl = url(s.backend.hostPort, door ? door.apiBase : "");
    const backendHealthUrl = url(s.backend.hostPort, door ? `${door.apiBase}${s.backend.healthPath}` : s.backend.healthPath);
    const frontendUrl = url(s.frontend.hostPort, s.frontend.path);
    /** The deployment's health answer through the door (200 or 503 with a JSON body); absent without a door. */
    const healthUrl = door && app?.health ? `${door.url}${s.healthPath}` : undefined;
    const neo4jBoltUrl = app && `bolt://127.0.0.1:${s.neo4j.boltPort}`;
    const neo4jUser = s.neo4j.user;
    const neo4jPassword = pulumi.secret(profile.neo4jPassword);
    return {
        ollamaPlacement, ollamaModel, ollamaAccelerator, ollamaUrlForBackend, ollamaUrlFromHost, ollamaProcessor,
        dockerHost, dockerHostReason, publicIp, gpuHost, state, costPerHourUsd, costPerMonthUsd, costPerHourByItem,
        parkedSaving, parkingSchedule, containers, frontDoor, backendUrl, backendHealthUrl, frontendUrl, healthUrl, neo4jBoltUrl, neo4jUser,
        neo4jPassword, alerts: alerts?.facts,
        /** Where Neo4j's backups are made and restored (components/backup/target.ts; npm run backup, restore, restore-drill). */
        backup: backupTarget(profile, host, backup),
    };
}
