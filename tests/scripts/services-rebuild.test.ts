/**
 * A rebuild replaces the container: the dev stack rendered twice (each in its own process, as
 * two `pulumi up` runs would) with a build context whose Dockerfile changed in between. The image
 * tag stays `rag-backend:dev`; the container's `image` input (the built image's ID) changes, and
 * `image` is a replace-on-change property of docker.Container, so the engine replaces it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RenderResult, renderStackInChildProcess } from "../../tools/render";
import { CONTAINER } from "../unit/support/containers";

const context = fs.mkdtempSync(path.join(os.tmpdir(), "rag-backend-context-"));
afterAll(() => fs.rmSync(context, { recursive: true, force: true }));

function render(): RenderResult {
    return renderStackInChildProcess({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        overrides: { "services.backend.build": { context } },
    });
}
const backendOf = (r: RenderResult) => r.resources.find((x) => x.name === "app-backend" && x.type === CONTAINER);
const imageOf = (r: RenderResult) => r.resources.find((x) => x.name === "app-backend-image" && x.type === "docker:index/image:Image");

test("changed Dockerfile: new image input under the same tag", () => {
    fs.writeFileSync(path.join(context, "Dockerfile"), "FROM python:3.12-slim\nCMD [\"python\", \"-m\", \"app\"]\n");
    const first = render();
    fs.writeFileSync(path.join(context, "Dockerfile"), "FROM python:3.12-slim\nCMD [\"python\", \"-m\", \"app\", \"--v2\"]\n");
    const rebuilt = render();

    expect(imageOf(first)?.inputs.imageName).toBe("rag-backend:dev");
    expect(imageOf(rebuilt)?.inputs.imageName).toBe("rag-backend:dev");
    expect(backendOf(rebuilt)?.inputs.image).not.toBe(backendOf(first)?.inputs.image);
    expect(backendOf(rebuilt)?.deleteBeforeReplace).toBe(true);
}, 60_000);
