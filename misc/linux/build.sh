#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the Linux guest for Bulkhead: a small bzImage from Debian's linux-source-6.1
# (tinyconfig + misc/linux/bulkhead.config) and a busybox initramfs.
#
#   misc/linux/build.sh [O=<dir>] [JOBS=<n>]      (default O=build/linux, JOBS=2)
#
# Outputs: $O/bzImage, $O/initramfs.cpio.lz4. Work: $O/src (extracted source, once),
# $O/obj (kernel objects), $O/kernel-build.log. Each stage is skipped when its stamp
# (a hash of what it depends on; the kernel's is keyed by the fragment's hash) matches.
# See misc/linux/README.md.
set -euo pipefail

PROG=misc/linux/build.sh
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

O=${O:-$ROOT/build/linux}
JOBS=${JOBS:-2}
TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
BUSYBOX=${BUSYBOX:-/bin/busybox}
FRAG=$HERE/bulkhead.config
INIT=$HERE/init

usage() {
    sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
    case $arg in
    O=*) O=${arg#O=} ;;
    JOBS=*) JOBS=${arg#JOBS=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
done
# Called from the top-level Makefile: its MAKEFLAGS (O=, V=, BOARD=..., -j) are not
# meant for the kernel's make.
unset MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "$PROG: JOBS must be a positive number, not '$JOBS'" >&2; exit 2; }
mkdir -p "$O"
O=$(cd "$O" && pwd)
SRCDIR=$O/src
KOBJ=$O/obj
LOG=$O/kernel-build.log
KMAKE=(make -C "$SRCDIR/linux" O="$KOBJ" ARCH=x86_64
    KBUILD_BUILD_USER=bulkhead KBUILD_BUILD_HOST=bulkhead)

START=$SECONDS
elapsed() {
    local s=$((SECONDS - START))
    printf '%d:%02d' $((s / 60)) $((s % 60))
}
stage() { printf '[%s] %s\n' "$(elapsed)" "$*"; }
die() {
    printf '[%s] %s: error: %s\n' "$(elapsed)" "$PROG" "$*" >&2
    exit 1
}
digest() { sha256sum | cut -c1-16; }
# A stamp file holds the key of the inputs the stage was last completed with.
stamp_ok() { [[ -f $1 && $(cat "$1") == "$2" ]]; }

# --- Tools ----------------------------------------------------------------------
missing=()
for t in make gcc bc flex bison lz4 cpio perl xz tar readelf; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
[[ -f /usr/include/libelf.h ]] || missing+=("libelf.h (libelf-dev)")
[[ -f /usr/include/openssl/ssl.h ]] || missing+=("openssl/ssl.h (libssl-dev)")
[[ -f $TARBALL ]] || missing+=("$TARBALL (linux-source-6.1)")
[[ -x $BUSYBOX ]] || missing+=("$BUSYBOX (busybox-static)")
((${#missing[@]} == 0)) || die "missing: ${missing[*]}
  install: apt-get install -y linux-source-6.1 bc flex bison lz4 cpio libelf-dev libssl-dev busybox-static"
if readelf -l "$BUSYBOX" 2>/dev/null | grep -q INTERP; then
    die "$BUSYBOX is dynamically linked; install busybox-static"
fi

TAR_KEY=$(stat -c '%n %s %Y' "$TARBALL" | digest)
FRAG_KEY=$(digest <"$FRAG")
KERNEL_KEY=$(printf '%s %s\n' "$TAR_KEY" "$FRAG_KEY" | digest)
INITRD_KEY=$(cat "$INIT" "$BUSYBOX" "$0" | digest)
did=0

# --- 1. Source: extract the tarball once ----------------------------------------
if stamp_ok "$SRCDIR/.stamp" "$TAR_KEY" && [[ -f $SRCDIR/linux/Makefile ]]; then
    stage "source: up to date ($SRCDIR/linux)"
else
    stage "source: extracting $TARBALL"
    rm -rf "$SRCDIR" "$SRCDIR.tmp"
    mkdir -p "$SRCDIR.tmp"
    tar -xJf "$TARBALL" -C "$SRCDIR.tmp"
    top=$(ls "$SRCDIR.tmp")
    [[ $(echo "$top" | wc -l) == 1 && -f $SRCDIR.tmp/$top/Makefile ]] ||
        die "unexpected tarball layout: $top"
    mv "$SRCDIR.tmp/$top" "$SRCDIR.tmp/linux"
    mv "$SRCDIR.tmp" "$SRCDIR"
    echo "$TAR_KEY" >"$SRCDIR/.stamp"
    rm -rf "$KOBJ" # objects of another source tree are worthless
    did=1
fi
KVER=$(make -s -C "$SRCDIR/linux" kernelversion 2>/dev/null || echo '?')

# Every CONFIG_X=v line of the fragment must be in .config verbatim, every
# "# CONFIG_X is not set" line must not be set.
check_config() {
    local cfg=$KOBJ/.config line sym have bad=()
    while IFS= read -r line; do
        case $line in
        CONFIG_*=*)
            grep -qxF -- "$line" "$cfg" && continue
            sym=${line%%=*}
            have=$(grep -m1 -E "^$sym=|^# $sym is not set" "$cfg" || echo "absent")
            bad+=("  $line   (got: $have)")
            ;;
        "# CONFIG_"*" is not set")
            sym=${line#\# }
            sym=${sym%% *}
            have=$(grep -m1 "^$sym=" "$cfg") || continue
            bad+=("  $line   (got: $have)")
            ;;
        esac
    done <"$FRAG"
    if ((${#bad[@]})); then
        printf '%s\n' "${bad[@]}" >&2
        die "${#bad[@]} option(s) of $FRAG did not stick (unmet dependency?)"
    fi
}

fail_log() {
    echo "----- last 40 lines of $LOG -----" >&2
    tail -n 40 "$LOG" >&2
    echo "-----" >&2
    die "$1 failed (full log: $LOG)"
}

# --- 2. Configure: tinyconfig + fragment ----------------------------------------
if stamp_ok "$KOBJ/.stamp-config" "$KERNEL_KEY" && [[ -f $KOBJ/.config ]]; then
    stage "config: up to date (fragment $FRAG_KEY)"
else
    stage "config: tinyconfig + $(basename "$FRAG") (Linux $KVER)"
    mkdir -p "$KOBJ"
    rm -f "$KOBJ/.stamp-config" "$KOBJ/.stamp-kernel"
    : >"$LOG"
    { "${KMAKE[@]}" tinyconfig && cat "$FRAG" >>"$KOBJ/.config" &&
        "${KMAKE[@]}" olddefconfig; } >>"$LOG" 2>&1 || fail_log "configuration"
    check_config
    echo "$KERNEL_KEY" >"$KOBJ/.stamp-config"
    stage "config: all $(grep -c '^CONFIG_\|^# CONFIG_.* is not set' "$FRAG") options of the fragment stuck"
    did=1
fi

# --- 3. Kernel: bzImage ---------------------------------------------------------
if stamp_ok "$KOBJ/.stamp-kernel" "$KERNEL_KEY" && [[ -f $O/bzImage ]]; then
    stage "kernel: up to date ($O/bzImage)"
else
    stage "kernel: make -j$JOBS bzImage (output: $LOG; several minutes)"
    t0=$SECONDS
    echo "=== $(date -u '+%F %T') make -j$JOBS bzImage" >>"$LOG"
    "${KMAKE[@]}" -j"$JOBS" bzImage >>"$LOG" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null' INT TERM EXIT
    n=0
    while kill -0 $pid 2>/dev/null; do
        sleep 1
        n=$((n + 1))
        if ((n % 30 == 0)); then
            stage "kernel: building, $(grep -c '^  CC ' "$LOG" || true) files compiled"
        fi
    done
    rc=0
    wait $pid || rc=$?
    trap - INT TERM EXIT
    ((rc == 0)) || fail_log "kernel build"
    cp "$KOBJ/arch/x86/boot/bzImage" "$O/bzImage.tmp"
    mv "$O/bzImage.tmp" "$O/bzImage"
    echo "$KERNEL_KEY" >"$KOBJ/.stamp-kernel"
    stage "kernel: built in $((SECONDS - t0)) s: $O/bzImage ($(stat -c %s "$O/bzImage") bytes)"
    did=1
fi

# --- 4. Initramfs: static busybox + /init, cpio, lz4 (legacy format) -------------
INITRD=$O/initramfs.cpio.lz4
if stamp_ok "$O/.stamp-initramfs" "$INITRD_KEY" && [[ -f $INITRD ]]; then
    stage "initramfs: up to date ($INITRD)"
else
    stage "initramfs: busybox $("$BUSYBOX" 2>&1 | head -1 | awk '{print $2}') + /init"
    # The kernel's own gen_init_cpio writes device nodes without needing root.
    mkdir -p "$O/tools"
    gcc -O2 -o "$O/tools/gen_init_cpio" "$SRCDIR/linux/usr/gen_init_cpio.c"
    cat >"$O/initramfs.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/null 0666 0 0 c 1 3
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
dir /root 0700 0 0
dir /bin 0755 0 0
dir /sbin 0755 0 0
dir /usr 0755 0 0
dir /usr/bin 0755 0 0
dir /usr/sbin 0755 0 0
file /bin/busybox $BUSYBOX 0755 0 0
slink /bin/sh busybox 0777 0 0
file /init $INIT 0755 0 0
LIST
    # -t: a fixed mtime, so the same inputs give the same bytes.
    "$O/tools/gen_init_cpio" -t 0 "$O/initramfs.list" >"$O/initramfs.cpio"
    lz4 -l -9 -q -f "$O/initramfs.cpio" "$INITRD.tmp"
    rm -f "$O/initramfs.cpio"
    mv "$INITRD.tmp" "$INITRD"
    echo "$INITRD_KEY" >"$O/.stamp-initramfs"
    stage "initramfs: $INITRD ($(stat -c %s "$INITRD") bytes)"
    did=1
fi

if ((did)); then
    stage "done: $O/bzImage $O/initramfs.cpio.lz4"
else
    stage "nothing to do: kernel and initramfs up to date (fragment $FRAG_KEY)"
fi
