/**
 * A change to a native script alone (no config change) must re-run what it affects, the GPU check
 * included: a changed start script restarts the server (update), and a restarted server has
 * unloaded the model, so the GPU share must be measured again. Rendered twice: the real project,
 * and a copy of it whose native-start.sh differs by one comment line.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, Rendered, RenderResult, renderStack, renderStackInChildProcess } from "../../tools/render";

const LOCAL_COMMAND = "command:local:Command";
const RENDER = { stack: "dev", secrets: { neo4jPassword: "dev-password-1" } };
let dir: string;
let before: Rendered;
let after: Rendered;

/** A copy of the program (index.ts, components/, stack files) with node_modules linked, one script edited. */
function copyProject(edit: (scriptsDir: string) => void): string {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-script-change-"));
    for (const f of fs.readdirSync(PROJECT_ROOT).filter((x) => x === "index.ts" || /^Pulumi\..*yaml$/.test(x))) {
        fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(copy, f));
    }
    fs.cpSync(path.join(PROJECT_ROOT, "components"), path.join(copy, "components"), { recursive: true });
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(copy, "node_modules"));
    edit(path.join(copy, "components", "ollama", "scripts"));
    return copy;
}

beforeAll(async () => {
    dir = copyProject((scripts) => fs.appendFileSync(path.join(scripts, "native-start.sh"), "# a script-only change\n"));
    before = new Rendered(await renderStack(RENDER));
    after = new Rendered(renderStackInChildProcess({ ...RENDER, projectDir: dir }) as RenderResult);
}, 60_000);

afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const command = (r: Rendered, role: string) => r.named(`ollama-native-${role}`, LOCAL_COMMAND);

test("a changed start script changes the server's environment: `up` runs the update (a restart)", () => {
    expect(command(after, "server").inputs.environment).not.toEqual(command(before, "server").inputs.environment);
    expect(command(after, "server").inputs.triggers).toBeUndefined();
});

test("the same change re-runs the GPU check (its triggers change), because the restart unloaded the model", () => {
    expect(command(after, "gpu").inputs.triggers).not.toEqual(command(before, "gpu").inputs.triggers);
});

test("nothing else changes: the model command and every container keep their inputs", () => {
    expect(command(after, "model").inputs).toEqual(command(before, "model").inputs);
    for (const c of before.ofType("docker:index/container:Container")) {
        expect(after.named(c.name, c.type).inputs).toEqual(c.inputs);
    }
});
