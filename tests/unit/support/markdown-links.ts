/**
 * Relative links in Markdown files, and whether each one lands: the target file exists inside the
 * repository, and a `#fragment` names a heading of the target as GitHub renders it.
 *
 * GitHub's heading ids are github-slugger's (Flet/github-slugger 2.x, script/generate-regex.mjs
 * and index.js): the heading's text, lower-cased, with every character of the general categories
 * Other_Number, punctuation except `-` and `_` (connector punctuation is kept), symbols, controls,
 * format, private-use, unassigned and separators except the space removed (alphabetic characters
 * always kept), then each space turned into `-`; a repeated slug gets `-1`, `-2`... The text is the
 * rendered one: code spans keep their content without the backticks, links keep their text,
 * emphasis loses its markers.
 */
import * as fs from "fs";
import * as path from "path";

export interface MarkdownLink {
    /** The file the link is in, relative to the repository root. */
    file: string;
    line: number;
    target: string;
}

export interface LinkProblem extends MarkdownLink {
    problem: string;
}

/** Fenced code blocks (``` or ~~~) blanked out, line count kept, so their contents are never read as Markdown. */
function withoutFences(text: string): string[] {
    const lines = text.split("\n");
    let fence: string | undefined;
    return lines.map((line) => {
        const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
        if (fence === undefined) {
            if (open) {
                fence = open[1];
                return "";
            }
            return line;
        }
        if (open && open[1][0] === fence[0] && open[1].length >= fence.length && line.trim() === open[1]) fence = undefined;
        return "";
    });
}

/** Code spans blanked out (their text is never a link); their content kept where `keep` asks. */
function codeSpans(line: string, keep: boolean): string {
    return line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks, inner: string) => (keep ? inner.trim() : " ".repeat(inner.length)));
}

/** The text GitHub renders for a heading's source. */
function headingText(source: string): string {
    let text = codeSpans(source, true);
    text = text.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1"); // links and images keep their text
    text = text.replace(/<[^>]+>/g, ""); // inline HTML
    text = text.replace(/(\*\*|__|\*|~~)/g, ""); // emphasis markers (a lone _ inside a word stays)
    return text.trim();
}

/** github-slugger's slug of one heading text (before duplicates are numbered). */
export function githubSlug(text: string): string {
    return text.toLowerCase().replace(/[^\p{Alphabetic}\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every anchor GitHub gives the file: heading slugs (duplicates numbered) and explicit `<a id|name>`. */
export function anchorsOf(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const line of withoutFences(markdown)) {
        const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
        if (heading) {
            const base = githubSlug(headingText(heading[1]));
            const n = seen.get(base) ?? 0;
            seen.set(base, n + 1);
            anchors.add(n === 0 ? base : `${base}-${n}`);
        }
        for (const m of line.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    }
    return anchors;
}

/** Inline links and images (`[text](target)`) and reference definitions (`[ref]: target`), outside code. */
export function linksIn(markdown: string, file: string): MarkdownLink[] {
    const links: MarkdownLink[] = [];
    withoutFences(markdown).forEach((raw, i) => {
        const line = codeSpans(raw, false);
        for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) links.push({ file, line: i + 1, target: m[1] });
        const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(line);
        if (definition) links.push({ file, line: i + 1, target: definition[1] });
    });
    return links;
}

/** A scheme (`https:`, `mailto:`): the link leaves the repository on purpose and is not checked here. */
function isExternal(target: string): boolean {
    return /^[a-z][a-z0-9+.-]*:/i.test(target) && !/^file:/i.test(target);
}

/**
 * Problems of every relative link in `files` (paths relative to `root`).
 */
export function linkProblems(root: string, files: string[]): LinkProblem[] {
    const problems: LinkProblem[] = [];
    const anchorCache = new Map<string, Set<string>>();
    const anchors = (rel: string) => {
        if (!anchorCache.has(rel)) anchorCache.set(rel, anchorsOf(fs.readFileSync(path.join(root, rel), "utf8")));
        return anchorCache.get(rel) as Set<string>;
    };
    for (const file of files) {
        for (const link of linksIn(fs.readFileSync(path.join(root, file), "utf8"), file)) {
            const fail = (problem: string) => problems.push({ ...link, problem });
            if (isExternal(link.target)) continue;
            if (/^file:/i.test(link.target) || link.target.startsWith("/")) {
                fail("an absolute path: it points outside the repository; link relative to this file");
                continue;
            }
            const hash = link.target.indexOf("#");
            const pathPart = decodeURIComponent(hash === -1 ? link.target : link.target.slice(0, hash));
            const fragment = hash === -1 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
            const resolved = pathPart === "" ? path.join(root, file) : path.resolve(root, path.dirname(file), pathPart);
            const rel = path.relative(root, resolved);
            if (rel.startsWith("..") || path.isAbsolute(rel)) {
                fail(`leaves the repository (resolves to ${resolved})`);
                continue;
            }
            const targetRel = rel.split(path.sep).join("/");
            if (!fs.existsSync(resolved)) {
                fail(`no such file: ${targetRel}`);
                continue;
            }
            if (fragment === undefined || fragment === "") continue;
            if (fs.statSync(resolved).isDirectory() || !/\.md$/i.test(resolved)) {
                fail(`#${fragment} on ${targetRel}, which is not a Markdown file`);
                continue;
            }
            if (!anchors(targetRel).has(fragment)) fail(`no heading #${fragment} in ${targetRel}`);
        }
    }
    return problems;
}
