/**
 * Image references: what counts as pinned. Dependency-free, shared by the profile validation and
 * the policy pack so both judge an image the same way.
 */

/** An image reference is pinned when it names a tag other than `latest`, or a digest. */
export function isPinnedImage(ref: string): boolean {
    if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
    const lastSegment = ref.split("/").pop() ?? "";
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return tag !== "" && tag !== "latest";
}
