import { PLAN_FORMAT, PlanDocument, PlanResource, resourceId, providerId } from "../../tools/plan/document";
import { diffPlans, diffValues } from "../../tools/plan/diff";
import { DESIRED_STATE_NOTE, formatDiff } from "../../tools/plan/diff-report";

function resource(id: string, extra: Partial<PlanResource> = {}): PlanResource {
    const name = id.split("::").pop() as string;
    return {
        id, type: id.split("::")[0].split("$").pop() as string, name, parent: null, component: false, inputs: {},
        secretInputs: [], dependencies: [], provider: null, protect: false, retainOnDelete: false, deleteBeforeReplace: false,
        ...extra,
    };
}

function doc(resources: PlanResource[], outputs: PlanDocument["outputs"] = {}): PlanDocument {
    return { format: PLAN_FORMAT, stack: "dev", overrides: {}, resources, outputs, secretOutputs: [] };
}

describe("plan diff", () => {
    test("ids drop the stack and project so different stacks match", () => {
        expect(resourceId("urn:pulumi:prod::rag-stack::rag-stack:app:Services$docker:index/volume:Volume::app-neo4j-data"))
            .toBe("rag-stack:app:Services$docker:index/volume:Volume::app-neo4j-data");
        expect(providerId("urn:pulumi:dev::rag-stack::rag-stack:hosts:ExistingDockerHost$pulumi:providers:docker::host-docker::host-docker-id"))
            .toBe("rag-stack:hosts:ExistingDockerHost$pulumi:providers:docker::host-docker");
    });

    test("env lists compare by variable name; other lists by position", () => {
        expect(diffValues(
            { envs: ["A=1", "URL=http://ollama:11434", "GONE=x"], hosts: [] },
            { envs: ["URL=http://host.docker.internal:11434", "A=1", "NEW=y"], hosts: [{ host: "h", ip: "host-gateway" }] },
        )).toEqual([
            { path: "envs.URL", before: "http://ollama:11434", after: "http://host.docker.internal:11434" },
            { path: "envs.GONE", before: "x" },
            { path: "envs.NEW", after: "y" },
            { path: "hosts.0", after: { host: "h", ip: "host-gateway" } },
        ]);
    });

    test("added, removed, changed (inputs, dependencies, options) and unchanged, grouped by top-level component", () => {
        const app = resource("rag-stack:app:Services::app", { component: true });
        const volume = resource("rag-stack:app:Services$docker:index/volume:Volume::data", { parent: app.id, protect: true });
        const old = resource("rag-stack:app:Services$docker:index/container:Container::old", { parent: app.id });
        const web = (deps: string[], env: string, protect: boolean) =>
            resource("rag-stack:app:Services$docker:index/container:Container::web", { parent: app.id, dependencies: deps, inputs: { envs: [env] }, protect });
        const fresh = resource("rag-stack:app:Services$docker:index/container:Container::fresh", { parent: app.id });
        const net = resource("docker:index/network:Network::net");
        const before = doc([app, volume, old, web([old.id, net.id], "MODE=a", false), net], { placement: "container" });
        const after = doc([app, fresh, web([fresh.id, net.id], "MODE=b", true), net], { placement: "native" });

        const d = diffPlans(before, after, { before: "A", after: "B" });
        expect(d.added.map((r) => r.name)).toEqual(["fresh"]);
        expect(d.removed.map((r) => [r.name, r.group, r.protect])).toEqual([["data", "app", true], ["old", "app", false]]);
        expect(d.changed).toHaveLength(1);
        expect(d.changed[0]).toMatchObject({
            name: "web",
            group: "app",
            changedInputs: ["envs"],
            changes: [{ path: "envs.MODE", before: "a", after: "b" }],
            dependencies: { added: [fresh.id], removed: [old.id] },
            options: [{ path: "protect", before: false, after: true }],
        });
        expect(d.unchanged.map((r) => [r.name, r.group])).toEqual([["app", "app"], ["net", "stack"]]);
        expect(d.outputs).toEqual([{ path: "placement", before: "container", after: "native" }]);
        expect(d.summary).toEqual({ added: 1, removed: 2, changed: 1, unchanged: 2 });

        const text = formatDiff(d);
        expect(text).toContain(DESIRED_STATE_NOTE);
        expect(text).toMatch(/- data .*protected: pulumi up will refuse/);
        expect(text).toContain("envs.MODE: \"a\" → \"b\"");
        expect(text).toContain("depends on: -old, +fresh");
        expect(text).toContain("option protect: false → true");
        expect(text.split("\n").pop()).toBe("Summary: 1 to add, 2 to remove, 1 to change, 2 unchanged (A → B; desired states, not the deployed one).");
    });
});
