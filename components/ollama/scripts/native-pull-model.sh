#!/bin/sh
# Makes the configured model available on the native Ollama server: skipped when /api/tags
# already lists it, otherwise pulled through /api/pull with progress lines in the Pulumi log.
# Never deletes a model.
#
# Environment:
#   OLLAMA_URL    base URL of the server from this machine (http://<address>:<port>)
#   OLLAMA_MODEL  model to make available, name:tag
# Exit codes: 0 present or pulled; 2 bad environment or missing tool; 6 the server is unreachable
#   or the pull failed (Ollama's own message is printed).
set -eu

# shellcheck source-path=SCRIPTDIR
# shellcheck source=native-lib.sh
. "$(dirname "$0")/native-lib.sh"

: "${OLLAMA_URL:?OLLAMA_URL must be the base URL of the server}"
: "${OLLAMA_MODEL:?OLLAMA_MODEL must name the model (name:tag)}"
need_tool curl "install curl; the scripts use it to talk to Ollama"

say "model: checking ${OLLAMA_MODEL} on ${OLLAMA_URL}"
tags=$(ollama_curl -sS --connect-timeout 5 --max-time 30 "$OLLAMA_URL/api/tags" 2>&1) ||
    die 6 "model: cannot list models on ${OLLAMA_URL} (${tags}); is the server running? pulumi up starts it"
if printf '%s' "$tags" | grep -Fq "\"name\":\"${OLLAMA_MODEL}\""; then
    say "model: ${OLLAMA_MODEL} already present, nothing to pull"
    exit 0
fi

say "model: pulling ${OLLAMA_MODEL} (a large model takes minutes; progress follows)"
error_file=$(mktemp)
trap 'rm -f "$error_file"' EXIT
# Ollama streams one JSON object per line: {"status"}, {"status","digest","total","completed"},
# and finally {"status":"success"} or {"error"}. Print status changes and every 10% of a layer.
pull_status=0
{
    ollama_curl -sS -N --connect-timeout 5 -X POST -H 'Content-Type: application/json' \
        -d "{\"model\":\"${OLLAMA_MODEL}\",\"stream\":true}" "$OLLAMA_URL/api/pull" 2>&1 || echo "@curl-failed"
} | awk -v errfile="$error_file" '
    function field(name,   re) {
        re = "\"" name "\":\"([^\"\\\\]|\\\\.)*\""
        if (match($0, re)) return substr($0, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
        return ""
    }
    function number(name) {
        if (match($0, "\"" name "\":[0-9]+")) return substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 3) + 0
        return -1
    }
    /^@curl-failed/ { if (!failed) { print "connection to Ollama lost during the pull" > errfile; failed = 1 }; next }
    /"error":/ { print field("error") > errfile; failed = 1; next }
    !/^\{/ { if (!failed) { print $0 > errfile; failed = 1 }; next }
    {
        status = field("status"); total = number("total"); done = number("completed")
        if (status == "success") ok = 1
        if (total > 0) {
            pct = int((done < 0 ? 0 : done) * 100 / total); step = int(pct / 10)
            if (status != last || step != laststep) {
                printf "ollama-native: model: %s %d%% (%.1f of %.1f GB)\n", status, pct, (done < 0 ? 0 : done) / 1e9, total / 1e9
                fflush()
            }
            last = status; laststep = step
        } else if (status != last) {
            printf "ollama-native: model: %s\n", status
            fflush()
            last = status; laststep = -1
        }
    }
    END { exit failed ? 1 : (ok ? 0 : 1) }
' || pull_status=$?

if [ "$pull_status" -ne 0 ]; then
    message=$(sed 's/\\"/"/g' "$error_file")
    die 6 "model: pulling ${OLLAMA_MODEL} failed: ${message:-the stream ended without success}. Check the name and tag on https://ollama.com/library and this machine's network, then run pulumi up again"
fi
if ! ollama_curl -sS --max-time 30 "$OLLAMA_URL/api/tags" | grep -Fq "\"name\":\"${OLLAMA_MODEL}\""; then
    die 6 "model: the pull of ${OLLAMA_MODEL} reported success but /api/tags does not list it; look at the server log"
fi
say "model: ${OLLAMA_MODEL} pulled"
