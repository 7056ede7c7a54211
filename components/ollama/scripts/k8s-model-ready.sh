#!/bin/sh
# Startup and readiness probe of an Ollama pod (Kubernetes placement): the pod is ready only when
# its model is loaded and sits entirely in GPU memory, as `ollama ps` reports it ("100% GPU").
# A probe that checked only that the server answers (`/`) would send requests to a pod that then
# loads the model for minutes, or runs it on the CPU.
#
# The model is loaded first when it is not: keep-alive may have unloaded it, and a pod that is not
# ready gets no traffic that would load it again. The load must not generate: a generation takes one
# of the server's parallel slots (OLLAMA_NUM_PARALLEL) and waits behind the users' answers, so
# under load the probe would time out and take a busy replica out of the Service. Ollama 0.12.6:
# `ollama run MODEL` with stdin not a terminal sends stdin and the arguments, joined by a space, as
# the prompt (cmd/cmd.go RunHandler), so `ollama run MODEL ""` sends " ", which generates; with stdin
# empty and no argument the prompt is "", and /api/generate with an empty prompt returns as soon as
# the scheduler has the model loaded, before any slot is taken (server/routes.go GenerateHandler,
# done_reason "load"; the slots are llm/server.go's semaphore, taken only by a completion).
# `ollama run` pulls a model it does not find (RunHandler): the probe first checks that the model is
# on the pod's volume (the init container's job) and never downloads.
#
# Environment:
#   OLLAMA_MODEL               model that must be loaded, name:tag
#   OLLAMA_REQUIRED_PROCESSOR  what `ollama ps` must say of it (default "100% GPU")
# Exit codes: 0 ready; 1 not on the volume, not loaded, or not entirely on the GPU (the reason is printed).
set -eu

: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"
required="${OLLAMA_REQUIRED_PROCESSOR:-100% GPU}"

# `ollama list` prints a header, then one model per line with its name:tag first.
if ! listed=$(ollama list 2>&1); then
    echo "ready: the server does not answer: ${listed}"
    exit 1
fi
if ! printf '%s\n' "$listed" | awk 'NR > 1 { print $1 }' | grep -Fqx "$OLLAMA_MODEL"; then
    echo "ready: ${OLLAMA_MODEL} is not on this pod's volume (the init container pulls it; see its log)"
    exit 1
fi
if ! out=$(ollama run "$OLLAMA_MODEL" </dev/null 2>&1); then
    echo "ready: cannot load ${OLLAMA_MODEL}: ${out}"
    exit 1
fi
line=$(ollama ps | awk -v m="$OLLAMA_MODEL" 'NR > 1 && $1 == m')
if [ -z "$line" ]; then
    echo "ready: ${OLLAMA_MODEL} is not loaded after a load request"
    exit 1
fi
case "$line" in
    *"$required"*) echo "ready: ${OLLAMA_MODEL} loaded, ${required}"; exit 0 ;;
esac
echo "ready: ${OLLAMA_MODEL} is not ${required}: ${line}"
exit 1
