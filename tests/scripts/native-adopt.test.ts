/**
 * ollama.adoptExisting: true, run for real: an Ollama already answering on the port is used as it
 * is and never stopped; with nothing there, our own server starts; a non-Ollama holder is refused.
 */
import * as fs from "fs";
import { alive, answers, MODEL, NativeRender, renderNative, RunResult, Sandbox, scriptResults, STANDIN, waitFor } from "./support/native";

jest.setTimeout(30000);

let r: NativeRender;
let sb: Sandbox;

beforeAll(async () => {
    r = await renderNative({ "ollama.adoptExisting": true });
});

beforeEach(async () => {
    sb = await new Sandbox().init();
});

afterEach(async () => {
    await sb.cleanup();
});

function expectOk(res: RunResult): void {
    if (res.code !== 0) throw new Error(`exit ${res.code}\nstdout:\n${res.stdout}\nstderr:\n${res.stderr}`);
}

test("the config flag reaches the server command", () => {
    expect(sb.envOf(r.server).RAG_OLLAMA_ADOPT).toBe("true");
});

test("adopt: an Ollama answering on the port is used (model pulled into it), and delete leaves it running", async () => {
    const foreign = sb.spawn(STANDIN, ["serve"], { OLLAMA_HOST: `127.0.0.1:${sb.port}`, OLLAMA_MODELS: sb.models });
    expect(await waitFor(() => answers(sb.url), 5000)).toBe(true);
    const start = await sb.run(r.server.inputs.create, sb.envOf(r.server));
    expectOk(start);
    expect(start.stdout).toContain("rag-stack will never stop it");
    expect(scriptResults(start.stdout)).toMatchObject({ url: sb.url, managed: "adopted", pid: String(foreign.pid) });
    expect(fs.existsSync(sb.pidfile)).toBe(false);

    const model = await sb.run(r.model.inputs.create, sb.envOf(r.model, { OLLAMA_URL: scriptResults(start.stdout).url }));
    expectOk(model);
    expect(model.stdout).toContain(`model: ${MODEL} pulled`);

    const prev = { PULUMI_COMMAND_STDOUT: start.stdout, PULUMI_COMMAND_STDERR: start.stderr };
    for (let i = 0; i < 2; i++) {
        const del = await sb.run(r.server.inputs.delete, sb.envOf(r.server, prev));
        expectOk(del);
        expect(del.stdout).toContain("adopted, not started by rag-stack; leaving it running");
    }
    expect(alive(foreign.pid!)).toBe(true);
    expect(await answers(sb.url)).toBe(true);
});

test("adopt with nothing on the port: our own server starts (and is ours to stop)", async () => {
    const start = await sb.run(r.server.inputs.create, sb.envOf(r.server));
    expectOk(start);
    expect(scriptResults(start.stdout).managed).toBe(`pidfile:${sb.pidfile}`);
    const del = await sb.run(r.server.inputs.delete, sb.envOf(r.server, { PULUMI_COMMAND_STDOUT: start.stdout }));
    expectOk(del);
    expect(alive(Number(scriptResults(start.stdout).pid))).toBe(false);
});

test("adopt never adopts a program that is not Ollama: refused, naming the port", async () => {
    const holder = await sb.holdPort("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    const res = await sb.run(r.server.inputs.create, sb.envOf(r.server));
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`port ${sb.port} on 127.0.0.1 is held by a program that is not Ollama (pid ${holder.pid}`);
    expect(alive(holder.pid!)).toBe(true);
});
