/**
 * native-lib.sh version_at_least, run as a real sh function under every awk on this machine (macOS
 * has BSD awk and no `sort -V`; Debian's default is mawk; busybox has its own), against one table of
 * cases (./support/version-cases.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { VERSION_CASES } from "./support/version-cases";
import { PROJECT_ROOT } from "../../tools/render";

const LIB = path.join(PROJECT_ROOT, "components", "ollama", "scripts", "native-lib.sh");
const has = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { stdio: "ignore" }).error === undefined;
/** Each awk found here, as a directory whose `awk` is it (first on PATH for the function). */
const awks: [string, string][] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rag-version-awk-"));
for (const [name, target] of [["system awk", ""], ["mawk", "mawk"], ["original-awk", "original-awk"], ["gawk", "gawk"], ["busybox awk", "busybox"]] as const) {
    if (target === "") { awks.push([name, ""]); continue; }
    if (!has(target, ...(target === "busybox" ? ["awk", "BEGIN{}"] : ["BEGIN{}"]))) continue;
    const bin = path.join(dir, target);
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "awk"), target === "busybox" ? '#!/bin/sh\nexec busybox awk "$@"\n' : `#!/bin/sh\nexec ${target} "$@"\n`, { mode: 0o755 });
    awks.push([name, bin]);
}
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Exit status of `version_at_least FOUND MIN` for every case, in one sh per awk. */
function shellAnswers(bin: string): { codes: number[]; stderr: string } {
    const script = `. "${LIB}"\n` + VERSION_CASES.map(([f, m]) => `version_at_least '${f}' '${m}'; echo $?`).join("\n");
    const res = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: bin ? `${bin}:${process.env.PATH}` : process.env.PATH } });
    return { codes: res.stdout.trim().split("\n").map(Number), stderr: res.stderr };
}

describe.each(awks)("version_at_least with %s", (_name, bin) => {
    const { codes: answers, stderr } = shellAnswers(bin);
    test("no complaint from awk", () => expect(stderr).toBe(""));
    test.each(VERSION_CASES.map((c, i) => [...c, i] as const))("%p against %p: %p", (found, minimum, expected, i) => {
        expect([found, minimum, answers[i]]).toEqual([found, minimum, expected === "at-least" ? 0 : expected === "older" ? 1 : 2]);
    });
});
