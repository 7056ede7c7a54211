/**
 * `npm run plan -- --stack prod` as text (one render of the real prod stack in this file): the
 * stack's outputs are in the tree, values only the mocks invent (addresses, ids) are marked as
 * such, and numbers the program derives from ids are numbers (the droplet id was NaN: the mocks
 * gave it a non-numeric id).
 */
import { PlanDocument } from "../../tools/plan/document";
import { renderPlan } from "../../tools/plan/render-side";
import { formatTree, MOCK_MARK } from "../../tools/plan/tree";

let doc: PlanDocument;
let tree: string;

beforeAll(async () => {
    doc = await renderPlan({ stack: "prod", overrides: {}, label: "prod" });
    tree = formatTree(doc);
});

test("no NaN anywhere; the reserved IP's droplet id is a number, as DigitalOcean's are", () => {
    expect(tree).not.toContain("NaN");
    const assignment = doc.resources.find((r) => r.type === "digitalocean:index/reservedIpAssignment:ReservedIpAssignment");
    expect(typeof assignment?.inputs.dropletId).toBe("number");
    expect(Number.isInteger(assignment?.inputs.dropletId)).toBe(true);
});

test("the outputs are shown, nested ones as dotted keys, secrets masked", () => {
    const outputs = tree.slice(tree.indexOf("Outputs (what `pulumi stack output` would show after up):"));
    expect(outputs).toMatch(/^ {2}ollamaPlacement: container$/m);
    expect(outputs).toMatch(/^ {2}gpuHost\.size: gpu-4000adax1-20gb$/m);
    expect(outputs).toMatch(/^ {2}neo4jPassword: \[secret\]$/m);
});

test("values the mocks invent are marked, in inputs and outputs; the others are not", () => {
    expect(doc.inventedValues).toEqual(expect.arrayContaining(["203.0.113.50", "host-vpc-id"]));
    expect(tree).toContain(`  publicIp: 203.0.113.50${MOCK_MARK}`);
    // Behind the front door the app's URL is its DNS name: nothing invented in it.
    expect(tree).toMatch(/^ {2}frontendUrl: https:\/\/rag\.example\.com\/$/m);
    expect(tree).toContain(`  frontDoor.address: 203.0.113.50${MOCK_MARK}`);
    expect(tree).toMatch(new RegExp(`dropletId: \\d{9}${MOCK_MARK}$`, "m"));
    expect(tree).toContain(`vpcUuid: host-vpc-id${MOCK_MARK}`);
    expect(tree).toMatch(/^ {2}ollamaModel: qwen2\.5:7b-instruct-q8_0$/m);
    expect(tree).toContain("values marked ‹mock› hold ids or addresses the mocks invent, which only pulumi up assigns");
});
