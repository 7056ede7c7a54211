import { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicyContext } from "../context";
import { BUILT_IMAGE, CONTAINER, imageOf, isPinnedImage, known, REMOTE_IMAGE } from "../resources";
import { K8S_WORKLOADS, podContainers } from "./kubernetes";

export const IMAGES_PINNED = "images-pinned";

export function imagesPinned(context: PolicyContext): ResourceValidationPolicy {
    return {
        name: IMAGES_PINNED,
        description: "Images are pinned: an explicit version tag (not :latest, not missing) or an @sha256 digest.",
        enforcementLevel: context.enforcement,
        validateResource: (args, reportViolation) => {
            if (K8S_WORKLOADS.includes(args.type)) {
                for (const c of podContainers(args.props).containers) {
                    if (c.image !== undefined && !isPinnedImage(c.image)) {
                        reportViolation(`${args.name}: container ${c.name} uses image "${c.image}", which is not pinned. Name a version tag or an @sha256 digest.`);
                    }
                }
                return;
            }
            let ref: string | undefined;
            if (args.type === REMOTE_IMAGE) ref = known(() => args.props.name) as string | undefined;
            else if (args.type === BUILT_IMAGE) ref = known(() => args.props.imageName) as string | undefined;
            else if (args.type === CONTAINER) ref = imageOf(args.props); // only a reference, not an image id
            else return;
            if (typeof ref !== "string" || isPinnedImage(ref)) return;
            reportViolation(
                `${args.name} uses image "${ref}", which is not pinned (${/:latest$/.test(ref) ? ":latest" : "no tag, i.e. :latest"} ` +
                    "changes under you). Name a version tag or an @sha256 digest.",
            );
        },
    };
}
