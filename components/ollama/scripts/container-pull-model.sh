#!/bin/sh
# Pulls the configured model into the Ollama container, skipped when the model is already there.
# `ollama pull` redraws its progress every 100 ms with cursor moves even without a terminal, and
# the command provider keeps all of it; this script turns it into a few lines, as the native pull
# does: one per status, one per 10% of each layer. Nothing else of the pull's output is kept.
#
# Environment:
#   DOCKER_HOST       Docker engine URL (unix://, ssh://, tcp://); unset on the engine's own host
#   OLLAMA_CONTAINER  name of the running Ollama container
#   OLLAMA_MODEL      model to pull, name:tag
# Exit codes: 0 model present or pulled; 1 pull failed (Ollama's message is printed); 2 bad environment.
set -eu

# Docker Desktop's CLI may be only in /usr/local/bin or ~/.docker/bin (or its app bundle), which a
# session started from the Dock, an IDE or a launcher lacks (docker/for-mac#6793): searched last.
PATH="${PATH:-/usr/bin:/bin}:${HOME:-/nonexistent}/.docker/bin:/usr/local/bin:/Applications/Docker.app/Contents/Resources/bin"
export PATH
command -v docker >/dev/null 2>&1 || {
    echo "model: docker is not on PATH ($PATH); install Docker Desktop (macOS) or Docker Engine, or put its bin directory on PATH" >&2
    exit 2
}

: "${OLLAMA_CONTAINER:?OLLAMA_CONTAINER must name the Ollama container}"
: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"

echo "model: checking ${OLLAMA_MODEL} in container ${OLLAMA_CONTAINER}"
if ! listing=$(docker exec "$OLLAMA_CONTAINER" ollama list 2>&1); then
    echo "model: cannot list models in ${OLLAMA_CONTAINER}: ${listing}" >&2
    echo "model: check that the container is running: docker ps --filter name=${OLLAMA_CONTAINER}" >&2
    exit 1
fi
# `ollama list` prints a header, then one model per line with its name:tag first.
if printf '%s\n' "$listing" | awk 'NR > 1 { print $1 }' | grep -Fqx "$OLLAMA_MODEL"; then
    echo "model: ${OLLAMA_MODEL} already present, nothing to pull"
    exit 0
fi
echo "model: pulling ${OLLAMA_MODEL} (a large model takes minutes; progress follows)"

# Every redraw is ESC[1G <line> ESC[K, lines joined by \n; escape sequences become line breaks
# and their remains are cut, so each drawn state is one line. awk keeps the changes only.
pull_status=0
{
    docker exec "$OLLAMA_CONTAINER" ollama pull "$OLLAMA_MODEL" 2>&1 || echo "@pull-failed"
} | LC_ALL=C tr '\033\r' '[\n*]' | LC_ALL=C sed 's/^\[[0-9;?]*[A-Za-z]//' | LC_ALL=C awk '
    /^@pull-failed$/ { failed = 1; next }
    /^Error: / { print "model: " $0; fflush(); error = 1; next }
    /^[ \t]*$/ { next }
    match($0, / +[0-9]+% /) {
        message = substr($0, 1, RSTART - 1); sub(/:$/, "", message)
        rest = substr($0, RSTART)
        pct = rest + 0; step = int(pct / 10)
        sizes = ""
        if (match(rest, /[0-9.]+ ?[KMGT]?B\/[0-9.]+ ?[KMGT]?B/)) sizes = " (" substr(rest, RSTART, RLENGTH) ")"
        # Each redraw repeats every line so far: remember what was said per layer and per status.
        if (!(message in said_step) || said_step[message] != step) { printf "model: %s %d%%%s\n", message, pct, sizes; fflush() }
        said_step[message] = step
        next
    }
    {
        status = $0
        sub(/[ \t]+[^ -~]*$/, "", status)   # the spinner frame after the status
        if (status != "" && !(status in said)) { print "model: " status; fflush() }
        said[status] = 1
    }
    END { exit (failed || error) ? 1 : 0 }
' || pull_status=$?

if [ "$pull_status" -ne 0 ]; then
    echo "model: pulling ${OLLAMA_MODEL} failed; check the name on https://ollama.com/library and the container's network" >&2
    exit 1
fi
echo "model: ${OLLAMA_MODEL} pulled"
