import { parseArgs, parseOverrideValue, parseSide, UsageError } from "../../tools/plan/args";

describe("plan command line", () => {
    test("--stack with repeatable --set overrides, values read as YAML", () => {
        const cmd = parseArgs(["--stack", "dev", "--set", "ollama.mode=container", "--set", "ollama.port=11500", "--json"]);
        expect(cmd).toEqual({
            kind: "show",
            side: { stack: "dev", overrides: { "ollama.mode": "container", "ollama.port": 11500 }, label: "dev" },
            json: true,
            out: undefined,
        });
    });

    test("--diff takes two sides written stack+key=value, and --set applies to both", () => {
        const cmd = parseArgs(["--diff", "dev+ollama.mode=container+ollama.accelerator=cpu", "prod", "--set", "ollama.keepAlive=1h"]);
        if (cmd.kind !== "diff") throw new Error(cmd.kind);
        expect(cmd.before).toEqual({
            stack: "dev",
            overrides: { "ollama.keepAlive": "1h", "ollama.mode": "container", "ollama.accelerator": "cpu" },
            label: "dev+ollama.mode=container+ollama.accelerator=cpu",
        });
        expect(cmd.after).toEqual({ stack: "prod", overrides: { "ollama.keepAlive": "1h" }, label: "prod" });
    });

    test("a + inside a value does not start a new override", () => {
        expect(parseSide("dev+services.backend.image=rag-backend:1.0+build5").overrides)
            .toEqual({ "services.backend.image": "rag-backend:1.0+build5" });
    });

    test("values: numbers, booleans and lists are typed; JSON strings stay strings", () => {
        expect(parseOverrideValue("true")).toBe(true);
        expect(parseOverrideValue("[http://a:1, http://b:2]")).toEqual(["http://a:1", "http://b:2"]);
        expect(parseOverrideValue("\"11434\"")).toBe("11434");
        expect(parseOverrideValue("qwen2.5:7b")).toBe("qwen2.5:7b");
    });

    test("parseArgs' forms: --flag=value, -s, and help before anything else", () => {
        expect(parseArgs(["--stack=prod", "--out=plan.json"])).toMatchObject({ kind: "show", side: { stack: "prod" }, out: "plan.json" });
        expect(parseArgs(["-s", "dev"])).toMatchObject({ kind: "show", side: { stack: "dev" } });
        expect(parseArgs(["--diff=dev", "prod"])).toMatchObject({ kind: "diff", before: { stack: "dev" }, after: { stack: "prod" } });
        expect(parseArgs(["--help", "--frobnicate"])).toEqual({ kind: "help" });
        expect(() => parseArgs(["--frobnicate", "--help"])).toThrow('unknown argument "--frobnicate"');
        expect(() => parseArgs(["--stack", "dev", "--json=yes"])).toThrow("--json takes no value (--json=yes)");
        expect(() => parseArgs(["--stack", "dev", "--", "--json"])).toThrow('unknown argument "--"');
        expect(() => parseArgs(["--diff", "dev", "--json", "prod"])).toThrow("--diff needs a value");
    });

    test("mistakes are usage errors that say what to write", () => {
        expect(() => parseArgs([])).toThrow(/--stack dev/);
        expect(() => parseArgs(["--stack", "dev", "--set", "mode"])).toThrow(UsageError);
        expect(() => parseArgs(["--stack", "dev", "--diff", "a", "b"])).toThrow(/either --stack or --diff/);
        expect(() => parseArgs(["--diff", "dev"])).toThrow(/--diff needs a value/);
        expect(() => parseArgs(["--frobnicate"])).toThrow(/unknown argument/);
        expect(parseArgs(["--help"])).toEqual({ kind: "help" });
    });
});
