#!/bin/sh
# Runs the Pulumi CLI for the npm scripts (npm run pulumi -- <args>, up:dev, preview:prod...) and
# for `npm run verify`. npm puts node_modules/.bin first on PATH, where the `pulumi` npm package
# sits: a launcher that downloads the CLI from get.pulumi.com into ~/.pulumi/versions/<version>
# on first use (offline that fails with "fetch failed" and nothing else). So this prefers:
#   1. RAG_STACK_PULUMI, when set (a path to the pulumi executable to use);
#   2. a `pulumi` already installed on PATH (any entry that is not a node_modules/.bin);
#   3. the npm package's launcher, saying first when it is about to download the CLI.
# Before an engine command (up, preview, refresh, destroy, import and their aliases) it refuses a
# CLI older than Pulumi.yaml's requiredPulumiVersion (">=X.Y.Z"): the CLI checks that range itself
# only from v3.219.0 on, older ones ignore it. The launcher's version is its package's (or
# PULUMI_VERSION, as the launcher reads it); any other CLI is asked (`pulumi version`).
# Environment: PATH; RAG_STACK_PULUMI (optional); PULUMI_HOME (the launcher's cache, default ~/.pulumi);
#   PULUMI_VERSION (the launcher's CLI version, default its package's).
# Exit codes: pulumi's own; 2 Pulumi.yaml's requiredPulumiVersion is not of the form ">=X.Y.Z";
#   3 the CLI is older than that (or says no version); 127 when no CLI can be found at all.
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

# The Pulumi command in the arguments: the first one that is neither a flag nor the value of a
# global flag that takes one (pkg/cmd/pulumi/pulumi.go, the root command's persistent flags).
pulumi_command() {
    takes_value=""
    for arg in "$@"; do
        if [ -n "$takes_value" ]; then
            takes_value=""
            continue
        fi
        case "$arg" in
            -C | --cwd | --color | --tracing | --tracing-header | --otel-traces | --profiling | --memprofilerate | -v | --verbose) takes_value=1 ;;
            -*) ;;
            *)
                printf '%s\n' "$arg"
                return 0
                ;;
        esac
    done
    return 1
}

# Pulumi.yaml's requiredPulumiVersion as X.Y.Z; empty when the file sets none. Exits 2 on another form.
required_version() {
    line=$(sed -n 's/^requiredPulumiVersion:[[:space:]]*//p' "$root/Pulumi.yaml" | head -n 1)
    [ -n "$line" ] || return 0
    wanted=$(printf '%s\n' "$line" | sed -n 's/^["'"'"']\{0,1\}>=[[:space:]]*\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\)["'"'"']\{0,1\}[[:space:]]*\(#.*\)\{0,1\}$/\1/p')
    if [ -z "$wanted" ]; then
        echo "rag-stack: Pulumi.yaml's requiredPulumiVersion is $line; tools/pulumi.sh understands only \">=X.Y.Z\" (the CLI reads any semver range): write it in that form" >&2
        exit 2
    fi
    printf '%s\n' "$wanted"
}

# version_at_least HAVE WANT: true when HAVE (X.Y.Z, a pre-release suffix allowed) is at least
# WANT (X.Y.Z), as semver orders them: a pre-release of WANT itself is below it. 2: not a version.
version_at_least() {
    have_core=${1%%[-+]*}
    have_pre=""
    case "$1" in "$have_core"-*) have_pre=yes ;; esac
    old_ifs=$IFS
    IFS=.
    set -f
    # shellcheck disable=SC2086 # split on the dots, on purpose
    set -- $have_core $2
    set +f
    IFS=$old_ifs
    [ $# -eq 6 ] || return 2
    for n in "$@"; do
        case "$n" in "" | *[!0-9]*) return 2 ;; esac
    done
    [ "$1" -eq "$4" ] || { [ "$1" -gt "$4" ]; return; }
    [ "$2" -eq "$5" ] || { [ "$2" -gt "$5" ]; return; }
    [ "$3" -eq "$6" ] || { [ "$3" -gt "$6" ]; return; }
    [ -z "$have_pre" ]
}

# require_version CLI VERSION WANT ADVICE: exits 3 unless VERSION (what CLI is) is at least WANT.
require_version() {
    if ! version_at_least "$2" "$3"; then
        echo "rag-stack: this project needs the Pulumi CLI v$3 or newer (requiredPulumiVersion in Pulumi.yaml: older engines" \
            "run the delete of every container, volume and image of a replaced droplet through the old droplet's Docker" \
            "engine, in random order, and stop half-way when it is unreachable); $1 is ${2:-of unknown version}. $4" >&2
        exit 3
    fi
}
installed_advice="Update it (brew upgrade pulumi, or curl -fsSL https://get.pulumi.com | sh), or point RAG_STACK_PULUMI at a newer one"

# The version an installed CLI reports (`pulumi version` prints v3.260.0); empty when it says none.
cli_version() {
    "$1" version 2>/dev/null | sed -n 's/^v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*[^[:space:]]*\).*/\1/p' | head -n 1
}

wanted=""
if command=$(pulumi_command "$@"); then
    case "$command" in
        up | update | preview | pre | refresh | destroy | down | dn | import) wanted=$(required_version) || exit $? ;;
    esac
fi

if [ -n "${RAG_STACK_PULUMI:-}" ]; then
    if [ ! -x "$RAG_STACK_PULUMI" ]; then
        echo "rag-stack: RAG_STACK_PULUMI=$RAG_STACK_PULUMI is not an executable; unset it or point it at the pulumi CLI" >&2
        exit 127
    fi
    [ -z "$wanted" ] || require_version "$RAG_STACK_PULUMI" "$(cli_version "$RAG_STACK_PULUMI")" "$wanted" "$installed_advice"
    exec "$RAG_STACK_PULUMI" "$@"
fi

if cli=$(installed_pulumi); then
    [ -z "$wanted" ] || require_version "$cli" "$(cli_version "$cli")" "$wanted" "$installed_advice"
    exec "$cli" "$@"
fi

if [ -x "$launcher" ]; then
    # The version the launcher runs (node_modules/pulumi/lib/resolve.js: PULUMI_VERSION, else its package's).
    package_version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$root/node_modules/pulumi/package.json" | head -n 1)
    version=${PULUMI_VERSION:-$package_version}
    [ -z "$wanted" ] || require_version "the CLI the pulumi npm package runs" "${version#v}" "$wanted" \
        "Unset PULUMI_VERSION (the launcher then runs its own v$package_version), or install a newer CLI (see docs/pulumi-cli.md)"
    if [ ! -x "${PULUMI_HOME:-$HOME/.pulumi}/versions/$version/bin/pulumi" ]; then
        echo "rag-stack: no pulumi CLI on PATH; the pulumi npm package will now download CLI v$version from get.pulumi.com" \
            "into ${PULUMI_HOME:-$HOME/.pulumi}/versions (needs the network: offline it fails with \"fetch failed\";" \
            "then install the CLI some other way, see docs/pulumi-cli.md)" >&2
    fi
    exec "$launcher" "$@"
fi

echo "rag-stack: no pulumi CLI found: none on PATH and no node_modules/.bin/pulumi (run npm install, or install the CLI: see docs/pulumi-cli.md)" >&2
exit 127
