/**
 * Rows 3 and 4: the stack's model is in Ollama's store; a warm-up generation works and, once the
 * model is loaded, /api/ps says how much of it sits in VRAM (as `ollama ps` prints it).
 */
import { adviseGpuShare, adviseModelMissing } from "../advice";
import { CheckResult, fail, ms, pass, skip, VerifyContext } from "../check-result";
import { findModel, humanBytes, OllamaModelEntry, processorLabel, vramShare } from "../ollama-api";
import { OllamaApi } from "../ollama-client";
import { toReachError } from "../reach-error";
import { tokensPerSecond } from "../bench";

export const WARMUP_REQUEST_OPTIONS = { temperature: 0, num_predict: 16 } as const;

export interface ModelOutcome {
    result: CheckResult;
    /** The model's entry in /api/tags when present (its size is the weights' bytes). */
    model?: OllamaModelEntry;
}

function unreachable(id: "model-present" | "gpu-share", err: unknown, via: string): CheckResult {
    const e = toReachError(err);
    return fail(id, `${via}: ${e.detail}`, {
        cause: e.kind === "http" ? `Ollama answered with an error: ${e.detail}` : `Ollama stopped answering during verify (${e.kind}): ${e.detail}`,
        fix: "look at Ollama's log; was it stopped, restarted or killed for memory? Then rerun verify",
    }, { error: e.kind });
}

/** Row 3. */
export async function checkModelPresent(ctx: VerifyContext, ollama: OllamaApi): Promise<ModelOutcome> {
    const wanted = ctx.outputs.ollamaModel;
    ctx.progress.step(`/api/tags: is ${wanted} present?`);
    let models: OllamaModelEntry[];
    try {
        models = await ollama.tags(ctx.options.timeoutMs);
    } catch (err) {
        return { result: unreachable("model-present", err, ollama.via) };
    }
    const model = findModel(models, wanted);
    if (!model) {
        const names = models.map((m) => m.name);
        return { result: fail("model-present", `${wanted} not among ${models.length} model(s)${names.length ? `: ${names.join(", ")}` : ""}`, adviseModelMissing(wanted, names, ctx.outputs.ollamaPlacement), { present: names }) };
    }
    return { result: pass("model-present", `${model.name}, ${humanBytes(model.size)} on disk`, { model: model.name, sizeBytes: model.size }), model };
}

/** Row 4. Warm-up generation, then /api/ps. */
export async function checkGpuShare(ctx: VerifyContext, ollama: OllamaApi, modelPresent: boolean): Promise<CheckResult> {
    const { outputs, options } = ctx;
    if (!modelPresent) return skip("gpu-share", "not run: the model is missing (row 3)");
    let warm;
    try {
        warm = await ctx.progress.during(`warm-up generation with ${outputs.ollamaModel} (loads the model; up to ${Math.round(options.generateTimeoutMs / 1000)} s)`,
            ollama.generate({ model: outputs.ollamaModel, prompt: "Reply with the single word OK.", options: { ...WARMUP_REQUEST_OPTIONS } }, options.generateTimeoutMs));
    } catch (err) {
        return unreachable("gpu-share", err, `warm-up generation (${ollama.via})`);
    }
    const tps = tokensPerSecond(warm.stats?.evalCount, warm.stats?.evalDurationNs);
    const warmLine = `warm-up: ${warm.stats?.evalCount ?? "?"} tokens${tps ? ` at ${tps.toFixed(1)} tok/s` : ""}, ${ms(warm.elapsedMs)}` +
        (warm.stats?.loadDurationNs ? `, load ${ms(warm.stats.loadDurationNs / 1e6)}` : "");
    if (options.skip.includes("gpu")) return pass("gpu-share", [warmLine, "share in VRAM not checked (--skip gpu)"]);
    ctx.progress.step("/api/ps: share of the model in VRAM");
    let loaded;
    try {
        loaded = findModel(await ollama.ps(options.timeoutMs), outputs.ollamaModel);
    } catch (err) {
        return unreachable("gpu-share", err, `/api/ps (${ollama.via})`);
    }
    if (!loaded || loaded.sizeVram === undefined) {
        return fail("gpu-share", [warmLine, `${outputs.ollamaModel} is not listed by /api/ps right after the warm-up`], {
            cause: "the model was unloaded immediately: OLLAMA_KEEP_ALIVE is 0, or the server is unloading under memory pressure",
            fix: "set rag-stack:ollama.keepAlive (e.g. 24h) and pulumi up; check Ollama's log",
        });
    }
    const label = processorLabel(loaded.size, loaded.sizeVram);
    const share = vramShare(loaded.size, loaded.sizeVram);
    const data = { processor: label, vramShare: share, sizeBytes: loaded.size, sizeVramBytes: loaded.sizeVram, warmupTokensPerSecond: tps };
    const measured = [`${label} (${humanBytes(loaded.size)} loaded, ${humanBytes(loaded.sizeVram)} in VRAM; accelerator ${outputs.ollamaAccelerator})`, warmLine,
        ...(outputs.ollamaProcessor ? [`at deploy time (ollamaProcessor output): ${outputs.ollamaProcessor}`] : [])];
    if (outputs.ollamaAccelerator === "cpu" || loaded.sizeVram >= loaded.size) return pass("gpu-share", measured, data);
    const dockerOnMac = process.platform === "darwin" && /^unix:\/\//.test(outputs.dockerHost);
    return fail("gpu-share", measured, adviseGpuShare({
        placement: outputs.ollamaPlacement, accelerator: outputs.ollamaAccelerator, size: loaded.size, sizeVram: loaded.sizeVram, dockerOnMac,
    }), data);
}
