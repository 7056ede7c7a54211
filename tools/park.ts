/**
 * `npm run park -- --stack prod [--if-idle MIN]` and `npm run unpark -- --stack prod`: the GPU
 * droplet parked or brought back through a checked preview (tools/park/run.ts). The direction is
 * the first argument package.json passes (`park` or `unpark`).
 */
import { reportUsage, UsageError } from "./cli/command-line";
import { Direction, parseParkArgs, usage } from "./park/args";
import { pulumiCli } from "./park/pulumi";
import { parkOrUnpark } from "./park/run";

export async function main(argv: string[]): Promise<number> {
    const [first, ...rest] = argv;
    if (first !== "park" && first !== "unpark") {
        process.stderr.write("park: the first argument must be park or unpark (package.json passes it)\n");
        return 2;
    }
    const direction: Direction = first;
    let options;
    try {
        options = parseParkArgs(direction, rest);
    } catch (err) {
        if (err instanceof UsageError) return reportUsage(direction, usage(direction), err);
        throw err;
    }
    if (!options) return reportUsage(direction, usage(direction));
    return parkOrUnpark(options, {
        pulumi: pulumiCli(),
        say: (line) => process.stdout.write(`${line}\n`),
        cwd: process.cwd(),
        now: () => Date.now(),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: Error) => {
        process.stderr.write(`park: ${err.message}\n`);
        process.exitCode = 1;
    });
}
