#!/bin/sh
# Makes sure the model store directory of a dev container placement exists on this machine before
# Docker binds it. The model volume is a local bind (driver local, type none, o bind): Docker mounts
# its device when the container starts, and a missing directory fails that start ("failed to mount
# local volume ... no such file or directory"); Docker Desktop creates nothing for it either. A
# Mac that never ran native Ollama has no ~/.ollama/models yet. Creates it (and its parents), or
# leaves an existing one as it is; never deletes anything.
#
# Environment:
#   RAG_MODELS_DIR  the directory (absolute path)
# Exit codes: 0 the directory exists; 2 bad environment, or the path exists and is not a directory,
#   or it cannot be created (the reason is printed).
set -eu

: "${RAG_MODELS_DIR:?RAG_MODELS_DIR must be the model store directory}"
case "$RAG_MODELS_DIR" in
    /*) ;;
    *) echo "models: ${RAG_MODELS_DIR} is not an absolute path; set rag-stack:ollama.modelsDir to one" >&2; exit 2 ;;
esac
if [ -d "$RAG_MODELS_DIR" ]; then
    echo "models: ${RAG_MODELS_DIR} exists; the Ollama container mounts it"
    exit 0
fi
if [ -e "$RAG_MODELS_DIR" ]; then
    echo "models: ${RAG_MODELS_DIR} exists but is not a directory; move it away or set rag-stack:ollama.modelsDir to a directory" >&2
    exit 2
fi
if ! out=$(mkdir -p "$RAG_MODELS_DIR" 2>&1); then
    echo "models: cannot create ${RAG_MODELS_DIR}: ${out}; create it yourself or set rag-stack:ollama.modelsDir to a directory you can write" >&2
    exit 2
fi
echo "models: created ${RAG_MODELS_DIR}; the Ollama container mounts it as its model store"
