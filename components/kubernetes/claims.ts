/**
 * Growing a StatefulSet's volumes (the Ollama model volumes, Neo4j's graph) when their configured
 * size grows, without replacing anything.
 *
 * A StatefulSet's volumeClaimTemplates are immutable, and the Kubernetes provider replaces the set
 * when they change (pulumi/pulumi-kubernetes provider/pkg/provider/diff.go: `.spec.volumeClaimTemplates`
 * is a force-new field of apps/v1 StatefulSet): every pod stops, and the claims that already exist
 * keep their size, since a template only shapes claims not yet made. So the template's size is left
 * as it was first deployed (`ignoreChanges` on it, TEMPLATE_STORAGE_PATH), and each existing claim
 * (`<template>-<set>-<ordinal>`) is grown by a PersistentVolumeClaimPatch (server-side apply of its
 * `spec.resources.requests.storage`), after the set is Ready, so the claims exist. DigitalOcean's
 * block storage driver grows the volume and its filesystem online (allowVolumeExpansion on both
 * classes, digitalocean/csi-digitalocean deploy/kubernetes/releases/*\/driver.yaml); a claim a new
 * replica gets from the old template is grown by its own patch in the same run.
 *
 * The patch forces ownership of the field (`pulumi.com/patchForce`: the StatefulSet controller
 * created the claim and owns it until then), and is retained on delete: deleting a patch relinquishes
 * its fields, and a claim without a storage request is invalid (the provider itself says to set
 * retainOnDelete for a patch on a required field, provider/pkg/provider/provider.go Delete). A claim
 * never shrinks: the API server refuses a smaller request, and that refusal is what `up` shows.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The path, inside a StatefulSet's inputs, of its (only) claim template's size: ignored after creation. */
export const TEMPLATE_STORAGE_PATH = "spec.volumeClaimTemplates[0].spec.resources.requests.storage";

export interface GrowClaimsArgs {
    namespace: string;
    /** The claim template's name (`models`, `data`). */
    template: string;
    /** The StatefulSet's name (`ollama`, `neo4j`). */
    statefulSet: string;
    replicas: number;
    sizeGb: number;
    labels: Record<string, string>;
}

/** Where the patches go: the provider and parent of the set's own objects, and what they wait for. */
export interface GrowClaimsOptions {
    parent: pulumi.Resource;
    provider: k8s.Provider;
    dependsOn: pulumi.Resource[];
}

/** One patch per replica's claim, each waiting for the set (whose claims must exist). */
export function growClaims(name: string, args: GrowClaimsArgs, set: k8s.apps.v1.StatefulSet, opts: GrowClaimsOptions): k8s.core.v1.PersistentVolumeClaimPatch[] {
    return Array.from({ length: args.replicas }, (_, ordinal) => new k8s.core.v1.PersistentVolumeClaimPatch(`${name}-${ordinal}`, {
        metadata: {
            name: `${args.template}-${args.statefulSet}-${ordinal}`,
            namespace: args.namespace,
            labels: args.labels,
            annotations: { "pulumi.com/patchForce": "true" },
        },
        spec: { resources: { requests: { storage: `${args.sizeGb}Gi` } } },
    }, { parent: opts.parent, provider: opts.provider, dependsOn: [...opts.dependsOn, set], retainOnDelete: true }));
}
