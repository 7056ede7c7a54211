#!/bin/sh
# Grows the filesystem on each rag-stack block volume to the size of its device. DigitalOcean grows a
# volume in place when its `size` changes (never shrinks it: terraform-provider-digitalocean
# digitalocean/volume/resource_volume.go, Update and CustomizeDiff), but the filesystem on it keeps
# its old size until it is grown. Run on the droplet by the prepare script on its first boot,
# before it mounts the volume (cloud-init: a volume grown while parked), and by the stack after a
# size change, the volume mounted (a remote command, the droplet running). Idempotent: a filesystem
# that already fills its device is left as it is. The stack formats ext4 (the volumes'
# initialFilesystemType, the prepare script's mkfs.ext4); resize2fs grows it mounted (online) or,
# unmounted, after the full check it insists on (e2fsck -f, preen mode: it fixes only what is safe
# to fix unattended, else this stops). Any other filesystem is refused.
#
# Arguments: DEVICE MOUNT_POINT [DEVICE MOUNT_POINT ...]
# Environment: none.
# Exit codes: 0 every filesystem grown or already full size; 1 a device without an ext filesystem,
#   a check that needs a person, or resize2fs failed (the message says which and what to do);
#   2 bad arguments.
set -eu

log() { echo "rag-stack-grow-filesystem: $*"; }
fail() { echo "rag-stack-grow-filesystem: $*" >&2; exit 1; }

if [ $# -lt 2 ] || [ $(($# % 2)) -ne 0 ]; then
    echo "usage: rag-stack-grow-filesystem DEVICE MOUNT_POINT [DEVICE MOUNT_POINT ...]" >&2
    exit 2
fi

# Size of the filesystem mounted on $1, in KiB.
filesystem_kib() {
    df -k -P "$1" | awk 'NR == 2 { print $2 }'
}

# Size of an unmounted ext filesystem, in bytes (its superblock: block count times block size).
filesystem_bytes() {
    dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block count:/ { count = $2 } /^Block size:/ { size = $2 } END { printf "%.0f\n", count * size }'
}

grow() {
    device=$1
    mount_point=$2
    # The guest learns a volume's new size from the hypervisor; a SCSI rescan asks again (sd devices).
    rescan=/sys/class/block/$(basename "$(readlink -f "$device")")/device/rescan
    if [ -w "$rescan" ]; then
        echo 1 >"$rescan" || log "rescanning $device failed; going on with the size the kernel has"
    fi
    type=$(blkid -s TYPE -o value "$device") || fail "cannot read the filesystem type of $device; is the volume attached (ls -l $device)?"
    case "$type" in
        ext2 | ext3 | ext4) ;;
        *) fail "$device holds a $type filesystem, not the ext4 the stack formats; grow it with its own tool (xfs: xfs_growfs $mount_point)" ;;
    esac
    if mountpoint -q "$mount_point"; then
        before=$(filesystem_kib "$mount_point")
        out=$(resize2fs "$device" 2>&1) || fail "resize2fs $device (mounted on $mount_point) failed: $out"
        after=$(filesystem_kib "$mount_point")
        if [ "$after" -gt "$before" ]; then
            log "grew the filesystem on $device ($mount_point) from $before KiB to $after KiB"
        else
            log "the filesystem on $device ($mount_point) already fills it ($after KiB)"
        fi
        return 0
    fi
    device_bytes=$(blockdev --getsize64 "$device") || fail "cannot read the size of $device"
    before=$(filesystem_bytes "$device")
    if [ "$before" -ge "$device_bytes" ]; then
        log "the filesystem on $device already fills it ($before bytes)"
        return 0
    fi
    # e2fsck exit codes: 0 clean, 1 errors fixed; anything else needs a person.
    checked=0
    e2fsck -f -p "$device" >/dev/null 2>&1 || checked=$?
    if [ "$checked" -gt 1 ]; then
        fail "e2fsck -f -p $device (required before growing it unmounted) exited $checked: it found problems it does not fix unattended; run e2fsck -f $device by hand, then this again"
    fi
    out=$(resize2fs "$device" 2>&1) || fail "resize2fs $device failed: $out"
    log "grew the filesystem on $device from $before to $(filesystem_bytes "$device") bytes"
}

while [ $# -gt 0 ]; do
    grow "$1" "$2"
    shift 2
done
