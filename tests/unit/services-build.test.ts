/**
 * A build context is accepted instead of an image name for the backend and the frontend.
 */
import { Rendered, renderStack } from "../../tools/render";
import { CONTAINER } from "./support/containers";

let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        overrides: {
            "services.backend.build": { context: "../rag-app/backend", dockerfile: "Dockerfile.dev", args: { PYTHON_VERSION: "3.12" } },
            "services.frontend.build": { context: "../rag-app/frontend" },
        },
    }));
});

test("the backend image is built locally from its context, tagged with the configured name, not pushed", () => {
    const image = r.named("app-backend-image", "docker:index/image:Image");
    expect(image.inputs).toMatchObject({
        imageName: "rag-backend:dev",
        skipPush: true,
        build: { context: "../rag-app/backend", dockerfile: "Dockerfile.dev", args: { PYTHON_VERSION: "3.12" } },
    });
    expect(r.maybeNamed("app-backend-image", "docker:index/remoteImage:RemoteImage")).toBeUndefined();
    const backend = r.named("app-backend", CONTAINER);
    expect(r.dependsOn(backend, image)).toBe(true);
});

test("the container runs the built image by its ID, not by its tag, so a rebuild is a new image input", () => {
    const backend = r.named("app-backend", CONTAINER);
    expect(backend.inputs.image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(backend.inputs.image).not.toBe("rag-backend:dev");
    expect(r.named("app-frontend", CONTAINER).inputs.image).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test("the frontend too; Neo4j is still pulled", () => {
    expect(r.named("app-frontend-image", "docker:index/image:Image").inputs).toMatchObject({ imageName: "rag-frontend:dev" });
    expect(r.named("app-neo4j-image", "docker:index/remoteImage:RemoteImage").inputs).toMatchObject({ name: "neo4j:5.26-community" });
});
