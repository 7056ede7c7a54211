#!/bin/sh
# Readiness of the GPU droplet, run on the droplet over ssh by the stack (remote.Command, this
# script on stdin) before any container is created. Waits for cloud-init to finish, then proves
# the GPU is usable from Docker: the nvidia runtime is registered, nvidia-smi answers on the host,
# and a container started with --gpus all sees the GPU. Its last line is the result:
# `gpu: <name>, <memory>, <driver version>`.
#
# Environment:
#   READY_MARKER     file cloud-init's prepare script writes when it has finished
#   GPU_CHECK_IMAGE  image to start with --gpus all (the pinned Ollama image, needed anyway)
# Exit codes: 0 ready; 1 cloud-init failed or the GPU is not visible to Docker (the output says
# what was seen and what to do); 2 bad environment.
# cloud-init's exit 1 covers an error in any stage, DigitalOcean's own vendor data included: when
# the prepare script still wrote READY_MARKER (it writes it last, after every step of ours), the
# errors are shown and the GPU checks decide.
set -eu

: "${READY_MARKER:?READY_MARKER must name the file cloud-init writes when done}"
: "${GPU_CHECK_IMAGE:?GPU_CHECK_IMAGE must name an image to run with --gpus all}"

echo "ready: waiting for cloud-init to finish (cloud-init status --wait)"
set +e
status=$(cloud-init status --wait 2>&1)
rc=$?
set -e
case "$rc" in
    0) echo "ready: cloud-init done" ;;
    2) echo "ready: cloud-init done with recoverable warnings: $(printf '%s' "$status" | tail -n 1)" ;;
    *)
        if [ "$rc" = 1 ] && [ -f "$READY_MARKER" ]; then
            echo "ready: cloud-init reported errors (exit 1), but the prepare script finished ($READY_MARKER); going on to the GPU checks. cloud-init status --long:"
            cloud-init status --long 2>&1 | sed 's/^/ready:   /' || true
        else
            echo "ready: cloud-init failed (exit $rc): $status" >&2
            cloud-init status --long >&2 || true
            echo "ready: last lines of /var/log/cloud-init-output.log:" >&2
            tail -n 40 /var/log/cloud-init-output.log >&2 || true
            exit 1
        fi
        ;;
esac
if [ ! -f "$READY_MARKER" ]; then
    echo "ready: $READY_MARKER is missing: the prepare script did not finish; see /var/log/cloud-init-output.log" >&2
    exit 1
fi

if ! info=$(docker info 2>&1); then
    echo "ready: docker is not answering: $info" >&2
    echo "ready: check the service: systemctl status docker" >&2
    exit 1
fi
if ! printf '%s\n' "$info" | grep -i 'runtimes:' | grep -q nvidia; then
    echo "ready: docker has no nvidia runtime; docker info shows:" >&2
    printf '%s\n' "$info" | grep -i 'runtime' >&2 || true
    echo "ready: run on the droplet: nvidia-ctk runtime configure --runtime=docker && systemctl restart docker" >&2
    exit 1
fi
echo "ready: docker has the nvidia runtime"

if ! smi=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1); then
    echo "ready: nvidia-smi failed on the droplet: $smi" >&2
    echo "ready: the NVIDIA driver is not loaded; use the size's AI/ML-ready image (gpu-h100x1-base)" >&2
    exit 1
fi
echo "ready: the droplet sees: $smi"

if ! inside=$(docker run --rm --gpus all --entrypoint nvidia-smi "$GPU_CHECK_IMAGE" -L 2>&1); then
    echo "ready: a container started with --gpus all cannot see the GPU: $inside" >&2
    exit 1
fi
echo "ready: containers see: $inside"
echo "gpu: $(printf '%s\n' "$smi" | head -n 1)"
