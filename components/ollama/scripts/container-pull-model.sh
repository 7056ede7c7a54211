#!/bin/sh
# Pulls the configured model into the Ollama container, skipped when the model is already there.
#
# Environment:
#   DOCKER_HOST       Docker engine URL (unix://, ssh://, tcp://)
#   OLLAMA_CONTAINER  name of the running Ollama container
#   OLLAMA_MODEL      model to pull, name:tag
# Exit codes: 0 model present or pulled; 1 pull failed (Ollama's message is printed); 2 bad environment.
set -eu

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
echo "model: pulling ${OLLAMA_MODEL} (this can take minutes for a large model)"
if ! docker exec "$OLLAMA_CONTAINER" ollama pull "$OLLAMA_MODEL"; then
    echo "model: pulling ${OLLAMA_MODEL} failed; check the name on https://ollama.com/library and the container's network" >&2
    exit 1
fi
echo "model: ${OLLAMA_MODEL} pulled"
