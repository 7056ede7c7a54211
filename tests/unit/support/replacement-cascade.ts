/**
 * The delete steps an engine before pulumi/pulumi#23818 (CLI < v3.260.0) runs, one after the other,
 * when `root` is replaced delete-before-replace, computed from a mocks render. From
 * pkg/resource/deploy/step_generator.go at v3.248.0 (continueStepsFromDiff, the
 * deleteBeforeReplace branch):
 *   toReplace = calculateDependentReplacements(root)   dependents in dependency order (below)
 *             ++ findResourcesReplacedWith(root)        every resource `replaceWith` root, in the order
 *                                                        of a Go map range over deployment.olds: random
 *   then for i from the end down to 0: a delete of toReplace[i], skipping one already deleted.
 * calculateDependentReplacements walks DependingOn(root) (pkg/resource/graph/dependency_graph.go:
 * later resources that depend on root through dependencies, property dependencies, deletedWith,
 * replaceWith or their provider) and keeps those whose provider is in the replace set, or whose
 * inputs depend on it and whose provider's Diff then says replace. The Diff is modelled per type:
 * docker:* replace (every input the program sets is ForceNew in kreuzwerker/terraform-provider-docker
 * v4.5.0), command:* replace when `triggers` is among them, provider resources update in place.
 * On those engines every one of these deletes really calls the provider: isDeletedWith only looks
 * at resources being deleted, and the replaced root is not marked so (the fix adds that).
 */
import { RenderedResource, RenderResult } from "../../../tools/render";

/** Would the provider's Diff replace `r` when the inputs in `keys` become unknown? */
function diffReplaces(r: RenderedResource, keys: string[]): boolean {
    if (r.type.startsWith("pulumi:providers:")) return false;
    if (r.type.startsWith("command:")) return keys.includes("triggers");
    return true;
}

/** URNs in the order their deletes run; `replacedWithOrder` stands for the map's iteration order. */
export function deleteBeforeReplaceCascade(
    render: RenderResult, rootUrn: string, replacedWithOrder: (urns: string[]) => string[],
): string[] {
    const all = render.resources;
    const rootIndex = all.findIndex((r) => r.urn === rootUrn);
    if (rootIndex < 0) throw new Error(`${rootUrn} is not in the render`);
    const providerUrn = (r: RenderedResource) => r.provider?.split("::").slice(0, -1).join("::");
    const dependentSet = new Set([rootUrn]);
    const replaceSet = new Set([rootUrn]);
    const calculated: string[] = [];
    for (const r of all.slice(rootIndex + 1)) {
        const edges = [...r.dependencies, ...r.replaceWith, ...(r.deletedWith ? [r.deletedWith] : [])];
        const provider = providerUrn(r);
        if (!edges.some((u) => dependentSet.has(u)) && !(provider && dependentSet.has(provider))) continue;
        dependentSet.add(r.urn);
        if (!r.custom) continue;
        const keys = Object.entries(r.propertyDependencies ?? {}).filter(([, urns]) => urns.some((u) => replaceSet.has(u))).map(([k]) => k);
        if ((provider && replaceSet.has(provider)) || (keys.length > 0 && diffReplaces(r, keys))) {
            replaceSet.add(r.urn);
            calculated.push(r.urn);
        }
    }
    const replacedWith = replacedWithOrder(all.filter((r) => r.replaceWith.includes(rootUrn)).map((r) => r.urn));
    const toReplace = [...calculated, ...replacedWith];
    const deleted: string[] = [];
    for (let i = toReplace.length - 1; i >= 0; i--) {
        if (!deleted.includes(toReplace[i])) deleted.push(toReplace[i]);
    }
    return deleted;
}

/** Orders to try for a map's iteration: as given, each element moved to the end, and seeded shuffles. */
export function iterationOrders(urns: string[], shuffles = 50): string[][] {
    const orders = [urns, ...urns.map((u) => [...urns.filter((x) => x !== u), u])];
    let seed = 17;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (let n = 0; n < shuffles; n++) {
        const order = [...urns];
        for (let i = order.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [order[i], order[j]] = [order[j], order[i]];
        }
        orders.push(order);
    }
    return orders;
}
