#!/bin/sh
# Capacity check at deploy, after the model is pulled: the model's real geometry from Ollama
# (/api/show model_info: <arch>.block_count, .attention.head_count_kv, .attention.head_count,
# .embedding_length, .attention.key_length, .context_length), its real weight size (/api/tags), and
# the GPU's real memory (nvidia-smi memory.total; on a Mac the configured value). The arithmetic is
# the validation's (components/capacity/budget.ts):
#   weights + numParallel x min(context, model's limit) x 2 x layers x kvHeads x headDim x bytes/element + overhead
# and a budget above the memory fails with that arithmetic, before the warm-up spills to the CPU.
#
# Environment:
#   OLLAMA_MODEL                 model, name:tag
#   OLLAMA_URL                   base URL of the server from here (native placement; uses curl), or
#   OLLAMA_CONTAINER             the Ollama container (container placement; uses docker exec: ollama list,
#                                ollama show --verbose, nvidia-smi); DOCKER_HOST as docker takes it
#   RAG_OLLAMA_ACCELERATOR       metal | nvidia | cpu (cpu: nothing to check)
#   RAG_NUM_PARALLEL             OLLAMA_NUM_PARALLEL, optional (Ollama 0.12.6 default 1)
#   RAG_CONTEXT_LENGTH           OLLAMA_CONTEXT_LENGTH, optional (default 4096)
#   RAG_KV_CACHE_TYPE            f16 | q8_0 | q4_0, optional (default f16)
#   RAG_GPU_MEMORY_GIB           GiB the GPU may use (a Mac's Metal working set); nvidia-smi wins when it answers
#   RAG_CAPACITY_OVERHEAD_BYTES  compute graph + runtime context, from budget.ts
# Prints "@ollama capacity=fits|too-big|unknown" and "@ollama budget=<arithmetic>".
# Exit codes: 0 fits, or not checkable (said why); 2 bad environment or missing tool; 6 does not fit,
# or Ollama could not describe the model.
set -eu

# Docker Desktop's CLI may be only in /usr/local/bin or ~/.docker/bin (or its app bundle), which a
# session started from the Dock, an IDE or a launcher lacks (docker/for-mac#6793): searched last.
PATH="${PATH:-/usr/bin:/bin}:${HOME:-/nonexistent}/.docker/bin:/usr/local/bin:/Applications/Docker.app/Contents/Resources/bin"
export PATH

: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"
ACCELERATOR=${RAG_OLLAMA_ACCELERATOR:-cpu}
NUM_PARALLEL=${RAG_NUM_PARALLEL:-1}
CONTEXT_LENGTH=${RAG_CONTEXT_LENGTH:-4096}
KV_CACHE_TYPE=${RAG_KV_CACHE_TYPE:-f16}
OVERHEAD=${RAG_CAPACITY_OVERHEAD_BYTES:-1073741824}

say() { printf 'capacity: %s\n' "$*"; }
die() {
    code=$1
    shift
    printf 'capacity: %s\n' "$*" >&2
    exit "$code"
}
result() { printf '@ollama %s=%s\n' "$1" "$2"; }
need_tool() { command -v "$1" >/dev/null 2>&1 || die 2 "$1 is not installed; $2"; }

case "$NUM_PARALLEL:$CONTEXT_LENGTH" in
    *[!0-9:]* | :* | *:) die 2 "RAG_NUM_PARALLEL and RAG_CONTEXT_LENGTH must be whole numbers (got ${NUM_PARALLEL}, ${CONTEXT_LENGTH})" ;;
esac
case "$KV_CACHE_TYPE" in
    f16) kv_element=2 ;;
    q8_0) kv_element=1.0625 ;;
    q4_0) kv_element=0.5625 ;;
    *) die 2 "RAG_KV_CACHE_TYPE ${KV_CACHE_TYPE}: use f16, q8_0 or q4_0" ;;
esac

if [ "$ACCELERATOR" = cpu ]; then
    say "accelerator cpu: the model runs from system memory by choice; nothing to check"
    result capacity unknown
    exit 0
fi

# --- the model: weight bytes and model_info as "key value" lines
if [ -n "${OLLAMA_CONTAINER:-}" ]; then
    need_tool docker "the container placement reads the model through docker exec"
    listing=$(docker exec "$OLLAMA_CONTAINER" ollama list 2>&1) || die 6 "cannot list models in ${OLLAMA_CONTAINER}: ${listing}"
    # `ollama list`: NAME ID SIZE MODIFIED, SIZE as "8.1 GB" (decimal units).
    weights=$(printf '%s\n' "$listing" | awk -v model="$OLLAMA_MODEL" 'NR > 1 && $1 == model {
        u = $4; f = (u == "TB") ? 1e12 : (u == "GB") ? 1e9 : (u == "MB") ? 1e6 : (u == "KB") ? 1e3 : 1
        printf "%.0f\n", $3 * f; exit }')
    shown=$(docker exec "$OLLAMA_CONTAINER" ollama show --verbose "$OLLAMA_MODEL" 2>&1) ||
        die 6 "ollama show ${OLLAMA_MODEL} failed in ${OLLAMA_CONTAINER}: ${shown}"
    # The Metadata section: indented "key   value" rows, one per model_info key.
    info=$(printf '%s\n' "$shown" | awk '/^  Metadata/ { on = 1; next } /^  [A-Z]/ { on = 0 } on && NF >= 2 { print $1, $2 }')
else
    : "${OLLAMA_URL:?set OLLAMA_URL (native placement) or OLLAMA_CONTAINER (container placement)}"
    need_tool curl "the native placement reads the model with curl"
    # The server is on this machine: never through an exported http_proxy (curl sends every host
    # not in NO_PROXY through it, loopback included: everything.curl.dev/usingcurl/proxies/env).
    tags=$(curl --noproxy '*' -sS --connect-timeout 5 --max-time 30 "$OLLAMA_URL/api/tags" 2>&1) || die 6 "cannot read ${OLLAMA_URL}/api/tags: ${tags}"
    weights=$(printf '%s' "$tags" | awk -v model="$OLLAMA_MODEL" '{
        n = split($0, parts, "\"name\":\"")
        for (i = 2; i <= n; i++) {
            if (index(parts[i], model "\"") != 1) continue
            if (match(parts[i], "\"size\":[0-9]+")) print substr(parts[i], RSTART + 7, RLENGTH - 7)
            exit
        }
    }')
    shown=$(curl --noproxy '*' -sS --connect-timeout 5 --max-time 60 -X POST -H 'Content-Type: application/json' \
        -d "{\"model\":\"${OLLAMA_MODEL}\"}" "$OLLAMA_URL/api/show" 2>&1) || die 6 "cannot read ${OLLAMA_URL}/api/show: ${shown}"
    case "$shown" in
        *'"error"'*) die 6 "Ollama could not describe ${OLLAMA_MODEL}: ${shown}" ;;
    esac
    # model_info's scalar entries as "key value" lines ("general.architecture":"qwen2" -> general.architecture qwen2).
    # Go's encoding/json sorts map keys, so `<arch>.*` comes before tokenizer.* (whose chat template may hold "}").
    info=$(printf '%s' "$shown" | sed -n 's/.*"model_info":{\([^}]*\)}.*/\1/p' | tr ',' '\n' |
        sed -n 's/^"\([^"]*\)":"\{0,1\}\([^"]*\)"\{0,1\}$/\1 \2/p')
fi
case "$weights" in
    '' | *[!0-9]*) die 6 "${OLLAMA_MODEL} is not among the models Ollama lists; was it pulled?" ;;
esac

# One value; `ollama show` prints large numbers as Go's %g does (1.048576e+06): read back as integers.
value() {
    printf '%s\n' "$info" | awk -v k="$1" '$1 == k {
        v = $2
        if (v ~ /^[0-9.]+e[+-]?[0-9]+$/) v = sprintf("%.0f", v + 0)
        print v
        exit
    }'
}
arch=$(value general.architecture)
[ -n "$arch" ] || die 6 "Ollama's description of ${OLLAMA_MODEL} has no general.architecture; cannot read its geometry"
layers=$(value "${arch}.block_count")
heads=$(value "${arch}.attention.head_count")
kv_heads=$(value "${arch}.attention.head_count_kv")
embedding=$(value "${arch}.embedding_length")
key_length=$(value "${arch}.attention.key_length")
model_context=$(value "${arch}.context_length")
is_int() { case "$1" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
# Without grouped KV heads (older and BERT-style models) every head has its own K and V.
is_int "$kv_heads" || kv_heads=$heads
if is_int "$key_length"; then head_dim=$key_length
elif is_int "$embedding" && is_int "$heads" && [ "$heads" -gt 0 ]; then head_dim=$((embedding / heads))
else head_dim=""; fi
if ! is_int "$layers" || ! is_int "$kv_heads" || ! is_int "$head_dim"; then
    say "${OLLAMA_MODEL} (${arch}): Ollama does not give layers, KV heads and head size in a form this check reads; not checked (the GPU check still is)"
    result capacity unknown
    exit 0
fi
is_int "$model_context" || model_context=$CONTEXT_LENGTH
say "${OLLAMA_MODEL}: ${arch}, ${layers} layers, ${kv_heads} KV heads of ${head_dim}, context up to ${model_context}, ${weights} bytes of weights"

# --- the GPU's memory
memory=""
source=""
if [ "$ACCELERATOR" = nvidia ]; then
    if [ -n "${OLLAMA_CONTAINER:-}" ]; then
        smi=$(docker exec "$OLLAMA_CONTAINER" nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2>&1) || smi=""
    else
        smi=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2>&1) || smi=""
    fi
    mib=$(printf '%s\n' "$smi" | awk '$1 ~ /^[0-9]+$/ { total += $1; n++ } END { if (n) print total, n }')
    if [ -n "$mib" ]; then
        memory=$(awk -v m="${mib% *}" 'BEGIN { printf "%.0f\n", m * 1048576 }')
        source="nvidia-smi: ${mib#* } GPU(s), ${mib% *} MiB"
    fi
fi
if [ -z "$memory" ] && [ -n "${RAG_GPU_MEMORY_GIB:-}" ]; then
    memory=$(awk -v g="$RAG_GPU_MEMORY_GIB" 'BEGIN { printf "%.0f\n", g * 1073741824 }')
    source="rag-stack:ollama.gpuMemoryGb ${RAG_GPU_MEMORY_GIB} GiB"
fi

# --- the arithmetic, as budget.ts formats it
budget=$(awk -v w="$weights" -v p="$NUM_PARALLEL" -v c="$CONTEXT_LENGTH" -v limit="$model_context" \
    -v l="$layers" -v kvh="$kv_heads" -v hd="$head_dim" -v e="$kv_element" -v t="$KV_CACHE_TYPE" -v o="$OVERHEAD" 'BEGIN {
    ctx = (c > limit) ? limit : c
    per = 2 * l * kvh * hd * e
    kv = p * ctx * per
    total = w + kv + o
    k = per / 1024
    ks = (k == int(k)) ? sprintf("%d", k) : sprintf("%.1f", k)
    capped = (c > limit) ? sprintf(" (context %d capped at the model'"'"'s %d)", c, limit) : ""
    printf "%.0f %.1f GB weights + %d × %d × %s KiB = %.1f GB KV (%s)%s + %.1f GB overhead = %.1f GB\n", total, w / 1e9, p, ctx, ks, kv / 1e9, t, capped, o / 1e9, total / 1e9
}')
total=${budget%% *}
arithmetic=${budget#* }
result budget "$arithmetic"
if [ -z "$memory" ]; then
    say "${arithmetic}; GPU memory unknown (set rag-stack:ollama.gpuMemoryGb to check it), not checked"
    result capacity unknown
    exit 0
fi
usable=$(awk -v m="$memory" 'BEGIN { printf "%.1f GB", m / 1e9 }')
if awk -v t="$total" -v m="$memory" 'BEGIN { exit !(t > m) }'; then
    result capacity too-big
    die 6 "rag-stack:ollama: ${OLLAMA_MODEL} with numParallel ${NUM_PARALLEL} and contextLength ${CONTEXT_LENGTH} does not fit the GPU: ${arithmetic} > ${usable} usable (${source}). Ollama would put layers on the CPU and answer at CPU speed. Lower rag-stack:ollama.numParallel or contextLength, set kvCacheType q8_0 with flashAttention: true, pick a smaller quantization, or a GPU with more memory"
fi
say "${arithmetic} <= ${usable} usable (${source}): fits"
result capacity fits
