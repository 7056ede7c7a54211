#!/bin/sh
# Startup and readiness probe of an Ollama pod (Kubernetes placement): the pod is ready only when
# its model is loaded and sits entirely in GPU memory, as `ollama ps` reports it ("100% GPU").
# A probe that checked only that the server answers (`/`) would send requests to a pod that then
# loads the model for minutes, or runs it on the CPU.
#
# The model is loaded first when it is not (`ollama run MODEL ""` loads without generating; Ollama
# FAQ, "How can I preload a model"): keep-alive may have unloaded it, and a pod that is not ready
# gets no traffic that would load it again. While the pod is ready the model therefore stays loaded.
#
# Environment:
#   OLLAMA_MODEL               model that must be loaded, name:tag
#   OLLAMA_REQUIRED_PROCESSOR  what `ollama ps` must say of it (default "100% GPU")
# Exit codes: 0 ready; 1 not loaded, or not entirely on the GPU (the `ollama ps` line is printed).
set -eu

: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"
required="${OLLAMA_REQUIRED_PROCESSOR:-100% GPU}"

if ! out=$(ollama run "$OLLAMA_MODEL" "" 2>&1); then
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
