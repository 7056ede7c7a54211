/**
 * Image references: what counts as pinned. Shared by the profile validation and the policy pack so
 * both judge an image the same way; the grammar is components/validation/image-reference.ts.
 */
import { parseImageReference } from "./validation/image-reference";

/** An image id as a container may be given it (`sha256:<64 hex>`): content-addressed, so pinned. */
const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

/**
 * An image reference is pinned when it is valid by the reference grammar and names a digest, or a
 * tag other than `latest`. A malformed reference (a short `@sha256:` digest, capitals in the
 * repository) is never pinned: Docker would refuse it, and it proves nothing about the content.
 */
export function isPinnedImage(ref: string): boolean {
    if (IMAGE_ID.test(ref)) return true;
    const parsed = parseImageReference(ref);
    if (!parsed.ok) return false;
    const { tag, digest } = parsed.reference;
    return digest !== undefined || (tag !== undefined && tag !== "latest");
}
