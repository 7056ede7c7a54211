#!/bin/sh
# DigitalOcean's metrics agent (do-agent) on the GPU droplet, run on the droplet over ssh by the
# stack (remote.Command, this script on stdin) after the readiness check, once per droplet. The
# droplet's alert policies (disk, memory, load) see only what this agent reports.
# The droplet is created with `monitoring: true`, which has DigitalOcean install the agent at
# creation. This proves it runs; starts it when it is installed but stopped; and installs it when
# it is missing, from DigitalOcean's apt repository the way DigitalOcean's own installer does it
# (digitalocean/do-agent packaging/scripts/install.sh: the repository line signed by its key, then
# `apt-get install do-agent`, whose package enables the service). Its last line is the result:
# `metrics agent: running (...)` or `metrics agent: not running: <why>; <what to do>`.
# A missing agent costs the droplet's graphs and alert policies, not the app: it never fails the
# deployment, and verify shows the line.
#
# Environment:
#   AGENT_REPO         the repository (default https://repos.insights.digitalocean.com)
#   AGENT_SOURCES      the apt source file (default /etc/apt/sources.list.d/digitalocean-agent.list)
#   AGENT_KEYRING      the key it is signed by (default /usr/share/keyrings/digitalocean-agent-keyring.gpg)
#   APT_WAIT_SECONDS   how long to wait for another apt (unattended upgrades) to finish (default 300)
# Exit codes: 0 the state was found out (the last line says which); 2 bad environment.
set -eu

REPO=${AGENT_REPO:-https://repos.insights.digitalocean.com}
SOURCES=${AGENT_SOURCES:-/etc/apt/sources.list.d/digitalocean-agent.list}
KEYRING=${AGENT_KEYRING:-/usr/share/keyrings/digitalocean-agent-keyring.gpg}
APT_WAIT=${APT_WAIT_SECONDS:-300}
MANUAL="install it by hand: curl -sSL $REPO/install.sh | sudo bash"
case $APT_WAIT in '' | *[!0-9]*) echo "metrics-agent: APT_WAIT_SECONDS must be a whole number of seconds (got '$APT_WAIT')" >&2; exit 2 ;; esac

# running: prints the result line and exits when the service is active.
running() {
    if systemctl is-active --quiet do-agent 2>/dev/null; then
        version=$(dpkg-query -W -f '${Version}' do-agent 2>/dev/null || echo "version unknown")
        echo "metrics agent: running (do-agent $version)"
        exit 0
    fi
}

# wait_for_apt: waits while another apt or dpkg holds its locks (bounded by APT_WAIT).
wait_for_apt() {
    waited=0
    while fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock >/dev/null 2>&1; do
        if [ "$waited" -ge "$APT_WAIT" ]; then
            echo "metrics-agent: apt is still busy after ${APT_WAIT} s (another upgrade runs)"
            return 1
        fi
        sleep 5
        waited=$((waited + 5))
    done
}

not_running() {
    echo "metrics agent: not running: $*; the droplet's disk, memory and load alerts stay silent until it runs. $MANUAL"
    exit 0
}

running
if dpkg-query -W -f '${Status}' do-agent 2>/dev/null | grep -q 'install ok installed'; then
    echo "metrics-agent: do-agent is installed but not running; starting it"
    systemctl enable --now do-agent >/dev/null 2>&1 || true
    sleep 2
    running
    not_running "do-agent is installed but does not start (journalctl -u do-agent says why)"
fi

echo "metrics-agent: do-agent is not installed; installing it from $REPO"
wait_for_apt || not_running "apt stayed busy"
if ! key=$(curl -fsSL --max-time 60 "$REPO/sonar-agent.asc"); then
    not_running "its signing key could not be downloaded from $REPO"
fi
printf '%s\n' "$key" | gpg --dearmor --yes -o "$KEYRING" || not_running "gpg could not read the signing key"
echo "deb [signed-by=$KEYRING] $REPO/apt/do-agent main main" >"$SOURCES"
# Only the agent's list is refreshed: the rest of the system's sources are not touched.
if ! apt-get -qq update -o Dir::Etc::SourceParts=/dev/null -o APT::Get::List-Cleanup=no -o Dir::Etc::SourceList="$SOURCES"; then
    not_running "apt-get update of $SOURCES failed"
fi
wait_for_apt || not_running "apt stayed busy"
DEBIAN_FRONTEND=noninteractive apt-get -qq install -y do-agent || not_running "apt-get install do-agent failed"
systemctl enable --now do-agent >/dev/null 2>&1 || true
sleep 2
running
not_running "do-agent was installed but does not run (journalctl -u do-agent says why)"
