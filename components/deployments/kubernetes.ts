/**
 * The Kubernetes shape of the stack (`scale`): a DOKS cluster with a CPU and a GPU pool, Ollama as
 * its third placement (a StatefulSet), the app as Deployments and a StatefulSet, and one HTTPS
 * load balancer in front. The backend still takes Ollama only through the OllamaEndpoint interface.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Profile } from "../config/profile";
import { StackAlerts } from "../alerts";
import { DoksCluster } from "../hosts/doks";
import { clusterNames } from "../names";
import { gpuMemoryFor } from "../capacity/validate";
import { publicHostRecord } from "../hosts/doks-dns";
import { modelRegistryGate, prepareDoksRun } from "../hosts/preflight";
import { KubernetesApp } from "../kubernetes/app";
import { FrontDoor } from "../kubernetes/front-door";
import { KubernetesTarget } from "../kubernetes/target";
import { Ollama } from "../ollama";
import { OLLAMA_CONTAINER_PORT } from "../ollama/endpoint";
import { ollamaReplicaUrls } from "../ollama/kubernetes";
import { serviceHost } from "../kubernetes/target";
import { BACKUP_MAX_AGE_SECONDS, HEALTH_CACHE_SECONDS, HEALTH_CALL_TIMEOUT_SECONDS } from "../health/responder";
import { KUBERNETES_API_PREFIX } from "../kubernetes/router-config";
import { StackOutputs } from "./outputs";

/** Registry whose images a DOKS cluster can pull once registry integration is on. */
const DOCR = "registry.digitalocean.com/";

export function deployOnKubernetes(profile: Profile): StackOutputs {
    const doks = profile.doks;
    if (!doks) throw new Error("host.provider doks without doks settings (config validation should have refused this)");
    const s = profile.services;
    const images = [profile.ollama.image, s.backend.image, s.frontend.image, s.neo4j.image];
    // Before anything is registered: a real run refuses a certificate nobody could be issued.
    prepareDoksRun(profile.stack, s.publicHost, doks.certificateName);
    // The model's real size from its registry against one GPU of the pool; the cluster waits for it.
    const modelGate = modelRegistryGate(profile.stack, profile.ollama,
        gpuMemoryFor(profile.ollama, profile.host.provider, undefined, doks.gpuPool.size), "the DigitalOcean Kubernetes cluster");

    const cluster = new DoksCluster("cluster", {
        settings: doks,
        token: profile.digitaloceanToken,
        billingGate: modelGate,
        registryIntegration: images.some((i) => i.startsWith(DOCR)),
        certificate: doks.certificateName === undefined
            ? { name: clusterNames().certificate, domain: s.publicHost }
            : undefined,
        dnsRecordFor: doks.dnsRecord ? s.publicHost : undefined,
    });
    const target: KubernetesTarget = { provider: cluster.provider, namespace: doks.namespace, dependsOn: [cluster.namespace] };

    const ollama = new Ollama("ollama", {
        settings: profile.ollama,
        localEngine: false,
        kubernetes: { target, modelsVolumeGb: doks.modelsVolumeGb },
    }, { providers: [cluster.provider] });

    const app = new KubernetesApp("app", {
        settings: s,
        target,
        ollama,
        model: profile.ollama.model,
        neo4jPassword: profile.neo4jPassword,
        retainedStorageClass: cluster.retainedStorageClass,
        neo4jVolumeGb: doks.neo4jVolumeGb,
        backendReplicas: doks.backendReplicas,
        frontendReplicas: doks.frontendReplicas,
    }, { providers: [cluster.provider] });

    const door = new FrontDoor("front-door", {
        target,
        certificateName: doks.certificateName ?? cluster.certificateName!,
        backendPort: s.backend.port,
        frontendPort: s.frontend.port,
        apiPrefix: KUBERNETES_API_PREFIX,
        healthPath: s.healthPath,
        replicas: 2,
        health: {
            backendHealthUrl: `http://${serviceHost("backend", doks.namespace)}:${s.backend.port}${s.backend.healthPath}`,
            ollamaUrls: ollamaReplicaUrls(doks.namespace, profile.ollama.replicas),
            models: [profile.ollama.model],
            backupMaxAgeSeconds: BACKUP_MAX_AGE_SECONDS,
            cacheSeconds: HEALTH_CACHE_SECONDS,
            callTimeoutSeconds: HEALTH_CALL_TIMEOUT_SECONDS,
        },
    }, { providers: [cluster.provider], dependsOn: [app] });

    // publicHost -> the load balancer, in DigitalOcean DNS (the load balancer's own record for the
    // certificate's apex domain is turned off in the front door).
    if (cluster.dnsZone) {
        publicHostRecord("front-door-dns", { host: s.publicHost, zone: cluster.dnsZone, address: door.publicIp, provider: cluster.doProvider }, {});
    }

    // The same uptime check and alerts as prod, on the load balancer's name. No node policies: the
    // nodes are replaced by upgrades and the autoscaler, their disks hold nothing of the app's, and
    // a GPU node that fails shows as its Ollama replica failing the health URL (docs/alerts.md).
    const alerts = new StackAlerts("alerts", {
        settings: profile.alerts,
        healthUrl: `https://${s.publicHost}${s.healthPath}`,
        provider: cluster.doProvider,
        checkEnabled: true,
        after: [door],
        notes: ["scale: no alert policies on the cluster's nodes; the health URL covers every Ollama replica's GPU, the backend and the router"],
    }, {});

    const gpu = cluster.facts;
    return {
        ollamaPlacement: profile.ollama.mode,
        ollamaModel: profile.ollama.model,
        ollamaAccelerator: profile.ollama.accelerator,
        ollamaUrlForBackend: app.backendOllamaUrl,
        ollamaUrlFromHost: ollama.urlForHost,
        publicIp: door.publicIp,
        frontendUrl: `https://${s.publicHost}${s.frontend.path}`,
        backendUrl: pulumi.output(`https://${s.publicHost}/api`),
        healthUrl: `https://${s.publicHost}${s.healthPath}`,
        alerts: alerts.facts,
        backup: { where: "none", reason: "backups of a Kubernetes cluster are not built (backup.disabledOnPurpose)" },
        neo4jUser: s.neo4j.user,
        neo4jPassword: pulumi.secret(profile.neo4jPassword),
        namespace: doks.namespace,
        kubernetesApp: {
            namespace: doks.namespace,
            // Where the Ollama pods listen, which verify reaches through the API server's pod
            // proxy; ollama.port is the Service's port, which the pods do not listen on.
            ollamaPodPort: OLLAMA_CONTAINER_PORT,
            backendPort: s.backend.port,
            backendHealthPath: s.backend.healthPath,
            frontendPort: s.frontend.port,
        },
        kubeconfig: cluster.kubeconfig,
        cluster: {
            name: gpu.clusterName,
            kubernetesVersion: gpu.kubernetesVersion,
            region: doks.region,
            ollamaReplicas: profile.ollama.replicas,
            gpuNodeSize: gpu.gpuNodeSize,
            gpu: gpu.gpu,
            gpuNodes: gpu.gpuNodes,
            gpuNodePricePerHourUsd: gpu.gpuNodePricePerHourUsd,
        },
    };
}
