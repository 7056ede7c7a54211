#!/bin/sh
# Merges rag-stack's Docker daemon settings into daemon.json, keeping everything already there
# (the NVIDIA image's `runtimes.nvidia` entry and `default-runtime`, any other exec-opts). Run by
# the droplet's prepare script (cloud-init); it does not restart Docker: its last line says
# whether the file changed, and the caller restarts Docker when it did.
#
# The settings (gpu-watchdog/docker-daemon.json, installed as SETTINGS_JSON):
#   exec-opts native.cgroupdriver=cgroupfs: NVIDIA's documented workaround for containers that lose
#     their GPU ("Failed to initialize NVML: Unknown Error") when systemd re-applies the cgroup
#     device rules on `systemctl daemon-reload`:
#     https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html
#     ("Containers losing access to GPUs", Mitigations and Workarounds, first bullet). An existing
#     native.cgroupdriver option is replaced; other exec-opts stay.
#   log-driver json-file with log-opts max-size/max-file: rotated container logs, so a chatty
#     container cannot fill the disk (https://docs.docker.com/engine/logging/drivers/json-file/;
#     log-opts values are strings). When the file named another log driver, its log-opts are
#     dropped with it (they would be invalid for json-file).
#
# Environment:
#   DAEMON_JSON    the daemon's configuration file (default /etc/docker/daemon.json)
#   SETTINGS_JSON  rag-stack's settings to merge in (default /etc/rag-stack/docker-daemon.json)
# Output: progress lines; the last line is `daemon.json: changed` or `daemon.json: unchanged`.
# Exit codes: 0 merged (or nothing to change); 1 jq missing, an input that is not a JSON object,
# or the file could not be written (the existing file is left as it was); 2 bad environment.
set -eu

DAEMON_JSON=${DAEMON_JSON:-/etc/docker/daemon.json}
SETTINGS_JSON=${SETTINGS_JSON:-/etc/rag-stack/docker-daemon.json}

log() { echo "docker-daemon-config: $*"; }
fail() { echo "docker-daemon-config: $*" >&2; exit 1; }

[ -f "$SETTINGS_JSON" ] || { echo "docker-daemon-config: SETTINGS_JSON $SETTINGS_JSON does not exist" >&2; exit 2; }
command -v jq >/dev/null 2>&1 || fail "jq is not installed (apt-get install -y jq)"

current=$(mktemp)
merged=$(mktemp)
trap 'rm -f "$current" "$merged"' EXIT
if [ -s "$DAEMON_JSON" ]; then
    jq -e 'type == "object"' "$DAEMON_JSON" >/dev/null 2>&1 \
        || fail "$DAEMON_JSON is not a JSON object; fix or remove it, then run this again (it was not changed)"
    cp "$DAEMON_JSON" "$current"
else
    echo '{}' >"$current"
fi
jq -e 'type == "object"' "$SETTINGS_JSON" >/dev/null 2>&1 || fail "$SETTINGS_JSON is not a JSON object"

jq -S --slurpfile settings "$SETTINGS_JSON" '
    . as $old
    | $settings[0] as $new
    | ($old * ($new | del(."exec-opts")))
    | ."exec-opts" = ((($old."exec-opts" // []) | map(select(startswith("native.cgroupdriver=") | not)))
                      + ($new."exec-opts" // []))
    | if $new."log-driver" != null and ($old."log-driver" // $new."log-driver") != $new."log-driver"
      then ."log-opts" = $new."log-opts" else . end
' "$current" >"$merged" || fail "merging $SETTINGS_JSON into $DAEMON_JSON failed"

if [ "$(jq -S . "$current")" = "$(cat "$merged")" ]; then
    log "$DAEMON_JSON already has rag-stack's settings"
    echo "daemon.json: unchanged"
    exit 0
fi
mkdir -p "$(dirname "$DAEMON_JSON")"
if [ -s "$DAEMON_JSON" ] && [ ! -e "$DAEMON_JSON.before-rag-stack" ]; then
    cp -p "$DAEMON_JSON" "$DAEMON_JSON.before-rag-stack" || fail "cannot keep a copy of $DAEMON_JSON"
    log "kept the original as $DAEMON_JSON.before-rag-stack"
fi
cp "$merged" "$DAEMON_JSON.rag-stack-new" || fail "cannot write $DAEMON_JSON.rag-stack-new"
mv "$DAEMON_JSON.rag-stack-new" "$DAEMON_JSON" || fail "cannot replace $DAEMON_JSON"
log "merged rag-stack's settings into $DAEMON_JSON: $(jq -c '{"exec-opts", "log-driver", "log-opts"}' "$DAEMON_JSON")"
echo "daemon.json: changed"
