#!/bin/sh
# GPU check of the Ollama container, as native-gpu-check.sh does for the native server: a warm-up
# loads the model (`ollama run` with an empty prompt only loads it), then `ollama ps` says how much
# of it sits in VRAM. The share is printed as `ollama ps` prints it ("100% GPU", "100% CPU",
# "48%/52% CPU/GPU") and reported as "@ollama processor=...". With accelerator nvidia (or metal),
# anything below 100% GPU fails. Runs where `docker` reaches the engine: the Pulumi machine for a
# local engine, the droplet itself (remote.Command) for prod.
#
# Environment:
#   DOCKER_HOST             Docker engine URL; unset on the engine's own host
#   OLLAMA_CONTAINER        name of the running Ollama container
#   OLLAMA_MODEL            model to load, name:tag
#   RAG_OLLAMA_ACCELERATOR  nvidia | metal | cpu (cpu: report only)
#   RAG_OLLAMA_KEEP_ALIVE   keep-alive for the warm-up, a Go duration (the configured keepAlive: 300 as 300s), optional
# Exit codes: 0 checked; 2 bad environment; 6 load failed or the model is not all on the GPU.
set -eu

# Docker Desktop's CLI may be only in /usr/local/bin or ~/.docker/bin (or its app bundle), which a
# session started from the Dock, an IDE or a launcher lacks (docker/for-mac#6793): searched last.
PATH="${PATH:-/usr/bin:/bin}:${HOME:-/nonexistent}/.docker/bin:/usr/local/bin:/Applications/Docker.app/Contents/Resources/bin"
export PATH
command -v docker >/dev/null 2>&1 || {
    echo "gpu: docker is not on PATH ($PATH); install Docker Desktop (macOS) or Docker Engine, or put its bin directory on PATH" >&2
    exit 2
}

: "${OLLAMA_CONTAINER:?OLLAMA_CONTAINER must name the Ollama container}"
: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"
ACCELERATOR=${RAG_OLLAMA_ACCELERATOR:-cpu}

fail() {
    echo "gpu: $1" >&2
    exit 6
}

echo "gpu: warm-up: loading ${OLLAMA_MODEL} in container ${OLLAMA_CONTAINER}"
if [ -n "${RAG_OLLAMA_KEEP_ALIVE:-}" ]; then
    set -- --keepalive "$RAG_OLLAMA_KEEP_ALIVE"
else
    set --
fi
# No -i: the client's stdin is not a terminal and empty, so the prompt is empty and it only loads.
if ! loaded=$(docker exec "$OLLAMA_CONTAINER" ollama run "$@" "$OLLAMA_MODEL" 2>&1); then
    fail "Ollama could not load ${OLLAMA_MODEL}: $(printf '%s' "$loaded" | tail -n 3)"
fi

if ! ps_out=$(docker exec "$OLLAMA_CONTAINER" ollama ps 2>&1); then
    fail "cannot run ollama ps in ${OLLAMA_CONTAINER}: ${ps_out}"
fi
# PROCESSOR column of the model's row: "100% GPU", "100% CPU" or "48%/52% CPU/GPU".
processor=$(printf '%s\n' "$ps_out" | awk -v model="$OLLAMA_MODEL" '$1 == model' |
    grep -Eo '[0-9]+%/[0-9]+% CPU/GPU|[0-9]+% (GPU|CPU)' | head -n 1 || true)
if [ -z "$processor" ]; then
    fail "${OLLAMA_MODEL} is not in ollama ps after loading it (keepAlive 0?); ollama ps said: ${ps_out}"
fi
echo "gpu: ${OLLAMA_MODEL}: ${processor}"
echo "@ollama processor=${processor}"

case "$ACCELERATOR" in
    nvidia | metal)
        if [ "$processor" != "100% GPU" ]; then
            fail "${OLLAMA_MODEL} runs ${processor} in ${OLLAMA_CONTAINER}, but rag-stack:ollama.accelerator is ${ACCELERATOR}, which needs 100% GPU. Check that the container sees the GPU (docker exec ${OLLAMA_CONTAINER} nvidia-smi; the host's NVIDIA container toolkit), that the model fits in GPU memory (a smaller quantization, a shorter rag-stack:ollama.contextLength, fewer numParallel), or set rag-stack:ollama.accelerator: cpu to accept CPU speed knowingly"
        fi
        echo "gpu: ${ACCELERATOR}: the whole model is on the GPU"
        ;;
    *) echo "gpu: accelerator ${ACCELERATOR}: reported only, not enforced" ;;
esac
