/**
 * Resource options that tie a Docker resource to the machine its engine runs on.
 */
import * as pulumi from "@pulumi/pulumi";

/** `replaceWith`/`deletedWith` the machine, or nothing when the stack did not create it. */
export function boundToMachine(machine: pulumi.Resource | undefined): pulumi.CustomResourceOptions {
    return machine ? { replaceWith: [machine], deletedWith: machine } : {};
}

/**
 * The app network's tie to the machine: `deletedWith` it (no delete through the old engine), and
 * replaced with it through a real input, a label holding the machine's id, not `replaceWith`.
 * Why: when the droplet is replaced delete-before-replace, an engine before pulumi/pulumi#23818
 * (v3.260.0) deletes the resources that are `replaceWith` it first, in the random order of a Go
 * map (pkg/resource/deploy/step_generator.go at v3.248.0: findResourcesReplacedWith ranges over
 * deployment.olds), and only then the dependents whose inputs depend on it, in reverse dependency
 * order (calculateDependentReplacements). Through the label the network is one of the latter, so
 * it goes after every container: the provider's network delete waits only 30 s for "active
 * endpoints" (kreuzwerker/terraform-provider-docker v4.5.0 resource_docker_network_funcs.go).
 * Pulumi.yaml requires an engine with the fix; this keeps the order right on any engine.
 */
export function networkBoundToMachine(machine: pulumi.CustomResource | undefined): {
    opts: pulumi.CustomResourceOptions; labels: { label: string; value: pulumi.Input<string> }[];
} {
    return machine
        ? { opts: { deletedWith: machine }, labels: [{ label: MACHINE_LABEL, value: machine.id }] }
        : { opts: {}, labels: [] };
}

/** The label that records which machine's engine an app network belongs to. */
export const MACHINE_LABEL = "rag-stack.machine";
