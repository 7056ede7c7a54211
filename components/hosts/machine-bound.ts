/**
 * Resource options that tie a Docker resource to the machine its engine runs on.
 */
import * as pulumi from "@pulumi/pulumi";

/** `replaceWith`/`deletedWith` the machine, or nothing when the stack did not create it. */
export function boundToMachine(machine: pulumi.Resource | undefined): pulumi.CustomResourceOptions {
    return machine ? { replaceWith: [machine], deletedWith: machine } : {};
}
