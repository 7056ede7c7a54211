# The disk part and the activity record of the health answer (sourced by healthz.sh, which sets
# DISK_DIRS, DISK_MAX, ACTIVITY_LOG, ACTIVITY_TAIL and work, and defines json_str and part). In the
# installed script this file is inlined in place of its `.` line (components/health/responder.ts
# healthScript), so the responder still runs one file.
# shellcheck shell=sh disable=SC2154
# gb BYTES: bytes as GB with one decimal.
gb() {
    awk -v b="$1" 'BEGIN { printf "%.1f GB", b / 1e9 }'
}

check_disk() {
    out=$1
    if [ -z "$DISK_DIRS" ]; then
        part "$out" true "no data volume is measured on this deployment" '"enabled":false'
        return 0
    fi
    volumes=""
    bad=""
    fine=""
    for pair in $DISK_DIRS; do
        name=${pair%%=*}
        dir=${pair#*=}
        # df -P: "Filesystem 1024-blocks Used Available Capacity Mounted-on", one line per filesystem.
        line=$(df -P "$dir" 2>/dev/null | awk 'NR == 2 && $5 ~ /^[0-9]+%$/ { sub(/%$/, "", $5); print $2, $4, $5 }')
        if [ -z "$line" ]; then
            bad="$bad${bad:+; }the $name volume cannot be measured (df -P $dir answered nothing)"
            volumes="$volumes${volumes:+,}{\"name\":$(json_str "$name"),\"usedPercent\":null,\"freeBytes\":null,\"sizeBytes\":null}"
            continue
        fi
        size=$((${line%% *} * 1024))
        rest=${line#* }
        free=$((${rest%% *} * 1024))
        pct=${rest#* }
        volumes="$volumes${volumes:+,}{\"name\":$(json_str "$name"),\"usedPercent\":$pct,\"freeBytes\":$free,\"sizeBytes\":$size}"
        if [ "$pct" -gt "$DISK_MAX" ]; then
            bad="$bad${bad:+; }the $name volume is ${pct}% full ($(gb "$free") free of $(gb "$size")): grow it (its size in the stack file, then up) or free space"
        else
            fine="$fine${fine:+, }$name ${pct}%"
        fi
    done
    extra="\"enabled\":true,\"maxPercent\":$DISK_MAX,\"volumes\":[$volumes]"
    if [ -n "$bad" ]; then
        part "$out" false "$bad" "$extra"
    else
        part "$out" true "every data volume is at most ${DISK_MAX}% full ($fine)" "$extra"
    fi
}

# iso_of EPOCH: the time as UTC ISO 8601 ("" when date cannot read it).
iso_of() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || true; }

# ts_of: the whole seconds of the "ts" of the log line on stdin ("" when it has none).
ts_of() { sed -n 's/.*"ts":\([0-9][0-9]*\).*/\1/p' | head -n 1; }

# activity_unknown OUT REASON: the last request is unknown (parking treats that as active).
activity_unknown() { printf 'null\n{"known":false,"since":null,"reason":%s}\n' "$(json_str "$2")" >"$1"; }

# check_activity OUT: two lines into OUT: lastOllamaRequestAt (a JSON string or null), then the
# activity object. Bounded: only the last ACTIVITY_TAIL bytes are read; a first line cut by that
# window and a last line still being written (no closing brace) are left out.
check_activity() {
    out=$1
    if [ -z "$ACTIVITY_LOG" ]; then
        activity_unknown "$out" "no activity log on this deployment: the last request that used Ollama is unknown"
        return 0
    fi
    if [ ! -e "$ACTIVITY_LOG" ]; then
        activity_unknown "$out" "the front door has not written its activity log yet ($ACTIVITY_LOG is missing)"
        return 0
    fi
    if ! size=$(wc -c <"$ACTIVITY_LOG" 2>/dev/null) || ! tail -c "$ACTIVITY_TAIL" "$ACTIVITY_LOG" >"$work/activity.raw" 2>/dev/null; then
        activity_unknown "$out" "the activity log $ACTIVITY_LOG cannot be read"
        return 0
    fi
    if [ "$size" -gt "$ACTIVITY_TAIL" ]; then skip=1; else skip=0; fi
    awk -v skip="$skip" 'NR > skip && /}$/' "$work/activity.raw" >"$work/activity.lines"
    if [ -s "$work/activity.lines" ]; then
        since_epoch=$(head -n 1 "$work/activity.lines" | ts_of)
    elif [ "$size" -eq 0 ]; then
        # An empty log: nothing since the door opened it (its modification time).
        since_epoch=$(stat -c %Y "$ACTIVITY_LOG" 2>/dev/null || true)
    else
        since_epoch=""
    fi
    since=$( [ -z "$since_epoch" ] || iso_of "$since_epoch")
    if [ -z "$since" ]; then
        activity_unknown "$out" "the activity log $ACTIVITY_LOG has no readable time in its last $ACTIVITY_TAIL bytes"
        return 0
    fi
    last_epoch=$(grep -F '"tls":{' "$work/activity.lines" | tail -n 1 | ts_of)
    last=$( [ -z "$last_epoch" ] || iso_of "$last_epoch")
    if [ -n "$last" ]; then
        printf '%s\n{"known":true,"since":"%s","reason":%s}\n' "\"$last\"" "$since" \
            "$(json_str "the last request that used Ollama was at $last")" >"$out"
    else
        printf 'null\n{"known":true,"since":"%s","reason":%s}\n' "$since" \
            "$(json_str "no request used Ollama since $since (the oldest time the log's end holds, or when the door opened it)")" >"$out"
    fi
}
