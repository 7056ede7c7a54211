/**
 * The README and docs/ link only to what exists: every relative link resolves to a file of the
 * repository, every `#anchor` to a heading of its target (GitHub's slugs), and no link leaves the
 * repository by a relative or absolute path. The checker itself is tested on a scratch tree, so a
 * broken link is known to fail.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/render";
import { anchorsOf, githubSlug, linkProblems, linksIn } from "./support/markdown-links";

function docFiles(root: string): string[] {
    const docs = fs.existsSync(path.join(root, "docs"))
        ? fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)
        : [];
    return ["README.md", ...docs];
}

test("every relative link in README.md and docs/*.md resolves, anchors included, and none leaves the repository", () => {
    const files = docFiles(PROJECT_ROOT);
    expect(files.length).toBeGreaterThan(10);
    const links = files.flatMap((f) => linksIn(fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8"), f));
    // The README is the front door: it links to every page of docs/ (so the check has links to check).
    const readmeTargets = links.filter((l) => l.file === "README.md").map((l) => l.target.split("#")[0]);
    const notInReadme = files.filter((f) => f !== "README.md").filter((page) => !readmeTargets.includes(page));
    const problems = linkProblems(PROJECT_ROOT, files).map((p) => `${p.file}:${p.line}: ${p.target}: ${p.problem}`);
    expect({ notInReadme, problems }).toEqual({ notInReadme: [], problems: [] });
});

test("GitHub's heading slugs: lower case, punctuation dropped, spaces to hyphens, code and links as their text, duplicates numbered", () => {
    expect(githubSlug("Data: what destroy keeps")).toBe("data-what-destroy-keeps");
    expect(githubSlug("Ollama.app and Homebrew's service")).toBe("ollamaapp-and-homebrews-service");
    expect(githubSlug("1. See the change offline")).toBe("1-see-the-change-offline");
    expect(githubSlug("snake_case stays")).toBe("snake_case-stays");
    expect(githubSlug("Über 2² → ½ done")).toBe("über-2---done");
    const anchors = anchorsOf([
        "# Title",
        "## How many at once? `verify --sweep`",
        "## The [front door](front-door.md), **bold**",
        "## Again",
        "## Again",
        "```",
        "## not a heading inside a fence",
        "```",
        '<a id="custom-anchor"></a>',
    ].join("\n"));
    expect([...anchors].sort()).toEqual(["again", "again-1", "custom-anchor", "how-many-at-once-verify---sweep", "the-front-door-bold", "title"].sort());
});

describe("the checker on a scratch tree", () => {
    let root: string;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "rag-stack-docs-links-"));
        fs.mkdirSync(path.join(root, "docs"));
        fs.writeFileSync(path.join(root, "docs", "page.md"), "# Page\n\n## A section\n\ntext\n");
        fs.writeFileSync(path.join(root, "code.ts"), "export {};\n");
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const problemsOf = (readme: string) => {
        fs.writeFileSync(path.join(root, "README.md"), readme);
        return linkProblems(root, ["README.md", "docs/page.md"]).map((p) => `${p.target}: ${p.problem}`);
    };

    test("good links pass: a page, its heading, a file, this file's own heading, the web", () => {
        expect(problemsOf("# Top\n\n[p](docs/page.md) [s](docs/page.md#a-section) [c](code.ts) [t](#top) [w](https://example.org/x#y)\n")).toEqual([]);
    });

    test("a missing file fails", () => {
        expect(problemsOf("[gone](docs/gone.md)\n")).toEqual(["docs/gone.md: no such file: docs/gone.md"]);
    });

    test("a missing heading fails, in another page and in the same file", () => {
        expect(problemsOf("# Top\n\n[s](docs/page.md#no-such-section) [t](#nowhere)\n")).toEqual([
            "docs/page.md#no-such-section: no heading #no-such-section in docs/page.md",
            "#nowhere: no heading #nowhere in README.md",
        ]);
    });

    test("a link out of the repository fails, relative or absolute", () => {
        expect(problemsOf("[a](../shared/DESIGN.md) [b](/work/shared/seed/report.md) [c](file:///etc/passwd)\n")).toEqual([
            `../shared/DESIGN.md: leaves the repository (resolves to ${path.resolve(root, "..", "shared", "DESIGN.md")})`,
            "/work/shared/seed/report.md: an absolute path: it points outside the repository; link relative to this file",
            "file:///etc/passwd: an absolute path: it points outside the repository; link relative to this file",
        ]);
    });

    test("links in code are not links; reference definitions are", () => {
        expect(problemsOf("`[x](gone.md)`\n\n```\n[y](gone.md)\n```\n\n[ref]: docs/gone.md\n")).toEqual(["docs/gone.md: no such file: docs/gone.md"]);
    });
});
