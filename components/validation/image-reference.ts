/**
 * Image references by the grammar of distribution/reference (reference.go, v0.5.0), the parser
 * Docker itself uses:
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain '/'] remote-name            (at most 255 characters)
 *   domain           := host [':' port-number]
 *   host             := domain-name | IPv4address | '[' IPv6address ']'
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" hex
 *
 * The first path element is a domain when it holds a `.` or a `:`, is `localhost`, or has capitals
 * (Docker's splitDockerDomain). Digests are the two algorithms the OCI image spec registers, with
 * their exact lengths: sha256 (64 lower-case hex) and sha512 (128); Docker refuses others.
 */
import { parseIp } from "./addresses";

export interface ImageReference {
    domain?: string;
    /** Repository path without the domain (`library/neo4j` is written `neo4j`). */
    path: string;
    tag?: string;
    digest?: string;
}

export type ImageReferenceParse = { ok: true; reference: ImageReference } | { ok: false; reason: string };

const DOMAIN_COMPONENT = /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PATH_COMPONENT = /^[a-z0-9]+(([_.]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha512: 128 };
const NAME_MAX = 255;

function checkDomain(domain: string): string | undefined {
    const port = /^(.*?)(?::(\d+))?$/.exec(domain);
    const host = port?.[1] ?? domain;
    if (host.startsWith("[") && host.endsWith("]")) {
        const ip = parseIp(host.slice(1, -1));
        return ip?.family === "ipv6" ? undefined : `the registry "${domain}" has no valid IPv6 address between [ ]`;
    }
    if (host.split(".").every((c) => DOMAIN_COMPONENT.test(c))) return undefined;
    return `the registry "${domain}" is not a host name (letters, digits and inner - between dots) with an optional :port`;
}

function checkDigest(digest: string): string | undefined {
    const colon = digest.indexOf(":");
    const algorithm = colon < 0 ? digest : digest.slice(0, colon);
    const hex = colon < 0 ? "" : digest.slice(colon + 1);
    const length = DIGEST_LENGTHS[algorithm];
    if (length === undefined) return `the digest "${digest}" is not sha256:<64 hex digits> (or sha512:<128>)`;
    if (!new RegExp(`^[a-f0-9]{${length}}$`).test(hex)) {
        return `the digest "${digest}" is not ${algorithm}: followed by exactly ${length} lower-case hex digits`;
    }
    return undefined;
}

/** Parses `ref` by the reference grammar; the reason says which part is wrong. */
export function parseImageReference(ref: string): ImageReferenceParse {
    if (typeof ref !== "string" || ref === "") return { ok: false, reason: "the reference is empty" };
    const at = ref.indexOf("@");
    const digest = at < 0 ? undefined : ref.slice(at + 1);
    const nameAndTag = at < 0 ? ref : ref.slice(0, at);
    const lastSlash = nameAndTag.lastIndexOf("/");
    const tagColon = nameAndTag.indexOf(":", lastSlash + 1);
    const name = tagColon < 0 ? nameAndTag : nameAndTag.slice(0, tagColon);
    const tag = tagColon < 0 ? undefined : nameAndTag.slice(tagColon + 1);

    if (name === "") return { ok: false, reason: "the repository name is empty" };
    if (name.length > NAME_MAX) return { ok: false, reason: `the repository name is longer than ${NAME_MAX} characters` };
    const parts = name.split("/");
    const first = parts[0];
    const hasDomain = parts.length > 1 && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase());
    const domain = hasDomain ? parts.shift() : undefined;
    if (domain !== undefined) {
        const problem = checkDomain(domain);
        if (problem) return { ok: false, reason: problem };
    }
    const badPart = parts.find((p) => !PATH_COMPONENT.test(p));
    if (badPart !== undefined) {
        return {
            ok: false,
            reason: `the repository part "${badPart}" is not lower-case letters and digits joined by single . _ __ or dashes`,
        };
    }
    if (tag !== undefined && !TAG.test(tag)) {
        return { ok: false, reason: `the tag "${tag}" is not 1-128 letters, digits, _ . - (not starting with . or -)` };
    }
    if (digest !== undefined) {
        const problem = checkDigest(digest);
        if (problem) return { ok: false, reason: problem };
    }
    return { ok: true, reference: { domain, path: parts.join("/"), tag, digest } };
}
