/**
 * What a host gives the rest of the stack: a Docker provider to deploy through, what must be
 * ready before the first container, and the address users reach it by.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface DockerHost {
    /** Provider every Docker resource of the stack is created through. */
    readonly provider: docker.Provider;
    /** Docker engine URL (unix://, ssh://); also used by scripts that run `docker`. */
    readonly dockerHost: pulumi.Output<string>;
    /** True when the engine runs on the machine running Pulumi. */
    readonly localEngine: boolean;
    /** Host name or address the published ports are reached at. */
    readonly publicAddress: pulumi.Output<string>;
    /** Resources that must be complete before any container is created. */
    readonly ready: pulumi.Resource[];
}
