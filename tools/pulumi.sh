#!/bin/sh
# Runs the Pulumi CLI for the npm scripts (npm run pulumi -- <args>, up:dev, preview:prod...) and
# for `npm run verify`. npm puts node_modules/.bin first on PATH, where the `pulumi` npm package
# sits: a launcher that downloads the CLI from get.pulumi.com into ~/.pulumi/versions/<version>
# on first use (offline that fails with "fetch failed" and nothing else). So this prefers:
#   1. RAG_STACK_PULUMI, when set (a path to the pulumi executable to use);
#   2. a `pulumi` already installed on PATH (any entry that is not a node_modules/.bin);
#   3. the npm package's launcher, saying first when it is about to download the CLI.
# Environment: PATH; RAG_STACK_PULUMI (optional); PULUMI_HOME (the launcher's cache, default ~/.pulumi).
# Exit codes: pulumi's own; 127 when no CLI can be found at all.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
launcher="$root/node_modules/.bin/pulumi"

# The first executable `pulumi` on PATH outside any node_modules/.bin directory.
installed_pulumi() {
    set -f
    old_ifs=$IFS
    IFS=:
    for dir in $PATH; do
        case "$dir" in
            "" | */node_modules/.bin | */node_modules/.bin/) continue ;;
        esac
        if [ -f "$dir/pulumi" ] && [ -x "$dir/pulumi" ]; then
            IFS=$old_ifs
            set +f
            printf '%s\n' "$dir/pulumi"
            return 0
        fi
    done
    IFS=$old_ifs
    set +f
    return 1
}

if [ -n "${RAG_STACK_PULUMI:-}" ]; then
    if [ ! -x "$RAG_STACK_PULUMI" ]; then
        echo "rag-stack: RAG_STACK_PULUMI=$RAG_STACK_PULUMI is not an executable; unset it or point it at the pulumi CLI" >&2
        exit 127
    fi
    exec "$RAG_STACK_PULUMI" "$@"
fi

if cli=$(installed_pulumi); then
    exec "$cli" "$@"
fi

if [ -x "$launcher" ]; then
    version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$root/node_modules/pulumi/package.json" | head -n 1)
    if [ ! -x "${PULUMI_HOME:-$HOME/.pulumi}/versions/$version/bin/pulumi" ]; then
        echo "rag-stack: no pulumi CLI on PATH; the pulumi npm package will now download CLI v$version from get.pulumi.com" \
            "into ${PULUMI_HOME:-$HOME/.pulumi}/versions (needs the network: offline it fails with \"fetch failed\";" \
            "then install the CLI some other way, see README \"First run\")" >&2
    fi
    exec "$launcher" "$@"
fi

echo "rag-stack: no pulumi CLI found: none on PATH and no node_modules/.bin/pulumi (run npm install, or install the CLI: see README \"First run\")" >&2
exit 127
