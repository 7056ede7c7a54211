#!/bin/sh
# The deployment's health answer: a CGI script that busybox httpd runs for each request the front
# door (Caddy) sends to `/healthz`. It answers 200 only when every part is well, otherwise 503, with
# a short JSON body saying which part failed and why (components/health/contract.ts documents it):
#   backend   the backend's own health path answers 2xx;
#   gpu       every configured model sits 100% in GPU memory on every Ollama server listed
#             (/api/ps: size_vram == size). A model that is not loaded (its keep-alive expired on
#             an idle night) is well when the server still has it on disk (/api/tags): the GPU is
#             then proved by the Ollama container's own health check (`nvidia-smi -L`), which the
#             watchdog heals and gives up on; a model loaded partly on the CPU fails at once;
#   watchdog  the GPU watchdog has not given up (WATCHDOG_DIR/gave-up absent);
#   backup    the last good backup (BACKUP_STATUS_DIR/last-success.json, finishedEpoch) is younger
#             than the limit; "no backup yet" when the file is missing;
#   disk      every data volume listed is at most HEALTH_DISK_MAX_PERCENT full (`df -P` of a directory
#             on it, mounted read-only: an empty one, so none of the volume's data is visible here).
# Beside them (never a failure): lastOllamaRequestAt, the last TLS line of the front door's activity
# log (components/health/activity-log.ts), and `activity`: known or not, and `since`, the oldest
# time the log's end covers. Only the last HEALTH_ACTIVITY_TAIL_BYTES of the file are read.
# It never asks Ollama to generate, embed or load anything: only GET /api/ps and GET /api/tags,
# which read the server's state. Every call is bounded by HEALTH_TIMEOUT_SECONDS, the calls run in
# parallel, and the answer is cached for HEALTH_CACHE_SECONDS: a flood of probes costs one round of
# checks per period and a `cat` per probe. One refresh at a time (a lock directory); the others
# serve the previous answer while it is recent, or wait for the refresh (bounded).
#
# It runs in the responder container (busybox: sh, wget, awk, grep, timeout, date, stat), not on
# a Mac or a host; the CGI output is "Status:", headers, a blank line, the body (CRLF headers).
# Nothing of the request is read: busybox httpd passes request headers as HTTP_<NAME> variables
# (networking/httpd.c), which can never set a HEALTH_* variable or PATH.
#
# Environment:
#   HEALTH_BACKEND_URL        the backend's health URL on the app network (required)
#   HEALTH_OLLAMA_URLS        base URLs of the Ollama servers, space-separated: every one must have
#                             every model on its GPU (required)
#   HEALTH_MODELS             models that must be on the GPU, space-separated, name[:tag] (required)
#   HEALTH_WATCHDOG_DIR       the GPU watchdog's state directory, mounted read-only (unset: no
#                             watchdog on this deployment, the part is reported as not used)
#   HEALTH_BACKUP_STATUS_DIR  the backup job's status directory, mounted read-only (unset: backups
#                             are not set up, the part is reported as not used)
#   HEALTH_BACKUP_MAX_AGE_SECONDS  age above which the last good backup fails the check (default 93600, 26 h)
#   HEALTH_DISK_DIRS          the data volumes to measure, space-separated NAME=DIR (DIR a directory on
#                             the volume, mounted read-only); unset: the part is reported as not used
#   HEALTH_DISK_MAX_PERCENT   per cent in use above which a volume fails the check (default 90)
#   HEALTH_ACTIVITY_LOG       the front door's activity log, mounted read-only (unset: no log on this
#                             deployment, the last request is reported as unknown)
#   HEALTH_ACTIVITY_TAIL_BYTES  how much of the log's end is read (default 262144)
#   HEALTH_CACHE_SECONDS      how long an answer is served again without checking (default 5)
#   HEALTH_TIMEOUT_SECONDS    limit of each HTTP call (default 3)
#   HEALTH_CACHE_DIR          where the cached answer and the lock live (default /tmp/rag-stack-health)
# Exit codes: 0 an answer was written (200 or 503, healthy or not); 2 bad environment (a 503
# saying so was written).
set -eu

CACHE_DIR=${HEALTH_CACHE_DIR:-/tmp/rag-stack-health}
CACHE_SECONDS=${HEALTH_CACHE_SECONDS:-5}
TIMEOUT=${HEALTH_TIMEOUT_SECONDS:-3}
BACKUP_MAX_AGE=${HEALTH_BACKUP_MAX_AGE_SECONDS:-93600}
WATCHDOG_DIR=${HEALTH_WATCHDOG_DIR:-}
BACKUP_DIR=${HEALTH_BACKUP_STATUS_DIR:-}
DISK_DIRS=${HEALTH_DISK_DIRS:-}
DISK_MAX=${HEALTH_DISK_MAX_PERCENT:-90}
ACTIVITY_LOG=${HEALTH_ACTIVITY_LOG:-}
ACTIVITY_TAIL=${HEALTH_ACTIVITY_TAIL_BYTES:-262144}
CR=$(printf '\r')

# json_str TEXT: TEXT as a JSON string (backslashes, quotes and control characters made safe).
json_str() {
    printf '"%s"' "$(printf '%s' "$1" | tr '\n\r\t' '   ' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# respond CODE BODY: the CGI answer (status line, headers, blank line, body) on stdout.
respond() {
    case $1 in 200) text="200 OK" ;; *) text="503 Service Unavailable" ;; esac
    printf 'Status: %s%s\nContent-Type: application/json%s\nCache-Control: no-store%s\n%s\n%s\n' \
        "$text" "$CR" "$CR" "$CR" "$CR" "$2"
}

bad_env() {
    respond 503 "{\"status\":\"failing\",\"failed\":[\"responder\"],\"checks\":{\"responder\":{\"ok\":false,\"reason\":$(json_str "the health responder is misconfigured: $*")}},\"lastOllamaRequestAt\":null}"
    echo "healthz: $*" >&2
    exit 2
}

[ -n "${HEALTH_BACKEND_URL:-}" ] || bad_env "HEALTH_BACKEND_URL must name the backend's health URL"
[ -n "${HEALTH_OLLAMA_URLS:-}" ] || bad_env "HEALTH_OLLAMA_URLS must list the Ollama servers' base URLs"
[ -n "${HEALTH_MODELS:-}" ] || bad_env "HEALTH_MODELS must list the models that must be on the GPU"
for n in "$CACHE_SECONDS" "$TIMEOUT" "$BACKUP_MAX_AGE" "$DISK_MAX" "$ACTIVITY_TAIL"; do
    case $n in '' | *[!0-9]*) bad_env "HEALTH_CACHE_SECONDS, HEALTH_TIMEOUT_SECONDS, HEALTH_BACKUP_MAX_AGE_SECONDS, HEALTH_DISK_MAX_PERCENT and HEALTH_ACTIVITY_TAIL_BYTES must be whole numbers (got '$n')" ;; esac
done
for pair in $DISK_DIRS; do
    case $pair in [a-z]*=/*) ;; *) bad_env "HEALTH_DISK_DIRS must list NAME=/absolute/dir pairs (got '$pair')" ;; esac
done
[ "$TIMEOUT" -ge 1 ] || bad_env "HEALTH_TIMEOUT_SECONDS must be at least 1"

# http_get URL BODY_FILE: prints the HTTP status code ("" when nothing answered); the server's
# body goes to BODY_FILE, what wget said to BODY_FILE.err. Bounded by TIMEOUT (busybox wget has
# no read timeout of its own in every build: `timeout` stops it).
http_get() {
    rc=0
    timeout "$TIMEOUT" wget -q -S -O "$2" "$1" 2>"$2.err" || rc=$?
    echo "$rc" >"$2.rc"
    awk '$1 ~ /^HTTP\// { code = $2 } END { print code }' "$2.err"
}

# why_no_answer BODY_FILE: one short sentence: that the call was stopped at the timeout (timeout's
# 124, or 128 + TERM or KILL), or the last thing wget said.
why_no_answer() {
    case $(cat "$1.rc" 2>/dev/null) in
        124 | 143 | 137) printf 'no answer within %s s' "$TIMEOUT"; return 0 ;;
    esac
    said=$(grep -v '^ ' "$1.err" 2>/dev/null | tail -n 1 | sed -e 's/^wget: //')
    printf '%s' "${said:-no answer}"
}

# models_of JSON_FILE: "<index><TAB><key><TAB><value>" for every scalar member of every object of
# the top-level "models" array (the shape of /api/ps and /api/tags). A tokenizer (grep -o) and a
# small state machine over the tokens: nested objects (details) are skipped, strings stay escaped.
models_of() {
    grep -oE '"([^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null|[][{}:,]' "$1" 2>/dev/null | awk '
        { t = $0 }
        t == "{" || t == "[" {
            d++; ctype[d] = t; expectkey[d] = (t == "{")
            if (d == 3 && ctype[2] == "[" && key[1] == "\"models\"") idx++
            next
        }
        t == "}" || t == "]" { d--; next }
        t == "," { if (ctype[d] == "{") expectkey[d] = 1; next }
        t == ":" { next }
        {
            if (ctype[d] == "{" && expectkey[d]) { key[d] = t; expectkey[d] = 0; next }
            if (d == 3 && key[1] == "\"models\"" && ctype[3] == "{") {
                v = t
                if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
                print idx "\t" substr(key[3], 2, length(key[3]) - 2) "\t" v
            }
        }' || true
}

# field FLAT INDEX KEY: one value out of models_of's output.
field() {
    printf '%s\n' "$1" | awk -F '\t' -v i="$2" -v k="$3" '$1 == i && $2 == k { print $3; exit }'
}

# index_of FLAT MODEL: the index of the entry whose name (or model) is MODEL, "" when none.
index_of() {
    printf '%s\n' "$1" | awk -F '\t' -v m="$2" '($2 == "name" || $2 == "model") && $3 == m { print $1; exit }'
}

# full_name MODEL: name:tag as Ollama lists it (":latest" when no tag is given).
full_name() {
    case ${1##*/} in *:*) printf '%s' "$1" ;; *) printf '%s:latest' "$1" ;; esac
}

# server_label URL: the server's host name up to the first dot (ollama, ollama-0), or its address.
server_label() {
    h=${1#*://}
    h=${h%%[:/]*}
    case $h in *[!0-9.]*) h=${h%%.*} ;; esac
    printf '%s' "$h"
}

# part FILE OK REASON EXTRA: one part's JSON object into FILE (EXTRA: more members, or "").
part() {
    printf '{"ok":%s,"reason":%s%s}' "$2" "$(json_str "$3")" "${4:+,$4}" >"$1"
}

check_backend() {
    out=$1
    code=$(http_get "$HEALTH_BACKEND_URL" "$work/backend.body")
    case $code in
        2??) part "$out" true "the backend answers its health check (HTTP $code)" "\"httpStatus\":$code" ;;
        '') part "$out" false "the backend does not answer its health check: $(why_no_answer "$work/backend.body")" "\"httpStatus\":null" ;;
        *) part "$out" false "the backend's health check answers HTTP $code" "\"httpStatus\":$code" ;;
    esac
}

# gpu_line OK MODEL SERVER LOADED PERCENT SIZE VRAM REASON: one model on one server, as
# "<ok><TAB><reason><TAB><json>" (LOADED, PERCENT, SIZE, VRAM: JSON values, null when unknown).
gpu_line() {
    printf '%s\t%s\t{"model":%s,"server":%s,"loaded":%s,"gpuPercent":%s,"sizeBytes":%s,"vramBytes":%s,"reason":%s}\n' \
        "$1" "$8" "$(json_str "$2")" "$(json_str "$3")" "$4" "$5" "$6" "$7" "$(json_str "$8")"
}

# check_gpu_server URL N OUT: every model on the Ollama server at URL, one gpu_line each into OUT.
check_gpu_server() {
    url=${1%/}
    label=$(server_label "$url")
    : >"$3"
    code=$(http_get "$url/api/ps" "$work/ps.$2")
    if [ "$code" != 200 ]; then
        if [ -n "$code" ]; then said="/api/ps answers HTTP $code"; else said=$(why_no_answer "$work/ps.$2"); fi
        for m in $HEALTH_MODELS; do
            gpu_line false "$(full_name "$m")" "$label" null null null null "Ollama on $label does not answer: $said" >>"$3"
        done
        return 0
    fi
    ps=$(models_of "$work/ps.$2")
    tags=""
    tags_code=unread
    for m in $HEALTH_MODELS; do
        name=$(full_name "$m")
        i=$(index_of "$ps" "$name")
        if [ -n "$i" ]; then
            size=$(field "$ps" "$i" size)
            vram=$(field "$ps" "$i" size_vram)
            case "$size" in '' | *[!0-9]*) size=0 ;; esac
            case "$vram" in '' | *[!0-9]*) size=0 ;; esac
            if [ "$size" -eq 0 ]; then
                gpu_line false "$name" "$label" true null null null "$name on $label: /api/ps gives no usable size and size_vram" >>"$3"
            elif [ "$vram" -ge "$size" ]; then
                gpu_line true "$name" "$label" true 100 "$size" "$vram" "$name on $label: 100% on the GPU" >>"$3"
            else
                pct=$((vram * 100 / size))
                gpu_line false "$name" "$label" true "$pct" "$size" "$vram" \
                    "$name on $label: only ${pct}% on the GPU, the rest runs on the CPU ($vram of $size bytes in GPU memory)" >>"$3"
            fi
            continue
        fi
        # Not loaded: an idle server unloads a model when its keep-alive expires. Well if the
        # server still has it (it loads again at the next request); a model that is gone is not.
        if [ "$tags_code" = unread ]; then
            tags_code=$(http_get "$url/api/tags" "$work/tags.$2")
            [ "$tags_code" != 200 ] || tags=$(models_of "$work/tags.$2")
        fi
        if [ "$tags_code" != 200 ]; then
            if [ -n "$tags_code" ]; then said="/api/tags answers HTTP $tags_code"; else said=$(why_no_answer "$work/tags.$2"); fi
            gpu_line false "$name" "$label" false null null null "$name on $label is not loaded and the server's models cannot be listed: $said" >>"$3"
        elif [ -n "$(index_of "$tags" "$name")" ]; then
            gpu_line true "$name" "$label" false null null null "$name on $label: idle, not loaded (keep-alive expired); it loads at the next request" >>"$3"
        else
            gpu_line false "$name" "$label" false null null null "$name is not on $label (not pulled, or removed)" >>"$3"
        fi
    done
}

check_gpu() {
    out=$1
    n=0
    for url in $HEALTH_OLLAMA_URLS; do
        n=$((n + 1))
        check_gpu_server "$url" "$n" "$work/gpu.$n" &
    done
    wait
    cat "$work"/gpu.[0-9]* >"$work/gpu.all" 2>/dev/null || true
    entries=$(cut -f 3- "$work/gpu.all" | paste -s -d , -)
    bad=$(awk -F '\t' '$1 != "true" { printf "%s%s", sep, $2; sep = "; " }' "$work/gpu.all")
    idle=$(grep -c '"loaded":false' "$work/gpu.all" || true)
    if [ -n "$bad" ]; then
        part "$out" false "$bad" "\"models\":[$entries]"
    elif [ ! -s "$work/gpu.all" ]; then
        part "$out" false "no Ollama server was checked" "\"models\":[]"
    elif [ "$idle" -gt 0 ]; then
        part "$out" true "every model is 100% on the GPU or idle on a server that has it ($idle idle)" "\"models\":[$entries]"
    else
        part "$out" true "every model is 100% on the GPU" "\"models\":[$entries]"
    fi
}

check_watchdog() {
    out=$1
    if [ -z "$WATCHDOG_DIR" ]; then
        part "$out" true "no GPU watchdog on this deployment" '"enabled":false'
        return 0
    fi
    now=$(date +%s)
    heals=0
    if [ -r "$WATCHDOG_DIR/heals" ]; then
        heals=$(awk -v since=$((now - 3600)) '$1 ~ /^[0-9]+$/ && $1 >= since { n++ } END { print n + 0 }' "$WATCHDOG_DIR/heals")
    fi
    if [ -e "$WATCHDOG_DIR/gave-up" ]; then
        since=$(date -u -r "$WATCHDOG_DIR/gave-up" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)
        part "$out" false "the GPU watchdog gave up healing the Ollama container at $since: restarts did not bring the GPU back; a person must look (journalctl -t rag-stack-ollama-heal), then remove the gave-up file to resume healing" \
            "\"enabled\":true,\"gaveUpAt\":$(json_str "$since"),\"healsLastHour\":$heals"
    else
        part "$out" true "the GPU watchdog has not given up ($heals heals in the last hour)" "\"enabled\":true,\"gaveUpAt\":null,\"healsLastHour\":$heals"
    fi
}

check_backup() {
    out=$1
    if [ -z "$BACKUP_DIR" ]; then
        part "$out" true "backups are not set up on this deployment" '"enabled":false'
        return 0
    fi
    limit="\"maxAgeSeconds\":$BACKUP_MAX_AGE"
    last_run=null
    if [ -r "$BACKUP_DIR/last-run.json" ]; then
        result=$(sed -n 's/.*"result":"\([a-z]*\)".*/\1/p' "$BACKUP_DIR/last-run.json" | head -n 1)
        [ -z "$result" ] || last_run=$(json_str "$result")
    fi
    limit="$limit,\"lastRunResult\":$last_run"
    file="$BACKUP_DIR/last-success.json"
    if [ ! -e "$file" ]; then
        # A job installed less than one backup age ago has not had its first run: not a failure yet.
        installed=$(sed -n 's/.*"installedEpoch":\([0-9][0-9]*\).*/\1/p' "$BACKUP_DIR/installed.json" 2>/dev/null | head -n 1)
        if [ -n "$installed" ] && [ $(($(date +%s) - installed)) -le "$BACKUP_MAX_AGE" ]; then
            part "$out" true "no backup yet: the job was installed $((($(date +%s) - installed) / 3600)) h ago and its first run is due within $((BACKUP_MAX_AGE / 3600)) h of that" "\"enabled\":true,\"ageSeconds\":null,\"installedEpoch\":$installed,$limit"
            return 0
        fi
        part "$out" false "no backup yet: backups are on, and none has succeeded" "\"enabled\":true,\"ageSeconds\":null,$limit"
        return 0
    fi
    finished=$(sed -n 's/.*"finishedEpoch":\([0-9][0-9]*\).*/\1/p' "$file" 2>/dev/null | head -n 1)
    if [ -z "$finished" ]; then
        part "$out" false "$file cannot be read or has no finishedEpoch" "\"enabled\":true,\"ageSeconds\":null,$limit"
        return 0
    fi
    now=$(date +%s)
    age=$((now - finished))
    hours=$((age / 3600))
    if [ "$age" -lt -300 ]; then
        part "$out" false "the last good backup finished $((-age)) s in the future: check the clocks" "\"enabled\":true,\"ageSeconds\":$age,$limit"
    elif [ "$age" -gt "$BACKUP_MAX_AGE" ]; then
        part "$out" false "the last good backup is ${hours} h old (limit $((BACKUP_MAX_AGE / 3600)) h): backups have stopped working" "\"enabled\":true,\"ageSeconds\":$age,$limit"
    else
        part "$out" true "the last good backup is ${hours} h $(((age % 3600) / 60)) min old" "\"enabled\":true,\"ageSeconds\":$age,$limit"
    fi
}

# The disk part and the activity record (inlined here in the installed script).
# shellcheck source=healthz-disk-activity.sh
. "$(dirname "$0")/healthz-disk-activity.sh"

# refresh: every check in parallel, the answer assembled and cached.
refresh() {
    check_backend "$work/part.backend" &
    check_gpu "$work/part.gpu" &
    check_watchdog "$work/part.watchdog" &
    check_backup "$work/part.backup" &
    check_disk "$work/part.disk" &
    check_activity "$work/activity" &
    wait
    failed=""
    for p in backend gpu watchdog backup disk; do
        [ -s "$work/part.$p" ] || part "$work/part.$p" false "the $p check did not finish"
        grep -q '^{"ok":true' "$work/part.$p" || failed="$failed${failed:+,}\"$p\""
    done
    if [ -z "$failed" ]; then status=ok code=200; else status=failing code=503; fi
    body="{\"status\":\"$status\",\"failed\":[$failed],\"checkedAt\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"cacheSeconds\":$CACHE_SECONDS"
    body="$body,\"checks\":{\"backend\":$(cat "$work/part.backend"),\"gpu\":$(cat "$work/part.gpu"),\"watchdog\":$(cat "$work/part.watchdog"),\"backup\":$(cat "$work/part.backup"),\"disk\":$(cat "$work/part.disk")}"
    [ -s "$work/activity" ] || activity_unknown "$work/activity" "the activity check did not finish"
    body="$body,\"lastOllamaRequestAt\":$(sed -n 1p "$work/activity"),\"activity\":$(sed -n 2p "$work/activity")}"
    respond "$code" "$body" >"$work/answer"
    mv -f "$work/answer" "$CACHE_DIR/answer"
}

# age_of FILE: seconds since FILE changed (a large number when it does not exist).
age_of() {
    if m=$(stat -c %Y "$1" 2>/dev/null); then echo $(($(date +%s) - m)); else echo 999999; fi
}

mkdir -p "$CACHE_DIR" 2>/dev/null || bad_env "cannot create HEALTH_CACHE_DIR $CACHE_DIR"
answer="$CACHE_DIR/answer"
lock="$CACHE_DIR/lock"
# A refresh takes at most two rounds of calls (ps, then tags) plus the assembly.
refresh_limit=$((2 * TIMEOUT + 5))

if [ "$(age_of "$answer")" -lt "$CACHE_SECONDS" ]; then
    cat "$answer"
    exit 0
fi
# A lock older than a refresh can take was left by a refresh that was killed.
[ "$(age_of "$lock")" -le $((refresh_limit * 2)) ] || rmdir "$lock" 2>/dev/null || true
if mkdir "$lock" 2>/dev/null; then
    work=$(mktemp -d "$CACHE_DIR/run.XXXXXX")
    trap 'rm -rf "$work"; rmdir "$lock" 2>/dev/null || true' EXIT
    trap 'exit 1' INT TERM HUP
    refresh
    cat "$answer"
    exit 0
fi
# Another probe is refreshing: its predecessor's answer while recent, else wait for it (bounded).
if [ "$(age_of "$answer")" -lt $((CACHE_SECONDS + refresh_limit)) ]; then
    cat "$answer"
    exit 0
fi
waited=0
while [ -d "$lock" ] && [ "$waited" -lt "$refresh_limit" ]; do
    sleep 1
    waited=$((waited + 1))
done
if [ "$(age_of "$answer")" -lt $((CACHE_SECONDS + refresh_limit)) ]; then
    cat "$answer"
    exit 0
fi
respond 503 "{\"status\":\"failing\",\"failed\":[\"responder\"],\"checks\":{\"responder\":{\"ok\":false,\"reason\":\"another check is still running and has no answer yet\"}},\"lastOllamaRequestAt\":null}"
