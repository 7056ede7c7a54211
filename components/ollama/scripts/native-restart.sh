#!/bin/sh
# Update of the native server: its settings changed, so stop what the previous start started
# (native-stop.sh, which reads PULUMI_COMMAND_STDOUT) and start again with the new settings
# (native-start.sh). Models are not touched.
#
# Environment: as native-start.sh and native-stop.sh.
# Exit codes: those of native-stop.sh, then those of native-start.sh.
set -eu

here=$(dirname "$0")
echo "ollama-native: restart: server settings changed; stopping the previous server, then starting"
sh "$here/native-stop.sh"
exec sh "$here/native-start.sh"
