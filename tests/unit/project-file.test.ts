/**
 * Pulumi.yaml, as the CLI and the mocks renders read it: the project name the renders use
 * (tools/render.ts PROJECT), the Node.js runtime, and requiredPulumiVersion in the syntax the CLI
 * parses (blang/semver ParseRange: comparators such as ">=3.260.0", AND by spaces, OR by "||";
 * sdk/go/common/resource/plugin/plugin.go ValidatePulumiVersionRange). tools/pulumi.sh checks it
 * for CLIs too old to (tests/scripts/pulumi-wrapper.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT, PROJECT_ROOT } from "../../tools/render";

const project = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string; runtime: { name: string }; requiredPulumiVersion?: string;
};

test("the project file parses, names the project the renders use, and runs on Node.js", () => {
    expect(project.name).toBe(PROJECT);
    expect(project.runtime.name).toBe("nodejs");
});

test("requiredPulumiVersion is a range the CLI parses and the wrapper understands: >= the first CLI with pulumi/pulumi#23818", () => {
    const range = project.requiredPulumiVersion ?? "";
    const comparator = /^(?:>=|<=|>|<|=|==|!=|!)?\d+\.\d+\.\d+$/;
    expect(range.split("||").every((part) => part.trim().split(/\s+/).every((c) => comparator.test(c)))).toBe(true);
    expect(range).toBe(">=3.260.0");
});
