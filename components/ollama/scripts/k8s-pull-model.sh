#!/bin/sh
# Init step of an Ollama pod (Kubernetes placement): puts the model on the pod's own volume before
# the server container starts, so a pod never becomes Ready without its model (the reference chart
# pulls in a start hook and reports ready before the model is there). A model already on the volume
# is not pulled again: a restarted or upgraded pod downloads nothing.
#
# It starts a temporary `ollama serve` on a loopback port of the pod, asks it, and stops it (by the
# PID it started) before exiting.
#
# Environment:
#   OLLAMA_MODEL         model to pull, name:tag
#   OLLAMA_MODELS        model store (the pod's volume), as for `ollama serve`
#   OLLAMA_PULL_HOST     loopback address for the temporary server (default 127.0.0.1:11435)
#   OLLAMA_PULL_TIMEOUT  seconds to wait for the temporary server (default 60)
# Exit codes: 0 model present or pulled; 1 the temporary server did not answer or the pull failed;
#             2 bad environment.
set -eu

: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"
OLLAMA_HOST="${OLLAMA_PULL_HOST:-127.0.0.1:11435}"
export OLLAMA_HOST
timeout_s="${OLLAMA_PULL_TIMEOUT:-60}"
case "$timeout_s" in ''|*[!0-9]*) echo "model: OLLAMA_PULL_TIMEOUT must be a number of seconds, got '${timeout_s}'" >&2; exit 2 ;; esac
log="${TMPDIR:-/tmp}/ollama-init-serve.log"

ollama serve >"$log" 2>&1 </dev/null &
server=$!
stop_server() {
    if kill -0 "$server" 2>/dev/null; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
}
trap stop_server EXIT

waited=0
until ollama list >/dev/null 2>&1; do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "model: the temporary ollama server exited; its log:" >&2
        tail -n 20 "$log" >&2 || true
        exit 1
    fi
    if [ "$waited" -ge "$timeout_s" ]; then
        echo "model: the temporary ollama server did not answer within ${timeout_s}s; its log:" >&2
        tail -n 20 "$log" >&2 || true
        exit 1
    fi
    sleep 1
    waited=$((waited + 1))
done

# `ollama list` prints a header, then one model per line with its name:tag first.
if ollama list | awk 'NR > 1 { print $1 }' | grep -Fqx "$OLLAMA_MODEL"; then
    echo "model: ${OLLAMA_MODEL} already on this pod's volume, nothing to pull"
    exit 0
fi
echo "model: pulling ${OLLAMA_MODEL} onto this pod's volume (minutes for a large model)"
# The client redraws its progress bar many times a second: keep it out of the pod's log.
if ! ollama pull "$OLLAMA_MODEL" >"${log}.pull" 2>&1; then
    echo "model: pulling ${OLLAMA_MODEL} failed:" >&2
    tail -n 5 "${log}.pull" >&2 || true
    echo "model: check the name on https://ollama.com/library and the node's outbound network" >&2
    exit 1
fi
echo "model: ${OLLAMA_MODEL} pulled"
