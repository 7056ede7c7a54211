# shellcheck shell=sh disable=SC2034 # variables set here are used by the scripts that source this file
# Shared helpers of the Neo4j backup scripts (neo4j-backup.sh, neo4j-restore.sh,
# neo4j-restore-drill.sh). Sourced from the same directory, never run on its own; installed beside
# them. The sourcing script defines TAG (its message prefix) and fail CODE SENTENCE (prints the
# sentence and exits with CODE).
#
# Environment read here: BACKUP_CREDENTIALS_FILE, RESTIC_REPOSITORY, RESTIC_CACERT (see the scripts).
# Exit codes: none of its own (fail is the caller's).

say() { echo "$TAG: $*"; }
warn() { echo "$TAG: $*" >&2; }

now_iso() { date -u '+%Y-%m-%dT%H:%M:%SZ'; }
now_epoch() { date -u '+%s'; }
# Milliseconds since the epoch; GNU date knows %N, BSD date (macOS) prints it as "N": whole seconds then.
now_ms() {
    t=$(date '+%s%N')
    case $t in *[!0-9]*) echo $(($(date '+%s') * 1000)) ;; *) echo $((t / 1000000)) ;; esac
}
# seconds_between MS MS: seconds with one decimal.
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# A JSON string literal of $1 (backslash, quote, tab and newline escaped; other control bytes dropped).
json_str() {
    printf '%s' "$1" | LC_ALL=C tr -d '\000-\010\013\014\016-\037' | LC_ALL=C awk '
        BEGIN { ORS = ""; printf "\"" }
        { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, ""); if (NR > 1) printf "\\n"; printf "%s", $0 }
        END { printf "\"" }'
}
json_num_or_null() { case ${1:-} in '' | *[!0-9.]* | *.*.*) echo null ;; *) echo "$1" ;; esac; }
# json_field JSON KEY: a flat number or string field of a one-line JSON object (restic's output).
json_field() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" | head -n 1; }
# json_object_field JSON KEY: a flat {...} object field (no nested braces), or null.
json_object_field() {
    v=$(printf '%s\n' "$1" | sed -n "s/.*\"$2\":\({[^{}]*}\).*/\1/p" | head -n 1)
    echo "${v:-null}"
}

# write_status DIR FILE JSON: replaced atomically, readable by the health endpoint (no secrets in it).
write_status() {
    printf '%s\n' "$3" >"$1/.$2.tmp" && chmod 0644 "$1/.$2.tmp" && mv -f "$1/.$2.tmp" "$1/$2"
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d ' ' -f 1; else shasum -a 256 "$1" | cut -d ' ' -f 1; fi
}
file_bytes() { wc -c <"$1" | tr -d ' '; }
# Last lines of a file or a text, on one line, for a message.
tail_of() { tail -n "${2:-3}" "$1" 2>/dev/null | tr '\n' ' ' | sed 's/  */ /g; s/ $//'; }
last_lines() { printf '%s\n' "$1" | grep -v '^$' | grep -iv 'retrying after' | tail -n "${2:-2}" | tr '\n' ' ' | sed 's/  */ /g; s/ $//'; }

# ---- credentials and restic ----------------------------------------------------------------------
# read_credentials: checks BACKUP_CREDENTIALS_FILE (a regular file, owner-only mode, owned by this
# user) and reads its KEY=VALUE lines into restic_password, aws_key, aws_secret. Values are taken
# verbatim after the first '=' (no quotes, no expansion: the file is never sourced).
read_credentials() {
    f=$BACKUP_CREDENTIALS_FILE
    [ -f "$f" ] || fail 2 "the credentials file $f does not exist: it holds RESTIC_PASSWORD (and the S3 keys), mode 0600"
    # shellcheck disable=SC2012 # ls -ln is the portable way (GNU and BSD stat differ)
    mode=$(ls -ln "$f" | awk '{ print $1 }')
    # shellcheck disable=SC2012
    owner=$(ls -ln "$f" | awk '{ print $3 }')
    case $mode in -rw------- | -r-------- | -rw-------. | -r--------. | -rw-------@ | -r--------@) ;;
        *) fail 2 "the credentials file $f has mode $mode: it must be readable by its owner only (chmod 600 $f)" ;;
    esac
    [ "$owner" = "$(id -u)" ] || fail 2 "the credentials file $f belongs to uid $owner, not to the user running this (uid $(id -u)): chown $(id -u) $f"
    restic_password="" aws_key="" aws_secret="" line_no=0
    while IFS= read -r line || [ -n "$line" ]; do
        line_no=$((line_no + 1))
        line=$(printf '%s' "$line" | tr -d '\r')
        case $line in
            '' | '#'*) ;;
            RESTIC_PASSWORD=*) restic_password=${line#*=} ;;
            AWS_ACCESS_KEY_ID=*) aws_key=${line#*=} ;;
            AWS_SECRET_ACCESS_KEY=*) aws_secret=${line#*=} ;;
            *=*) fail 2 "the credentials file $f, line $line_no: unknown key ${line%%=*} (allowed: RESTIC_PASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)" ;;
            *) fail 2 "the credentials file $f, line $line_no is not KEY=VALUE" ;;
        esac
    done <"$f"
    [ -n "$restic_password" ] || fail 2 "the credentials file $f has no RESTIC_PASSWORD="
    case $RESTIC_REPOSITORY in
        s3:*) if [ -z "$aws_key" ] || [ -z "$aws_secret" ]; then fail 2 "the credentials file $f needs AWS_ACCESS_KEY_ID= and AWS_SECRET_ACCESS_KEY= for the S3 repository $RESTIC_REPOSITORY"; fi ;;
    esac
}

# restic with the repository and its secrets in its own environment only (a subshell that becomes
# restic: the secrets are never on a command line, never in docker's environment).
restic_env() {
    RESTIC_PASSWORD=$restic_password AWS_ACCESS_KEY_ID=$aws_key AWS_SECRET_ACCESS_KEY=$aws_secret
    export RESTIC_REPOSITORY RESTIC_PASSWORD AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}
restic_() (
    restic_env
    exec restic ${RESTIC_CACERT:+--cacert "$RESTIC_CACERT"} "$@"
)

# open_repository: fails (1) unless the repository opens with the password; nothing is created.
open_repository() {
    if ! out=$(restic_ cat config 2>&1 >/dev/null); then
        case $out in
            *"wrong password"*) fail 1 "the repository $RESTIC_REPOSITORY refuses the password in $BACKUP_CREDENTIALS_FILE (wrong password or no key found): put back the password it was created with" ;;
            *"Is there a repository"*) fail 1 "there is no readable repository at $RESTIC_REPOSITORY: $(last_lines "$out" 3)" ;;
            *) fail 1 "the repository $RESTIC_REPOSITORY cannot be opened: $(last_lines "$out" 3) (check the endpoint, the keys and the network)" ;;
        esac
    fi
}

# resolve_snapshot WANTED HOST TAG: sets snapshot_id (full), snapshot_time and snapshot_path (the
# dump directory it holds) for "latest" (of that host and tag) or an id or its prefix.
resolve_snapshot() {
    if [ "$1" = latest ]; then
        list=$(restic_ snapshots --json --host "$2" --tag "$3" --latest 1 2>&1) || fail 1 "listing the snapshots of $RESTIC_REPOSITORY failed: $(last_lines "$list")"
    else
        case $1 in *[!0-9a-f]*) fail 2 "RESTORE_SNAPSHOT must be latest or a snapshot id (hex), got '$1'" ;; esac
        list=$(restic_ snapshots --json "$1" 2>&1) || fail 1 "there is no snapshot $1 in $RESTIC_REPOSITORY: $(last_lines "$list") (list them: restic snapshots)"
    fi
    # One JSON array, oldest first; with --latest 1 (or an id) one snapshot. Fields are taken by
    # their keys, not by position (newer restic adds a nested "summary" object).
    snapshot_id=$(printf '%s\n' "$list" | grep -o '"id":"[0-9a-f]\{64\}"' | tail -n 1 | cut -d '"' -f 4)
    [ -n "$snapshot_id" ] || fail 1 "no snapshot of host $2 with tag $3 in $RESTIC_REPOSITORY (is this the right BACKUP_HOST? list them: restic snapshots)"
    snapshot_time=$(printf '%s\n' "$list" | grep -o '"time":"[^"]*"' | tail -n 1 | cut -d '"' -f 4)
    snapshot_path=$(printf '%s\n' "$list" | grep -o '"paths":\["[^"]*"' | tail -n 1 | cut -d '"' -f 4)
    [ -n "$snapshot_path" ] || fail 1 "snapshot $snapshot_id names no path: it was not made by the backup job"
}

# ---- Docker ---------------------------------------------------------------------------------------
# prepare_for_neo4j IMAGE DIR: hands the host directory DIR to the image's neo4j user, mode 0700
# (where the engine cannot chown a host directory, as Docker Desktop's file sharing may not, it
# is left as it is: there every container user may read it).
# The image's entrypoint runs neo4j-admin as that user and fixes only /data's ownership
# (neo4j/docker-neo4j, neo4j-5.26.26, docker-image-src/5/coredb/docker-entrypoint.sh), and dump
# directories must not be world-readable (operations manual 5.26, "Back up an offline database").
prepare_for_neo4j() {
    if ! out=$(docker run --rm --network none --user 0:0 --entrypoint sh -v "$2:/backups" "$1" \
        -c 'chown -R neo4j:neo4j /backups 2>/dev/null; chmod 0700 /backups 2>/dev/null; true' 2>&1); then
        fail 1 "handing $2 to the neo4j user of $1 failed: $out"
    fi
}

# container_auth CONTAINER: the container's NEO4J_AUTH (user/password, or none), as the official
# entrypoint reads it.
container_auth() {
    docker inspect --type container --format '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null |
        sed -n 's/^NEO4J_AUTH=//p' | head -n 1
}
# cypher CONTAINER AUTH STATEMENT: cypher-shell in the container; the password goes through the
# environment (NEO4J_USERNAME/NEO4J_PASSWORD, which cypher-shell reads), never a command line.
cypher() {
    if [ -z "$2" ] || [ "$2" = none ]; then
        docker exec "$1" cypher-shell --format plain "$3" 2>&1
    else
        c_user=${2%%/*}
        c_pass=${2#*/}
        c_pass=${c_pass%/[tT][rR][uU][eE]}
        NEO4J_USERNAME=$c_user NEO4J_PASSWORD=$c_pass docker exec -e NEO4J_USERNAME -e NEO4J_PASSWORD "$1" cypher-shell --format plain "$3" 2>&1
    fi
}
# count_of CONTAINER AUTH STATEMENT: the single number a count query returns.
count_of() {
    c_out=$(cypher "$1" "$2" "$3") || return 1
    c_n=$(printf '%s\n' "$c_out" | tail -n 1 | tr -d ' \r')
    case $c_n in '' | *[!0-9]*) return 1 ;; esac
    echo "$c_n"
}
# graph_counts CONTAINER AUTH: "nodes relationships", or fails.
graph_counts() {
    gc_nodes=$(count_of "$1" "$2" "MATCH (n) RETURN count(n)") || return 1
    gc_rels=$(count_of "$1" "$2" "MATCH ()-[r]->() RETURN count(r)") || return 1
    echo "$gc_nodes $gc_rels"
}
