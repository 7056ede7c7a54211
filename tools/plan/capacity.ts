/**
 * The GPU memory budget of a rendered stack, a line per term, under `npm run plan`'s tree: the
 * same verdict validation reached (components/capacity/validate.ts), with the headroom shown.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatBudgetLines, gb, GpuMemory, OVERHEAD_BYTES } from "../../components/capacity/budget";
import { formatTagEstimate } from "../../components/capacity/tag-estimate";
import { capacityVerdict } from "../../components/capacity/validate";
import { parseProfile, PROJECT, RawConfig } from "../../components/config";
import { PLACEHOLDER_SECRET, readStackConfig } from "../render";
import { PlanSide } from "./args";

const SECTIONS = ["ollama", "host", "docker", "services", "digitalocean", "doks"] as const;

/** The stack's profile as the program reads it (secrets are placeholders; the budget never reads them). */
function profileOf(side: PlanSide) {
    const placeholder = { value: pulumi.output(PLACEHOLDER_SECRET), isSecret: true };
    const { config } = readStackConfig({ stack: side.stack, overrides: side.overrides, secrets: {} });
    const raw: RawConfig = {};
    for (const section of SECTIONS) {
        const text = config[`${PROJECT}:${section}`];
        if (text !== undefined) raw[section] = JSON.parse(text) as unknown;
    }
    return parseProfile(side.stack, raw, { neo4jPassword: placeholder, backupPassword: placeholder, digitaloceanToken: placeholder }, {});
}

export function formatCapacity(side: PlanSide): string {
    const p = profileOf(side);
    const v = capacityVerdict(p.ollama, p.host.provider, p.digitalocean, p.doks?.gpuPool.size);
    const head = `GPU memory budget of ${p.ollama.model} (components/capacity; checked again at deploy from /api/show and the GPU):`;
    const memoryLine = (m?: GpuMemory) => m ? `GPU memory     ${gb(m.bytes)}  (${m.source})` : "GPU memory     unknown at validation; checked at deploy";
    const body = v.kind === "not-checked" ? [v.why]
        : v.kind === "model-unknown" ? [
            `${p.ollama.model} is not in components/capacity/models.ts and ${v.why}: its size and geometry are read at deploy, after the pull`,
            memoryLine(v.memory),
        ]
        : v.kind === "estimated" ? [
            `${p.ollama.model} is not in components/capacity/models.ts: estimated from its tag, its geometry is read at deploy, after the pull`,
            `weights     >= ${gb(v.estimate.weightsBytes)}  (${formatTagEstimate(v.estimate)})`,
            `KV cache       unknown until the model's geometry is read`,
            `overhead       ${gb(OVERHEAD_BYTES)}  (compute graph + GPU runtime context)`,
            `total       >= ${gb(v.lowerBoundBytes)}`,
            memoryLine(v.memory),
            ...(v.memory ? [v.tooBig ? `short by    >= ${gb(v.lowerBoundBytes - v.memory.bytes)}  DOES NOT FIT: Ollama would put layers on the CPU`
                : `headroom    <= ${gb(v.memory.bytes - v.lowerBoundBytes)}  before the KV cache`] : []),
        ]
        : formatBudgetLines(v.budget, v.kind === "memory-unknown" ? undefined : v.memory);
    return [head, ...body.map((l) => `  ${l}`)].join("\n");
}
