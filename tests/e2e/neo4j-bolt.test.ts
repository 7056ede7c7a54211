/**
 * Row 6 with the official neo4j-driver against a Bolt stand-in on loopback (no Neo4j image or
 * package exists here and nothing can be pulled): the stack's user and password from the dev
 * render succeed, a wrong password is reported as such, `--skip neo4j` skips the row.
 */
import { renderStack } from "../../tools/render";
import { BoltStandin, startBoltStandin } from "./support/bolt-standin";
import { row, rowBlock, runVerify, writeOutputsFile } from "./support/verify-cli";

jest.setTimeout(60_000);

const PASSWORD = "e2e-password-1";
let outputs: Record<string, unknown>;
let bolt: BoltStandin;

beforeAll(async () => {
    outputs = (await renderStack({ stack: "dev", secrets: { neo4jPassword: PASSWORD } })).outputs;
    bolt = await startBoltStandin(String(outputs.neo4jUser), PASSWORD);
});

afterAll(async () => {
    await bolt?.close();
});

const verifyNeo4j = (extra: Record<string, unknown>, skip = "ollama,backend-exec,http") =>
    runVerify(["--outputs", writeOutputsFile({ ...outputs, neo4jBoltUrl: bolt.url, ...extra }), "--skip", skip, "--timeout", "5"]);

test("the stack's user and password run RETURN 1 over bolt: row 6 passes, exit 0", async () => {
    const run = await verifyNeo4j({});
    expect(run.code).toBe(0);
    expect(row(run.stdout, 6)).toMatch(new RegExp(`PASS {4}RETURN 1 = 1 at ${bolt.url} as neo4j \\(Neo4j/5\\.26\\.0, \\d+ ms\\)`));
    expect(bolt.received).toEqual(expect.arrayContaining(["HELLO", "RUN", "PULL"]));
});

test("a wrong password: row 6 fails naming the password and how to fix it, exit 1", async () => {
    const run = await verifyNeo4j({ neo4jPassword: "not-the-password" });
    expect(run.code).toBe(1);
    const block = rowBlock(run.stdout, 6);
    expect(block).toContain("Neo.ClientError.Security.Unauthorized");
    expect(block).toContain("refused the user/password from the stack outputs");
    expect(block).not.toContain("not-the-password");
});

test("--skip neo4j: row 6 skipped, nothing sent", async () => {
    const before = bolt.received.length;
    const run = await verifyNeo4j({}, "ollama,backend-exec,http,neo4j");
    expect(run.code).toBe(0);
    expect(row(run.stdout, 6)).toContain("skip    skipped (--skip neo4j)");
    expect(bolt.received.length).toBe(before);
});
