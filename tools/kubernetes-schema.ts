/**
 * Validates rendered Kubernetes objects against the official Kubernetes OpenAPI schemas, as
 * compiled by kubernetes-models (4.5.1: the schemas of Kubernetes 1.33): required fields, types,
 * enums, formats, int-or-string and quantity forms. Field names are checked before that by the
 * compiler: every object is written against @pulumi/kubernetes's input types, generated from the
 * same OpenAPI, and a misspelt field does not type-check.
 */

/** The Kubernetes minor version whose OpenAPI schemas kubernetes-models 4.5.1 carries. */
export const SCHEMA_KUBERNETES_VERSION = "1.33";

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string };
}

interface Validatable { validate(): void }
type ModelClass = new (data: unknown) => Validatable;

/** `kubernetes-models/<group>/<version>/<Kind>` (the core group is `v1` at the top). */
export function modelPath(apiVersion: string, kind: string): string {
    return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Problems of one object, or [] when it is valid. Throws when no schema exists for its kind. */
export function validateKubernetesObject(obj: KubernetesObject): string[] {
    const mod = require(modelPath(obj.apiVersion, obj.kind)) as Record<string, ModelClass>;
    const Model = mod[obj.kind];
    if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
    try {
        new Model(obj).validate();
        return [];
    } catch (e) {
        const where = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata?.name ?? "(unnamed)"}`;
        return [`${where}: ${e instanceof Error ? e.message : String(e)}`];
    }
}
