import { parseArgs, UsageError } from "../../tools/verify/args";

describe("verify command line", () => {
    test("defaults: no benchmark, table, 10 s network timeout, 300 s per generation", () => {
        expect(parseArgs(["--stack", "dev"])).toEqual({
            stack: "dev", bench: 0, json: false, skip: [], timeoutMs: 10_000, generateTimeoutMs: 300_000, quiet: false,
        });
    });

    test("every flag, in both --flag value and --flag=value forms", () => {
        const o = parseArgs(["--outputs=out.json", "--bench", "5", "--gpu", "M1 Max", "--json", "--skip", "neo4j,http", "--skip=gpu",
            "--timeout", "2.5", "--generate-timeout=60", "--docker-host", "ssh://root@host", "--quiet"]);
        expect(o).toEqual({
            outputsFile: "out.json", bench: 5, gpu: "M1 Max", json: true, skip: ["neo4j", "http", "gpu"], timeoutMs: 2500,
            generateTimeoutMs: 60_000, dockerHost: "ssh://root@host", quiet: true,
        });
    });

    test("help returns undefined", () => {
        expect(parseArgs(["--help"])).toBeUndefined();
        expect(parseArgs(["-h"])).toBeUndefined();
    });

    test.each([
        [[], "give --stack <name> or --outputs"],
        [["--stack", "dev", "--outputs", "x.json"], "not both"],
        [["--stack"], "--stack needs a value"],
        [["--stack", "dev", "--bench", "-1"], "--bench -1: expected an integer >= 0"],
        [["--stack", "dev", "--bench", "2.5"], "expected an integer"],
        [["--stack", "dev", "--skip", "ollama,dns"], "--skip dns: unknown group"],
        [["--stack", "dev", "--verbose"], "unknown argument --verbose"],
        [["--stack", "dev", "--timeout", "0"], "--timeout 0"],
        [["--stack", "dev", "--json=1"], "--json takes no value (--json=1)"],
        [["--stack", "dev", "--bench="], "--bench : expected an integer >= 0"],
        [["--stack", "--json"], "--stack needs a value"],
        [["--stack", "dev", "extra"], "unknown argument extra"],
        [["--stack", "dev", "-qx"], "unknown argument -qx"],
    ])("%j is refused with a sentence saying why", (argv, message) => {
        expect(() => parseArgs(argv as string[])).toThrow(UsageError);
        expect(() => parseArgs(argv as string[])).toThrow(message);
    });
});
