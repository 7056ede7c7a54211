/**
 * Row 5: N generations of a fixed prompt with fixed options; median and spread of decode tokens/s
 * (Ollama's eval_count / eval_duration), prompt tokens/s, load time and time to first token; with
 * a known accelerator, the memory-bandwidth ceiling for this model and the share of it achieved.
 */
import { AcceleratorSpec, bandwidthCeiling, detectLocalAccelerator, findAccelerator } from "../bandwidth";
import { BenchSample, benchRequest, formatSpread, sampleFromStats, summarize } from "../bench";
import { CheckResult, fail, pass, skip, VerifyContext } from "../check-result";
import { humanBytes } from "../ollama-api";
import { OllamaApi } from "../ollama-client";
import { toReachError } from "../reach-error";

/** Where the accelerator's name comes from: --gpu, this machine, or nvidia-smi inside the Ollama container. */
async function acceleratorName(ctx: VerifyContext): Promise<{ name?: string; source: string }> {
    const { options, outputs } = ctx;
    if (options.gpu) return { name: options.gpu, source: "--gpu" };
    if (outputs.ollamaAccelerator === "cpu") return { source: "accelerator cpu" };
    const local = outputs.ollamaPlacement === "native" || /^unix:\/\//.test(outputs.dockerHost);
    if (local) return { name: await detectLocalAccelerator(options.timeoutMs), source: process.platform === "darwin" ? "sysctl" : "nvidia-smi" };
    if (outputs.containers.ollama) {
        const r = await ctx.docker.run(["exec", outputs.containers.ollama, "nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], { timeoutMs: options.timeoutMs });
        const name = r.code === 0 ? r.stdout.trim().split("\n")[0] || undefined : undefined;
        if (name) return { name, source: "nvidia-smi in the Ollama container" };
    }
    if (outputs.gpuHostGpu) return { name: outputs.gpuHostGpu.replace(/^\d+x\s*/, ""), source: "the droplet size (gpuHost.gpu)" };
    return { source: "no nvidia-smi answer" };
}

export async function checkBenchmark(ctx: VerifyContext, ollama: OllamaApi, modelBytes: number | undefined): Promise<CheckResult> {
    const { options, outputs } = ctx;
    const runs = options.bench;
    if (runs === 0) return skip("benchmark", "not requested (--bench N)");
    const samples: BenchSample[] = [];
    for (let i = 1; i <= runs; i++) {
        try {
            const g = await ctx.progress.during(`benchmark run ${i}/${runs}`, ollama.generate(benchRequest(outputs.ollamaModel), options.generateTimeoutMs));
            const sample = g.stats && sampleFromStats(g.stats, g.ttftMs);
            if (!sample) {
                return fail("benchmark", `run ${i}/${runs}: the final chunk has no eval_count/eval_duration`, {
                    cause: "this Ollama does not report timings (not Ollama, or a proxy that rewrites answers)",
                    fix: "point the stack at Ollama itself",
                });
            }
            samples.push(sample);
        } catch (err) {
            const e = toReachError(err);
            return fail("benchmark", [`run ${i}/${runs} failed after ${samples.length} good run(s): ${e.detail}`], {
                cause: `Ollama stopped answering in the middle of the benchmark (${e.kind})`,
                fix: "look at Ollama's log: was it stopped, restarted, or killed for memory (dmesg / Console)? Rerun verify once it answers",
            }, { completedRuns: samples.length, error: e.kind });
        }
    }
    const summary = summarize(samples);
    if (!summary) return fail("benchmark", "no usable run", { cause: "no run reported timings", fix: "rerun with --bench 3" });
    const measured = [
        `decode ${formatSpread(summary.decodeTokensPerSecond, "tok/s")} over ${summary.runs} run(s), ${samples[0].evalCount} tokens each`,
        summary.promptTokensPerSecond ? `prompt ${formatSpread(summary.promptTokensPerSecond, "tok/s")}` : "prompt: served from cache (no prompt_eval timing)",
        ...(summary.ttftMs ? [`time to first token ${formatSpread(summary.ttftMs, "ms")} (${ollama.via})`] : []),
        ...(summary.loadMs ? [`load ${formatSpread(summary.loadMs, "ms")}`] : []),
    ];
    const data: Record<string, unknown> = { summary, samples };
    ctx.progress.step("benchmark: memory-bandwidth ceiling");
    const gpu = await acceleratorName(ctx);
    const spec: AcceleratorSpec | undefined = gpu.name ? findAccelerator(gpu.name) : undefined;
    if (spec && modelBytes) {
        const c = bandwidthCeiling(spec, modelBytes, summary.decodeTokensPerSecond.median);
        if (c) {
            measured.push(`ceiling on ${spec.name} (${gpu.source}): ${spec.bandwidthGBps} GB/s / ${humanBytes(modelBytes)} = ${c.ceilingTokensPerSecond.toFixed(1)} tok/s; achieved ${(c.achievedShare * 100).toFixed(0)}%` +
                (c.achievedShare > 1 ? " (above the ceiling: the accelerator or the model size is not what it seems; a stand-in server?)" : ""));
            data.ceiling = { accelerator: spec.name, bandwidthGBps: spec.bandwidthGBps, modelBytes, ceilingTokensPerSecond: c.ceilingTokensPerSecond, achievedShare: c.achievedShare };
        }
    } else if (gpu.name) {
        measured.push(`no bandwidth figure for "${gpu.name}" (${gpu.source}); pass --gpu with a known model for the ceiling`);
    } else if (outputs.ollamaAccelerator !== "cpu") {
        measured.push(`accelerator not detected (${gpu.source}); pass --gpu "M1 Max" (or H100 SXM, L40S...) for the bandwidth ceiling`);
    }
    return pass("benchmark", measured, data);
}
