/**
 * rag-stack: reads the stack's profile, builds the stack in the shape its host calls for, exports
 * the outputs. Everything else lives in components/.
 *   Docker (dev, prod): components/deployments/docker.ts
 *   Kubernetes (scale): components/deployments/kubernetes.ts
 */
import { loadProfile } from "./components/config";
import { deployOnDocker } from "./components/deployments/docker";
import { deployOnKubernetes } from "./components/deployments/kubernetes";

// Validation first: a bad stack file stops here, before any resource is registered.
const profile = loadProfile();

// The one place the shape is chosen: a Kubernetes cluster, or a Docker host.
const out = profile.host.provider === "doks" ? deployOnKubernetes(profile) : deployOnDocker(profile);

export const ollamaPlacement = out.ollamaPlacement;
export const ollamaModel = out.ollamaModel;
export const ollamaAccelerator = out.ollamaAccelerator;
export const ollamaUrlForBackend = out.ollamaUrlForBackend;
export const ollamaUrlFromHost = out.ollamaUrlFromHost;
export const ollamaProcessor = out.ollamaProcessor;
export const dockerHost = out.dockerHost;
/** Which engine and why: rag-stack:docker.host, DOCKER_HOST, Docker Desktop's socket or /var/run/docker.sock. */
export const dockerHostReason = out.dockerHostReason;
export const publicIp = out.publicIp;
/** The GPU droplet this stack created: size, GPU, list price per hour, and the readiness check's GPU line. */
export const gpuHost = out.gpuHost;
/** `running`, or `parked`: the GPU droplet removed, its data and address kept (docs/parking.md). */
export const state = out.state;
/** What the stack's DigitalOcean resources cost now (list prices, components/hosts/digitalocean-cost.ts). */
export const costPerHourUsd = out.costPerHourUsd;
export const costPerMonthUsd = out.costPerMonthUsd;
export const costPerHourByItem = out.costPerHourByItem;
/** What parking saves (running) or is saving (parked): the droplet, less the unassigned IP's charge. */
export const parkedSaving = out.parkedSaving;
export const parkingSchedule = out.parkingSchedule;
export const containers = out.containers;
/** The HTTPS front door verify checks: name, address, CA, the ports that must stay closed. */
export const frontDoor = out.frontDoor;
export const backendUrl = out.backendUrl;
export const backendHealthUrl = out.backendHealthUrl;
export const frontendUrl = out.frontendUrl;
/** The deployment's health: 200 when backend, GPU share, watchdog and backups are well, else 503 and why (JSON). */
export const healthUrl = out.healthUrl;
/** DigitalOcean: the uptime check on healthUrl, each alert policy and what fires it, and where alerts go (docs/alerts.md). */
export const alerts = out.alerts;
/** Where Neo4j's backups are made and restored: npm run backup, restore, restore-drill (docs/backups.md). */
export const backup = out.backup;
export const neo4jBoltUrl = out.neo4jBoltUrl;
export const neo4jUser = out.neo4jUser;
export const neo4jPassword = out.neo4jPassword;
/** scale: the cluster, its GPU pool, the app's namespace and the kubeconfig (secret). */
export const cluster = out.cluster;
export const namespace = out.namespace;
export const kubeconfig = out.kubeconfig;
export const kubernetesApp = out.kubernetesApp;
