#!/bin/sh
# Prints this machine's SSH host public keys, one `hostkey: <type> <base64>` line each. Run on the
# droplet over ssh by the stack (remote.Command, this script on stdin) after the readiness check,
# and again whenever the droplet is replaced: the Docker provider's ssh pins the key it reports
# (components/hosts/ssh-access.ts), so a new droplet behind the same reserved IP is trusted in the
# same `up` and nothing else is.
#
# Environment:
#   HOST_KEYS_DIR  directory holding ssh_host_*_key.pub (default /etc/ssh)
# Exit codes: 0 printed at least one key; 1 no readable host key (the message says where it looked).
set -eu

dir=${HOST_KEYS_DIR:-/etc/ssh}
found=0
for file in "$dir"/ssh_host_*_key.pub; do
    [ -r "$file" ] || continue
    read -r type key _rest <"$file" || continue
    if [ -z "$type" ] || [ -z "$key" ]; then continue; fi
    echo "hostkey: $type $key"
    found=1
done
if [ "$found" -ne 1 ]; then
    echo "host-keys: no readable ssh_host_*_key.pub in $dir; is sshd installed and has it generated its keys? (ssh-keygen -A)" >&2
    exit 1
fi
