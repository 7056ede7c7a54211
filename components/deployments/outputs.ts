/**
 * The stack outputs every deployment shape gives (index.ts exports them), and the ones only one
 * shape has. `npm run verify` reads them; keep names stable.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AlertFacts } from "../alerts/facts";
import { CostItems, HostState } from "../hosts/digitalocean-cost";
import type { ScheduleSummary } from "../hosts/parking-schedule";
import type { BackupTarget } from "../backup/target";

export interface StackOutputs {
    ollamaPlacement: string;
    ollamaModel: string;
    ollamaAccelerator: string;
    /** What the backend got as OLLAMA_BASE_URL, from the Ollama interface (absent while parked). */
    ollamaUrlForBackend?: pulumi.Output<string>;
    ollamaUrlFromHost?: pulumi.Output<string | undefined>;
    ollamaProcessor?: pulumi.Output<string | undefined>;
    dockerHost?: pulumi.Output<string>;
    dockerHostReason?: pulumi.Input<string>;
    /** DigitalOcean droplet: running or parked, and what it costs. */
    state?: HostState;
    costPerHourUsd?: number;
    costPerMonthUsd?: number;
    costPerHourByItem?: CostItems;
    parkedSaving?: { perHourUsd: number; perMonthUsd: number };
    /** The parking schedule (rag-stack:parking) and its saving; on a DigitalOcean droplet, running or parked. */
    parkingSchedule?: ScheduleSummary;
    /** The HTTPS front door verify checks (Docker shape with a proxy). */
    frontDoor?: Record<string, unknown>;
    publicIp?: pulumi.Input<string | undefined>;
    gpuHost?: Record<string, unknown>;
    containers?: Record<string, string | undefined>;
    backendUrl?: pulumi.Input<string>;
    backendHealthUrl?: pulumi.Input<string>;
    frontendUrl?: pulumi.Input<string>;
    /** The deployment's health answer through the front door (`https://<publicHost>/healthz`). */
    healthUrl?: pulumi.Input<string>;
    /** DigitalOcean: the uptime check, the alert policies, and where they go (never the webhook). */
    alerts?: AlertFacts;
    /** Where Neo4j's backups are made and restored; every shape says, "none" with the reason where there are none. */
    backup: pulumi.Input<BackupTarget>;
    neo4jBoltUrl?: string;
    neo4jUser: string;
    neo4jPassword: pulumi.Output<string>;
    /** Kubernetes shape: the cluster, its GPU pool and where the app lives. */
    cluster?: Record<string, unknown>;
    kubeconfig?: pulumi.Output<string>;
    namespace?: string;
    /** Kubernetes shape: where verify finds the Services (through the API server's proxy). */
    kubernetesApp?: Record<string, unknown>;
}
