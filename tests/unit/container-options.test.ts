/** Go's spelling of durations (components/container-options.ts), as the Docker provider reads them back. */
import { goDuration } from "../../components/container-options";
import { dockerLifecycleProblems } from "./support/containers";
import { RenderedResource } from "../../tools/render";

test.each([[0, "0s"], [5, "5s"], [59, "59s"], [60, "1m0s"], [90, "1m30s"], [3600, "1h0m0s"], [3723, "1h2m3s"]])("%i s is %s", (seconds, text) => {
    expect(goDuration(seconds)).toBe(text);
});

test("only whole, non-negative seconds", () => {
    expect(() => goDuration(1.5)).toThrow(/not a whole number of seconds/);
    expect(() => goDuration(-1)).toThrow(/not a whole number of seconds/);
});

test("the lifecycle check names each problem, so the stack tests that use it can fail", () => {
    const base = { urn: "u", custom: true, secretPaths: [], dependencies: [], protect: false, retainOnDelete: false, replaceWith: [] };
    const container = (inputs: Record<string, unknown>, opts: Partial<RenderedResource>): RenderedResource =>
        ({ ...base, type: "docker:index/container:Container", name: "c", inputs, deleteBeforeReplace: true, replaceOnChanges: ["*"], ...opts });
    expect(dockerLifecycleProblems([container({ healthcheck: { interval: "10s", startPeriod: "1m0s" }, stopTimeout: 10 }, {})], goDuration)).toEqual([]);
    expect(dockerLifecycleProblems([
        container({ healthcheck: { startPeriod: "60s", timeout: "5000ms" }, stopTimeout: 10 }, { replaceOnChanges: [] }),
        container({ destroyGraceSeconds: 60 }, { name: "no-stop-timeout" }),
        container({ destroyGraceSeconds: 60, stopTimeout: 10 }, { name: "short" }),
        { ...base, type: "docker:index/network:Network", name: "n", inputs: { name: "fixed" }, deleteBeforeReplace: false, replaceOnChanges: [] },
    ], goDuration)).toEqual([
        "c: replaceOnChanges []",
        'c: healthcheck.timeout "5000ms" is not Go\'s spelling',
        'c: healthcheck.startPeriod "60s" is not Go\'s spelling',
        "no-stop-timeout: no stopTimeout",
        "short: stopTimeout 10 below its destroyGraceSeconds 60",
        "n: a fixed-name network without deleteBeforeReplace",
    ]);
});
