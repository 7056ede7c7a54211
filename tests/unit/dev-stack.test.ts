import { Rendered, renderStack } from "../../tools/render";

const C = "docker:index/container:Container";
let r: Rendered;

beforeAll(async () => {
    r = new Rendered(await renderStack({ stack: "dev", secrets: { neo4jPassword: "dev-password-1" } }));
});

test("smoke", () => {
    for (const res of r.result.resources) console.log(res.type, res.name, JSON.stringify(res.inputs).slice(0, 300), res.dependencies.length, res.secretPaths);
    console.log(r.result.outputs, r.result.secretOutputs);
});
