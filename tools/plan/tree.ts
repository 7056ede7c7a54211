/**
 * The text view of a plan document: components and resources as a tree (children under their
 * parent), each with its key inputs. Secrets are already masked in the document.
 */
import { PlanDocument, PlanResource } from "./document";
import { showValue } from "./format";
import { getAt, Json } from "./paths";

/** Inputs worth a line in the tree, per resource type; other types show their scalar inputs. */
const KEY_INPUTS: Record<string, string[]> = {
    "docker:index/container:Container": ["image", "envs", "ports", "hosts", "gpus", "volumes", "networksAdvanced", "restart"],
    "docker:index/remoteImage:RemoteImage": ["name"],
    "docker:index/image:Image": ["imageName", "build.context"],
    "docker:index/volume:Volume": ["name", "driverOpts"],
    "docker:index/network:Network": ["name"],
    "pulumi:providers:docker": ["host"],
    "command:local:Command": ["create", "delete", "environment", "triggers"],
    "command:remote:Command": ["connection.host", "create", "delete", "environment"],
    "digitalocean:index/droplet:Droplet": ["region", "size", "image", "vpcUuid", "tags"],
    "digitalocean:index/firewall:Firewall": ["inboundRules", "outboundRules"],
    "digitalocean:index/volume:Volume": ["region", "size", "initialFilesystemType"],
    "digitalocean:index/kubernetesCluster:KubernetesCluster": ["region", "version", "ha", "nodePool.size", "nodePool.nodeCount", "nvidiaGpuDevicePlugin.enabled"],
    "digitalocean:index/kubernetesNodePool:KubernetesNodePool": ["size", "autoScale", "minNodes", "maxNodes"],
    // Kubernetes objects: where they live and what they run.
    "kubernetes:apps/v1:StatefulSet": ["metadata.namespace", "spec.replicas", "spec.template.spec.containers.0.image", "spec.template.spec.containers.0.resources.limits", "spec.volumeClaimTemplates.0.spec.resources.requests.storage"],
    "kubernetes:apps/v1:Deployment": ["metadata.namespace", "spec.replicas", "spec.template.spec.containers.0.image"],
    "kubernetes:core/v1:Service": ["metadata.namespace", "metadata.name", "spec.type", "spec.ports"],
    "kubernetes:core/v1:ConfigMap": ["metadata.namespace", "metadata.name"],
    "kubernetes:core/v1:Secret": ["metadata.namespace", "metadata.name", "stringData"],
    "kubernetes:policy/v1:PodDisruptionBudget": ["metadata.namespace", "spec.maxUnavailable", "spec.minAvailable"],
};

/** Appended to a value that holds something only the mocks invented (an id, an address, a digest). */
export const MOCK_MARK = "  ‹mock›";

/** Lists this long or longer get one line per item. */
const ITEMS_PER_LINE = 3;

function keyInputs(r: PlanResource): [string, Json][] {
    const keys = KEY_INPUTS[r.type]
        ?? Object.keys(r.inputs).filter((k) => r.inputs[k] === null || typeof r.inputs[k] !== "object");
    return keys.flatMap((k) => {
        const value = getAt(r.inputs, k) as Json | undefined;
        if (value === undefined || (Array.isArray(value) && value.length === 0)) return [];
        return [[k, value] as [string, Json]];
    });
}

function optionFlags(r: PlanResource): string {
    const flags = [r.protect && "protect", r.retainOnDelete && "retainOnDelete", r.deleteBeforeReplace && "deleteBeforeReplace"]
        .filter(Boolean);
    return flags.length > 0 ? `  [${flags.join(", ")}]` : "";
}

/** A value's text, marked when it contains a value only the mocks invent. */
type Shown = (value: Json) => string;

function shower(invented: readonly string[]): Shown {
    return (value) => {
        const text = typeof value === "string" ? value : showValue(value);
        return invented.some((v) => text.includes(v)) ? `${text}${MOCK_MARK}` : text;
    };
}

function inputLines(r: PlanResource, pad: string, nameOf: (id: string) => string, show: Shown): string[] {
    const lines: string[] = [];
    for (const [key, value] of keyInputs(r)) {
        if (Array.isArray(value) && value.length >= ITEMS_PER_LINE) {
            lines.push(`${pad}${key}:`);
            for (const item of value) lines.push(`${pad}  - ${show(item)}`);
        } else if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length >= ITEMS_PER_LINE) {
            lines.push(`${pad}${key}:`);
            for (const [k, v] of Object.entries(value)) lines.push(`${pad}  ${k}: ${show(v)}`);
        } else {
            lines.push(`${pad}${key}: ${show(value)}`);
        }
    }
    const deps = r.dependencies.filter((d) => d !== r.parent).map(nameOf);
    if (deps.length > 0) lines.push(`${pad}depends on: ${deps.join(", ")}`);
    return lines;
}

export function formatTree(doc: PlanDocument): string {
    const byId = new Map(doc.resources.map((r) => [r.id, r]));
    const nameOf = (id: string) => byId.get(id)?.name ?? id;
    const children = new Map<string, PlanResource[]>();
    const roots: PlanResource[] = [];
    for (const r of doc.resources) {
        if (r.parent && byId.has(r.parent)) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
        else roots.push(r);
    }
    // Components first, then resources, each by name.
    const order = (list: PlanResource[]) =>
        [...list].sort((a, b) => Number(b.component) - Number(a.component) || a.name.localeCompare(b.name));

    const overrides = Object.entries(doc.overrides).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    const lines = [
        `Desired state of stack ${doc.stack}${overrides.length ? ` with ${overrides.join(", ")}` : ""}`,
        "(rendered offline from the real program and stack file under Pulumi mocks; secrets shown as [secret];",
        ` values marked ${MOCK_MARK.trim()} hold ids or addresses the mocks invent, which only pulumi up assigns;`,
        ` what is deployed is not consulted: pulumi preview --stack ${doc.stack} --diff does that)`,
        "",
    ];
    const show = shower((doc.inventedValues ?? []).filter((v) => v.length >= 4));
    const walk = (r: PlanResource, prefix: string, last: boolean) => {
        const branch = last ? "└─ " : "├─ ";
        lines.push(`${prefix}${branch}${r.name}  ${r.type}${optionFlags(r)}`);
        const childPrefix = prefix + (last ? "   " : "│  ");
        const kids = order(children.get(r.id) ?? []);
        lines.push(...inputLines(r, `${childPrefix}${kids.length > 0 ? "│  " : "   "}`, nameOf, show));
        kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1));
    };
    const top = order(roots);
    top.forEach((r, i) => walk(r, "", i === top.length - 1));
    lines.push("", `${doc.resources.length} resources (${doc.resources.filter((r) => r.component).length} components).`);
    lines.push("", ...outputLines(doc, show));
    return lines.join("\n");
}

/** The stack outputs, nested objects as dotted keys; secrets are already masked in the document. */
function outputLines(doc: PlanDocument, show: Shown): string[] {
    const lines: string[] = [];
    const walk = (prefix: string, value: Json) => {
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
            return;
        }
        lines.push(`  ${prefix}: ${show(value)}`);
    };
    for (const key of Object.keys(doc.outputs).sort()) walk(key, doc.outputs[key]);
    return lines.length > 0 ? ["Outputs (what `pulumi stack output` would show after up):", ...lines] : ["Outputs: none"];
}
