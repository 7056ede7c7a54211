/**
 * Validation runs at program start, before any resource registers: a bad stack file changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderStack } from "../../tools/render";

type MonitorWithResources = { resources: Map<string, unknown> };

test("the real program refuses a bad stack before registering anything", async () => {
    await expect(renderStack({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        overrides: { "ollama.mode": "container", "ollama.port": 99999 },
    })).rejects.toThrow(
        /Invalid configuration for stack "dev" \(2 problems\):\n {2}- rag-stack:ollama\.port: 99999 is not allowed; expected an integer from 1 to 65535\n {2}- rag-stack:ollama\.accelerator: "metal" is not allowed with rag-stack:ollama\.mode "container"/,
    );
    const monitor = (pulumi.runtime as unknown as { getMonitor(): MonitorWithResources }).getMonitor();
    expect(monitor.resources.size).toBe(0);
});
