/**
 * The `scale` stack's only public entry: a DigitalOcean load balancer (a Service of type
 * LoadBalancer, provisioned by DOKS's cloud controller) that terminates HTTPS with a certificate in
 * the account and forwards HTTP to a small Caddy router, which sends `/api/*` to the backend and
 * the rest to the frontend (the same routing as prod's front door), streaming unbuffered.
 *
 * Load balancer annotations (digitalocean-cloud-controller-manager, docs/controllers/services/annotations.md):
 * type REGIONAL, the HTTP(S) load balancer (the default is REGIONAL_NETWORK, a layer-4 pass-through
 * that ignores every annotation below: raw TLS would reach the router's plain-HTTP port); protocol
 * http with 443 as TLS port and a certificate by name (names survive Let's Encrypt renewals, ids do
 * not), port 80 redirected to HTTPS, the idle timeout raised from its 60 s default to its 600 s
 * maximum (an LLM answer streams for minutes), and no DNS record made by DigitalOcean for the
 * certificate's apex domain (do-loadbalancer-disable-lets-encrypt-dns-records: the stack keeps
 * publicHost's own record, hosts/doks-dns.ts). The health check is the controller's own choice
 * (kube-proxy's /healthz on each node): its path and protocol annotations take effect only with
 * do-loadbalancer-override-health-check, and the docs advise leaving them to the controller.
 * The certificate is made with the cluster, before it (hosts/doks.ts): a Let's Encrypt certificate
 * needs the domain's DNS on DigitalOcean; otherwise name an existing one.
 *
 * Beside Caddy in each router pod runs the health responder (health/responder.ts): busybox httpd on
 * the pod's loopback only (no Service, no port the load balancer forwards), the CGI script from the
 * router's ConfigMap (mode 0555), as nobody with no capabilities. It asks the backend Service and
 * every Ollama replica by its own DNS name (ollama/kubernetes.ts ollamaReplicaUrls): every
 * replica's GPU share counts. No watchdog runs on Kubernetes (the pods' readiness probes do that
 * job), and no backup job yet: those parts report themselves as not used.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PROXY_IMAGE } from "../config/services";
import { clusterNames } from "../names";
import { appLabels, KubernetesTarget, POD_DEFAULTS, serviceHost, spreadOverNodes } from "./target";
import { ROUTER_HEALTH_PATH, routerConfig } from "./router-config";
import {
    HEALTH_CGI_PATH, HEALTH_DOCUMENT_ROOT, HEALTH_RESPONDER_IMAGE, HEALTH_RESPONDER_PORT, healthScript,
    responderAnswerTimeoutSeconds, responderCommand, responderEnvironment,
} from "../health/responder";

/** The official Caddy image, pinned by tag and digest: the same one as prod's front door. */
export const ROUTER_IMAGE = DEFAULT_PROXY_IMAGE;
const ROUTER_PORT = 8080;
/** The ConfigMap key of the health responder's CGI script. */
const HEALTH_SCRIPT_KEY = "healthz.sh";

export interface FrontDoorArgs {
    target: KubernetesTarget;
    /** Name of the certificate in the account the load balancer terminates HTTPS with. */
    certificateName: pulumi.Input<string>;
    backendPort: number;
    frontendPort: number;
    apiPrefix: string;
    /** The path the router answers with the deployment's health (services.healthPath). */
    healthPath: string;
    replicas: number;
    /** What the health responder checks: the backend's health URL, every Ollama replica, the models. */
    health: {
        backendHealthUrl: string;
        ollamaUrls: string[];
        models: string[];
        backupMaxAgeSeconds: number;
        cacheSeconds: number;
        callTimeoutSeconds: number;
    };
}

export class FrontDoor extends pulumi.ComponentResource {
    public readonly service: k8s.core.v1.Service;
    /** The load balancer's public address, once DigitalOcean assigned it. */
    public readonly publicIp: pulumi.Output<string | undefined>;

    constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rag-stack:app:FrontDoor", name, {}, opts);
        const ns = args.target.namespace;
        const k8sOpts = { parent: this, provider: args.target.provider, dependsOn: args.target.dependsOn };
        const labels = appLabels("router");

        const h = args.health;
        const routerJson = JSON.stringify(routerConfig({
            listenPort: ROUTER_PORT,
            backend: `${serviceHost("backend", ns)}:${args.backendPort}`,
            frontend: `${serviceHost("frontend", ns)}:${args.frontendPort}`,
            apiPrefix: args.apiPrefix,
            health: { dial: `127.0.0.1:${HEALTH_RESPONDER_PORT}`, path: args.healthPath, answerTimeoutSeconds: responderAnswerTimeoutSeconds(h.callTimeoutSeconds) },
        }), null, 2);
        const script = healthScript();
        const healthEnv = responderEnvironment({ ...h, watchdog: false, backups: false, activityLog: false });
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: "router", namespace: ns, labels: labels.all },
            data: { "router.json": routerJson, [HEALTH_SCRIPT_KEY]: script },
        }, k8sOpts);
        // A config or script change changes the pod template, so the router pods roll onto it.
        const configHash = crypto.createHash("sha256").update(routerJson).update(script).update(JSON.stringify(healthEnv)).digest("hex").slice(0, 16);

        new k8s.apps.v1.Deployment(`${name}-router`, {
            metadata: { name: "router", namespace: ns, labels: labels.all },
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: labels.selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels: labels.all, annotations: { "rag-stack/config-hash": configHash } },
                    spec: {
                        ...POD_DEFAULTS,
                        nodeSelector: { "rag-stack.pool": "cpu" },
                        topologySpreadConstraints: spreadOverNodes(labels.selector),
                        containers: [{
                            name: "caddy",
                            image: ROUTER_IMAGE,
                            args: ["caddy", "run", "--config", "/etc/router/router.json"],
                            ports: [{ name: "http", containerPort: ROUTER_PORT }],
                            resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false },
                            readinessProbe: { httpGet: { path: ROUTER_HEALTH_PATH, port: "http" }, periodSeconds: 5 },
                            livenessProbe: { httpGet: { path: ROUTER_HEALTH_PATH, port: "http" }, periodSeconds: 20 },
                            volumeMounts: [{ name: "config", mountPath: "/etc/router", readOnly: true }],
                        }, {
                            name: "health",
                            image: HEALTH_RESPONDER_IMAGE,
                            args: responderCommand(`127.0.0.1:${HEALTH_RESPONDER_PORT}`),
                            env: Object.entries(healthEnv).map(([k, v]) => ({ name: k, value: v })),
                            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "500m", memory: "64Mi" } },
                            securityContext: {
                                runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true,
                                allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] },
                            },
                            volumeMounts: [{ name: "health-script", mountPath: `${HEALTH_DOCUMENT_ROOT}/cgi-bin`, readOnly: true }],
                        }],
                        volumes: [
                            { name: "config", configMap: { name: config.metadata.name } },
                            {
                                name: "health-script",
                                configMap: { name: config.metadata.name, items: [{ key: HEALTH_SCRIPT_KEY, path: HEALTH_CGI_PATH.split("/").pop()!, mode: 0o555 }] },
                            },
                        ],
                    },
                },
            },
        }, k8sOpts);

        this.service = new k8s.core.v1.Service(`${name}-lb`, {
            metadata: {
                name: "front-door",
                namespace: ns,
                labels: labels.all,
                annotations: {
                    "service.beta.kubernetes.io/do-loadbalancer-name": clusterNames().loadBalancer,
                    "service.beta.kubernetes.io/do-loadbalancer-type": "REGIONAL",
                    "service.beta.kubernetes.io/do-loadbalancer-protocol": "http",
                    "service.beta.kubernetes.io/do-loadbalancer-tls-ports": "443",
                    "service.beta.kubernetes.io/do-loadbalancer-certificate-name": args.certificateName,
                    "service.beta.kubernetes.io/do-loadbalancer-redirect-http-to-https": "true",
                    "service.beta.kubernetes.io/do-loadbalancer-http-idle-timeout-seconds": "600",
                    // Otherwise DigitalOcean points the certificate's apex domain (example.com for
                    // rag.example.com) at this load balancer; the stack keeps publicHost's own
                    // record instead (hosts/doks-dns.ts).
                    "service.beta.kubernetes.io/do-loadbalancer-disable-lets-encrypt-dns-records": "true",
                },
            },
            spec: {
                type: "LoadBalancer",
                selector: labels.selector,
                ports: [
                    { name: "http", port: 80, targetPort: "http" },
                    { name: "https", port: 443, targetPort: "http" },
                ],
            },
        }, {
            ...k8sOpts,
            // `up` waits for the router pods behind it and for DigitalOcean to give the load
            // balancer its address (pulumi/pulumi-kubernetes provider/pkg/await/service.go, 10 min by
            // default): provisioning a load balancer with its certificate can take longer, and a
            // timed-out create is a failed `up` with the Service half-initialised in state.
            customTimeouts: { create: "20m", update: "20m" },
        });
        this.publicIp = this.service.status.apply((st) => st?.loadBalancer?.ingress?.[0]?.ip);
        this.registerOutputs({ publicIp: this.publicIp });
    }
}
