/**
 * Runs the checks in order; later rows reuse what earlier rows proved (a way to reach Ollama, the
 * model's size). A row that cannot run because an earlier one failed says so instead of failing twice.
 */
import { CHECK_TITLES, CheckId, CheckResult, skip, VerifyContext } from "./check-result";
import { alertPoliciesRow, AlertRow, healthEndpointRow } from "./checks/alerts";
import { checkBackup } from "./checks/backup";
import { checkBenchmark } from "./checks/benchmark";
import { httpFetch } from "./http-fetch";
import { checkClosedPorts, checkHttpRedirect, checkHttpsCertificate } from "./checks/front-door";
import { checkBackendHealth, checkFrontend } from "./checks/http-endpoints";
import { checkGpuInUse } from "./checks/gpu-in-use";
import { checkLoad } from "./checks/load";
import { checkGpuShare, checkModelPresent } from "./checks/ollama-model";
import { checkOllamaFromBackend, checkOllamaFromHost } from "./checks/ollama-reach";
import { checkNeo4j } from "./checks/neo4j";
import { checkParking } from "./checks/parking";

export async function runChecks(ctx: VerifyContext): Promise<CheckResult[]> {
    const { options, outputs } = ctx;
    const skipped = (group: (typeof options.skip)[number]) => options.skip.includes(group);
    const results: CheckResult[] = [];

    const fromHost = skipped("ollama") ? { result: skip("ollama-host", "skipped (--skip ollama)"), ollama: undefined } : await checkOllamaFromHost(ctx);
    results.push(fromHost.result);
    const hostUrlAnswered = fromHost.result.status === "pass" && fromHost.ollama ? outputs.ollamaUrlFromHost : undefined;
    const fromBackend = skipped("backend-exec")
        ? { result: skip("ollama-from-backend", "skipped (--skip backend-exec)"), ollama: undefined }
        : await checkOllamaFromBackend(ctx, hostUrlAnswered);
    results.push(fromBackend.result);

    const ollama = fromHost.ollama ?? fromBackend.ollama;
    // Why the load row (only with --concurrency/--sweep, last: the others keep their numbers) cannot run.
    let loadBlocked: string | undefined = skipped("ollama") ? "skipped (--skip ollama)" : undefined;
    if (skipped("ollama")) {
        results.push(skip("model-present", "skipped (--skip ollama)"), skip("gpu-share", "skipped (--skip ollama)"), skip("benchmark", "skipped (--skip ollama)"));
    } else if (!ollama) {
        const why = "not run: Ollama could not be reached (rows 1-2)";
        loadBlocked = why;
        results.push(skip("model-present", why), skip("gpu-share", why), skip("benchmark", why));
    } else {
        const model = await checkModelPresent(ctx, ollama);
        results.push(model.result);
        if (!model.model) loadBlocked = "not run: the model is missing (row 3)";
        const gpu = await checkGpuShare(ctx, ollama, model.model !== undefined);
        results.push(gpu);
        results.push(!model.model
            ? skip("benchmark", "not run: the model is missing (row 3)")
            : gpu.status === "fail" && gpu.data?.vramShare === undefined
                ? skip("benchmark", "not run: the warm-up generation failed (row 4)")
                : await checkBenchmark(ctx, ollama, model.model.size));
    }

    results.push(skipped("neo4j") ? skip("neo4j", "skipped (--skip neo4j)") : await checkNeo4j(ctx));
    if (skipped("http")) {
        results.push(skip("backend-health", "skipped (--skip http)"), skip("frontend", "skipped (--skip http)"));
    } else {
        results.push(await checkBackendHealth(ctx), await checkFrontend(ctx));
    }
    results.push(skipped("ollama") || skipped("gpu")
        ? skip("gpu-in-use", `skipped (--skip ${skipped("ollama") ? "ollama" : "gpu"})`)
        : await checkGpuInUse(ctx, ollama));
    const door = outputs.frontDoor;
    if (skipped("front-door") || !door) {
        const why = door ? "skipped (--skip front-door)" : "no front door in this stack (services.proxy off)";
        results.push(skip("https-certificate", why), skip("http-redirect", why), skip("closed-ports", why));
    } else {
        ctx.progress.step(`front door: ${door.host} at ${door.address}`);
        const o = { timeoutMs: options.timeoutMs };
        results.push(await checkHttpsCertificate(door, o), await checkHttpRedirect(door, o), await checkClosedPorts(door, o));
    }
    if (skipped("front-door") || skipped("http")) {
        results.push(skip("health-endpoint", `skipped (--skip ${skipped("http") ? "http" : "front-door"})`));
    } else {
        // The certificate row judges the certificate; this one the answer, also behind a staging or internal CA.
        const trustAll = door !== undefined && door.ca !== "letsencrypt";
        const fetchHealth = httpFetch(options.timeoutMs, trustAll ? async () => ({ rejectUnauthorized: false }) : undefined);
        results.push(asCheck("health-endpoint", await healthEndpointRow(outputs.healthUrl, fetchHealth)));
    }
    results.push(asCheck("alert-policies", alertPoliciesRow(outputs.alerts, outputs.metricsAgent)));
    results.push(skipped("http")
        ? skip("parking", "skipped (--skip http)")
        : await checkParking({ schedule: outputs.parkingSchedule, healthUrl: outputs.healthUrl }, { timeoutMs: options.timeoutMs }));
    // Neo4j's backups, from the job's own status files (here, or on the droplet over ssh).
    results.push(...(skipped("backup")
        ? [skip("backup", "skipped (--skip backup)"), skip("restore-drill", "skipped (--skip backup)")]
        : await checkBackup(ctx)));
    if (options.load) {
        results.push(loadBlocked !== undefined || !ollama ? skip("load", loadBlocked ?? "not run") : await checkLoad(ctx, ollama));
    }
    return results;
}

/** A shared row (checks/alerts.ts) as one of this report's. */
function asCheck(id: CheckId, row: AlertRow): CheckResult {
    return { id, title: CHECK_TITLES[id], ...row };
}
