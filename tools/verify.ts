/**
 * `npm run verify -- --stack dev`: checks a deployed stack end to end and measures it (Ollama from
 * the host and from the backend, the model and its share in VRAM, a benchmark, Neo4j, the app's
 * endpoints, the GPU, the front door, Neo4j's last backup and restore drill). Reads the stack
 * outputs (Pulumi CLI or --outputs file), runs the checks in tools/verify/run-checks.ts, prints a
 * table (or --json). Exit 0 only when every check that ran passed.
 */
import { reportUsage, UsageError } from "./cli/command-line";
import { parseArgs, USAGE, VerifyOptions } from "./verify/args";
import { DockerCli } from "./verify/docker";
import { isKubernetesOutputs, verifyScale } from "./verify/kubernetes";
import { OutputsError, parseStackOutputs, readRawOutputsFile, readRawPulumiOutputs, StackOutputs } from "./verify/outputs";
import { renderParkedJson, renderParkedTable, StackIsParked } from "./verify/parked";
import { Progress } from "./verify/progress";
import { allPassed, renderJson, renderTable } from "./verify/report";
import { runChecks } from "./verify/run-checks";

export async function main(argv: string[]): Promise<number> {
    let options: VerifyOptions | undefined;
    try {
        options = parseArgs(argv);
    } catch (err) {
        if (err instanceof UsageError) return reportUsage("verify", USAGE, err);
        throw err;
    }
    if (!options) return reportUsage("verify", USAGE);
    const progress = new Progress(options.quiet);
    let outputs: StackOutputs;
    const source = options.outputsFile ? `outputs file ${options.outputsFile}` : `stack ${options.stack}`;
    try {
        const raw = options.outputsFile
            ? readRawOutputsFile(options.outputsFile)
            : await progress.during(`reading outputs: pulumi stack output --stack ${options.stack}`, readRawPulumiOutputs(options.stack as string));
        // The scale stack (Ollama on Kubernetes) is asked through the cluster's API, not a Docker engine.
        if (isKubernetesOutputs(raw)) {
            const scale = await progress.during("asking the cluster", verifyScale(raw, source, {
                ...options,
                // --concurrency N: N streams dealt over the replicas (with --sweep, its largest level).
                concurrency: Math.max(0, ...(options.load?.levels ?? [])),
            }));
            process.stdout.write(scale.text);
            return scale.code;
        }
        outputs = parseStackOutputs(raw, source);
    } catch (err) {
        if (err instanceof StackIsParked) {
            process.stdout.write(options.json ? renderParkedJson(source, err.parked) : renderParkedTable(source, err.parked));
            return 0;
        }
        if (err instanceof OutputsError) {
            process.stderr.write(`verify: ${err.message}\n`);
            return 2;
        }
        throw err;
    }
    const startedAt = new Date();
    const docker = new DockerCli(options.dockerHost ?? outputs.dockerHost);
    const results = await runChecks({ outputs, options, docker, progress });
    const header = { source, outputs, startedAt, durationMs: Date.now() - startedAt.getTime() };
    process.stdout.write(options.json ? renderJson(results, header) : renderTable(results, header));
    return allPassed(results) ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => { process.exitCode = code; },
        (err: unknown) => {
            process.stderr.write(`verify: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
            process.exitCode = 2;
        },
    );
}
