/**
 * `.ci/run` checks the Node.js major version first and says what to do when it is wrong, before it
 * installs or starts anything. Run as a real process with a stand-in `node` first on PATH that
 * reports another version (the check exits before apt-get, npm or dockerd could run).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const CI_RUN = path.resolve(__dirname, "../../.ci/run");

function runWithNode(version: string | undefined): { code: number | null; out: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-ci-node-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        // Only the tools the check itself uses, plus the stand-in node (or none at all).
        for (const tool of ["dirname", "sed", "printf"]) {
            const real = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
            if (real) fs.symlinkSync(real, path.join(bin, tool));
        }
        if (version) fs.writeFileSync(path.join(bin, "node"), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
        const r = spawnSync("/bin/bash", [CI_RUN], { env: { PATH: bin, HOME: dir }, encoding: "utf8", timeout: 10000 });
        return { code: r.status, out: `${r.stdout}${r.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test.each(["v18.19.0", "v22.11.0"])("node %s: refused with the version needed and how to switch", (version) => {
    const r = runWithNode(version);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`Node.js 20 is needed, this machine has ${version}; switch with: nvm install 20 && nvm use 20`);
    expect(r.out).not.toContain("apt-get");
});

test("no node at all: refused, saying so", () => {
    const r = runWithNode(undefined);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Node.js 20 is needed and no node is on PATH");
});
