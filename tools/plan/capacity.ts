/**
 * The GPU memory budget of a rendered stack, a line per term, under `npm run plan`'s tree: the
 * same verdict validation reached (components/capacity/validate.ts), with the headroom shown.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatBudgetLines, gb } from "../../components/capacity/budget";
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
    return parseProfile(side.stack, raw, { neo4jPassword: placeholder, digitaloceanToken: placeholder }, {});
}

export function formatCapacity(side: PlanSide): string {
    const p = profileOf(side);
    const v = capacityVerdict(p.ollama, p.host.provider, p.digitalocean, p.doks?.gpuPool.size);
    const head = `GPU memory budget of ${p.ollama.model} (components/capacity; checked again at deploy from /api/show and the GPU):`;
    const body = v.kind === "not-checked" ? [v.why]
        : v.kind === "model-unknown" ? [
            `${p.ollama.model} is not in components/capacity/models.ts: its geometry is read at deploy, after the pull`,
            v.memory ? `GPU memory     ${gb(v.memory.bytes)}  (${v.memory.source})` : "GPU memory     unknown at validation; checked at deploy",
        ]
        : formatBudgetLines(v.budget, v.kind === "memory-unknown" ? undefined : v.memory);
    return [head, ...body.map((l) => `  ${l}`)].join("\n");
}
