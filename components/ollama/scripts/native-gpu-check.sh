#!/bin/sh
# GPU check of the native Ollama server: a warm-up request loads the model (an empty prompt, as
# Ollama's API documents for loading), then /api/ps says how much of it sits in VRAM. The share is
# printed as `ollama ps` prints it ("100% GPU", "100% CPU", "48%/52% CPU/GPU") and reported as
# "@ollama processor=...". With accelerator metal or nvidia, anything below 100% GPU fails.
#
# Environment:
#   OLLAMA_URL              base URL of the server from this machine
#   OLLAMA_MODEL            model to load, name:tag
#   RAG_OLLAMA_ACCELERATOR  metal | nvidia | cpu (cpu: report only)
#   RAG_OLLAMA_KEEP_ALIVE   keep_alive for the warm-up (the configured keepAlive), optional
# Exit codes: 0 checked; 2 bad environment or missing tool; 6 load failed or the model is not all on the GPU.
set -eu

# shellcheck source-path=SCRIPTDIR
# shellcheck source=native-lib.sh
. "$(dirname "$0")/native-lib.sh"

: "${OLLAMA_URL:?OLLAMA_URL must be the base URL of the server}"
: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"
ACCELERATOR=${RAG_OLLAMA_ACCELERATOR:-cpu}
need_tool curl "install curl; the scripts use it to talk to Ollama"

keep_alive=""
case "${RAG_OLLAMA_KEEP_ALIVE:-}" in
    '') ;;
    -1) keep_alive=',"keep_alive":-1' ;;
    *[!0-9]*) keep_alive=",\"keep_alive\":\"${RAG_OLLAMA_KEEP_ALIVE}\"" ;;
    *) keep_alive=",\"keep_alive\":${RAG_OLLAMA_KEEP_ALIVE}" ;;
esac

say "gpu: warm-up: loading ${OLLAMA_MODEL} on ${OLLAMA_URL}"
loaded=$(ollama_curl -sS --connect-timeout 5 --max-time 900 -X POST -H 'Content-Type: application/json' \
    -d "{\"model\":\"${OLLAMA_MODEL}\",\"prompt\":\"\",\"stream\":false${keep_alive}}" \
    "$OLLAMA_URL/api/generate" 2>&1) || die 6 "gpu: the warm-up request to ${OLLAMA_URL} failed (${loaded}); is the server running?"
case "$loaded" in
    *'"error"'*) die 6 "gpu: Ollama could not load ${OLLAMA_MODEL}: $(printf '%s' "$loaded" | sed -n 's/.*"error":"\(.*\)".*/\1/p' | sed 's/\\"/"/g')" ;;
esac

ps_json=$(ollama_curl -sS --connect-timeout 5 --max-time 30 "$OLLAMA_URL/api/ps" 2>&1) ||
    die 6 "gpu: cannot read ${OLLAMA_URL}/api/ps (${ps_json})"
# "size SIZE_VRAM" of the model's entry in {"models":[{"name":...,"size":N,...,"size_vram":M,...}]}.
sizes=$(printf '%s' "$ps_json" | awk -v model="$OLLAMA_MODEL" '
    {
        n = split($0, parts, "\"name\":\"")
        for (i = 2; i <= n; i++) {
            if (index(parts[i], model "\"") != 1) continue
            size = -1; vram = -1
            if (match(parts[i], "\"size\":[0-9]+")) size = substr(parts[i], RSTART + 7, RLENGTH - 7)
            if (match(parts[i], "\"size_vram\":[0-9]+")) vram = substr(parts[i], RSTART + 12, RLENGTH - 12)
            print size, vram
            exit
        }
    }')
size=${sizes% *}
size_vram=${sizes#* }
case "$size:$size_vram" in
    *[!0-9:]* | :* | *:) die 6 "gpu: ${OLLAMA_MODEL} is not in /api/ps after loading it; Ollama may have unloaded it at once (keepAlive 0?). /api/ps said: ${ps_json}" ;;
esac

# As `ollama ps` computes PROCESSOR (cmd/cmd.go).
processor=$(awk -v size="$size" -v vram="$size_vram" 'BEGIN {
    if (vram == 0) { print "100% CPU"; exit }
    if (vram == size) { print "100% GPU"; exit }
    if (vram > size || size == 0) { print "Unknown"; exit }
    cpu = int((size - vram) / size * 100 + 0.5)
    printf "%d%%/%d%% CPU/GPU\n", cpu, 100 - cpu
}')
say "gpu: ${OLLAMA_MODEL}: ${processor} (size_vram ${size_vram} of ${size} bytes)"
result processor "$processor"

case "$ACCELERATOR" in
    metal | nvidia)
        if [ "$size_vram" != "$size" ]; then
            die 6 "gpu: ${OLLAMA_MODEL} runs ${processor}, but rag-stack:ollama.accelerator is ${ACCELERATOR}, which needs 100% GPU. This is the trap of the original setup: Ollama in Docker on a Mac runs in a Linux VM without Metal and falls back to the CPU (0.5-0.7 tok/s). Check that the server on ${OLLAMA_URL} is the native one (not a container or another Ollama), that the model fits in GPU memory (a smaller quantization or a shorter rag-stack:ollama.contextLength), or set rag-stack:ollama.accelerator: cpu to accept CPU speed knowingly"
        fi
        say "gpu: ${ACCELERATOR}: the whole model is on the GPU"
        ;;
    *) say "gpu: accelerator ${ACCELERATOR}: reported only, not enforced" ;;
esac
