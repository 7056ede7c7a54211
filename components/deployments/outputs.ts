/**
 * The stack outputs every deployment shape gives (index.ts exports them), and the ones only one
 * shape has. `npm run verify` reads them; keep names stable.
 */
import * as pulumi from "@pulumi/pulumi";

export interface StackOutputs {
    ollamaPlacement: string;
    ollamaModel: string;
    ollamaAccelerator: string;
    /** What the backend got as OLLAMA_BASE_URL, from the Ollama interface. */
    ollamaUrlForBackend: pulumi.Output<string>;
    ollamaUrlFromHost?: pulumi.Output<string | undefined>;
    ollamaProcessor?: pulumi.Output<string | undefined>;
    dockerHost?: pulumi.Output<string>;
    publicIp?: pulumi.Output<string | undefined>;
    gpuHost?: Record<string, unknown>;
    containers?: Record<string, string | undefined>;
    backendUrl?: pulumi.Output<string>;
    backendHealthUrl?: pulumi.Output<string>;
    frontendUrl: pulumi.Output<string> | string;
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
