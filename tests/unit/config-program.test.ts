/**
 * Validation runs at program start, before any resource registers: a bad stack file changes nothing.
 * The real program (index.ts) through the render harness, as `npm run plan -- --set` feeds it.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderStack } from "../../tools/render";

type MonitorWithResources = { resources: Map<string, unknown> };

test("the real program refuses a bad stack before registering anything: unknown keys, Metal off a Mac, bad values, all at once", async () => {
    await expect(renderStack({
        stack: "dev",
        secrets: { neo4jPassword: "dev-password-1" },
        // `--set servics.backend.port=8001` and `--set ollama.port=99999`, rendered as a real run on Linux.
        overrides: { "servics.backend.port": 8001, "ollama.port": 99999 },
        platform: "linux",
    })).rejects.toThrow(new RegExp([
        'Invalid configuration for stack "dev" \\(3 problems\\):',
        '  - rag-stack:servics: \\{"backend":\\{"port":8001\\}\\} is not allowed; rag-stack:servics is not a setting of this project \\(did you mean rag-stack:services\\?\\); known: ollama, host, docker, services, digitalocean, doks, alerts, parking, backup, authPasswordHashes, neo4jPassword, digitaloceanToken, alertsSlackWebhook, backupPassword',
        '  - rag-stack:ollama\\.accelerator: "metal" is not allowed on this machine \\(linux\\); Metal is Apple\'s GPU API and exists only on macOS',
    ].join("\n")));
    const monitor = (pulumi.runtime as unknown as { getMonitor(): MonitorWithResources }).getMonitor();
    expect(monitor.resources.size).toBe(0);
});
