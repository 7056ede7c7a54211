/**
 * What parking and unparking may change, checked on the preview before `up` runs. Pure.
 *
 * The preview is `pulumi preview --json` (pulumi/pulumi v3.248.0 pkg/backend/display/json.go
 * ShowPreviewDigest, the digest type in pkg/display/json.go): `{ steps: [{ op, urn, provider?,
 * oldState?, newState?, ... }], diagnostics?, changeSummary? }`, one step per resource, `op` one
 * of pkg/resource/deploy/step.go's StepOp labels (same, create, update, delete, replace,
 * create-replacement, delete-replaced, read, refresh, discard, import, ...).
 *
 * Only the compute side may change: the droplet, its reserved-IP assignment and registry
 * credentials, the commands that check or prepare it, the Docker provider and everything on the
 * droplet's engine (network, images, containers, the Docker volumes that bind the block volumes:
 * retained on delete), and the components that group them. Everything else must be `same`: the
 * block volumes, the reserved IP, the firewall, the VPC, the SSH key, the tag, DNS, Spaces buckets
 * and keys, and any type this list does not know (a new kind of resource is refused until someone
 * decides which side it is on).
 */

export interface PreviewStep {
    op: string;
    urn: string;
    newState?: { type?: string };
    oldState?: { type?: string };
}

export interface PreviewDigest {
    steps?: PreviewStep[];
    diagnostics?: { urn?: string; message?: string; severity?: string }[];
    changeSummary?: Record<string, number>;
}

/** Resource types on the compute side: parking removes them, unparking creates them. */
export const COMPUTE_TYPES: readonly (string | RegExp)[] = [
    "digitalocean:index/droplet:Droplet",
    "digitalocean:index/reservedIpAssignment:ReservedIpAssignment",
    "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials",
    "command:local:Command",
    "command:remote:Command",
    "pulumi:providers:docker",
    /^docker:index\//,
    /^rag-stack:/,
];

/** Ops that change nothing. */
const UNCHANGED = new Set(["same", "read", "refresh"]);

/** The resource type a URN names: the last `$` part of its type (urn:pulumi:stack::project::parent$type::name). */
export function typeOfUrn(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts.length >= 4 ? parts[2] : "";
    return qualified.split("$").pop() ?? "";
}

export function nameOfUrn(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

const isCompute = (type: string) => COMPUTE_TYPES.some((t) => (typeof t === "string" ? t === type : t.test(type)));

export interface PreviewReview {
    /** Steps that change a compute resource: `op name (type)`. */
    changes: string[];
    /** Steps that would change anything else: the reason to refuse. */
    refused: string[];
    /** Errors the preview reported. */
    errors: string[];
}

/** Reads the digest: what changes on the compute side, and what would change that must not. */
export function reviewPreview(digest: unknown): PreviewReview {
    if (!digest || typeof digest !== "object" || Array.isArray(digest)) {
        return { changes: [], refused: [], errors: ["the preview printed no JSON object"] };
    }
    const d = digest as PreviewDigest;
    const steps = Array.isArray(d.steps) ? d.steps : [];
    const changes: string[] = [];
    const refused: string[] = [];
    for (const step of steps) {
        if (!step || typeof step.urn !== "string" || typeof step.op !== "string") {
            refused.push(`a step the preview did not describe (${JSON.stringify(step)})`);
            continue;
        }
        const type = step.newState?.type ?? step.oldState?.type ?? typeOfUrn(step.urn);
        // The stack itself: its outputs change with every park (state, costs, URLs).
        if (type === "pulumi:pulumi:Stack" || UNCHANGED.has(step.op)) continue;
        const line = `${step.op} ${nameOfUrn(step.urn)} (${type})`;
        (isCompute(type) ? changes : refused).push(line);
    }
    const errors = (Array.isArray(d.diagnostics) ? d.diagnostics : [])
        .filter((x) => x && x.severity === "error")
        .map((x) => String(x.message ?? "").trim());
    return { changes, refused, errors };
}
