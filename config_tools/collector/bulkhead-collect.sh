#!/bin/sh
# bulkhead-collect.sh - copy a target board's firmware/hardware description into
# one tarball for `bulkhead-config inspect`.
#
# POSIX sh (busybox ash, dash, bash --posix).  Needs only: cat, mkdir, ls, sed,
# tar, gzip (or tar -z), date, uname; readlink and mktemp are used when present.
#
# The collector copies, it never interprets: every item is copied byte for byte
# with `cat SRC > DST` (binary safe) into bulkhead-board/<target path>.  The one
# exception is that symbolic links the inspector needs (a PCI function's
# iommu_group and driver) are written as files holding the link's last path
# component.  Everything that cannot be read is listed in collector/errors
# ("<target path>: <reason>"), and the tarball is still written.
#
# Layout: see config_tools/README.md ("Capture layout").  Run as root for a
# complete capture (ACPI tables and PCI configuration space beyond 64 bytes are
# readable by root only).
#
# Exit status: 0 a tarball was written (errors may be recorded in it),
#              1 no tarball could be written (or bad usage).

COLLECTOR_VERSION=1

usage() {
    cat <<'EOF'
Usage: bulkhead-collect.sh [-o FILE] [-r ROOT] [-h]

Copy this machine's board description (/proc, ACPI tables, PCI, CPU topology,
memory map, serial ports, block devices, DMI) into one gzip'd tarball whose top
directory is bulkhead-board/ (layout: config_tools/README.md).  Run it as root:
ACPI tables and full PCI configuration space are readable by root only.  Items
that cannot be read are listed in bulkhead-board/collector/errors.

  -o FILE   write the tarball to FILE
            (default: ./bulkhead-board-<hostname>-<YYYYmmdd-HHMMSS>.tar.gz)
  -r ROOT   read from ROOT/proc, ROOT/sys instead of /proc, /sys (testing,
            or a copied tree)
  -h        show this help

Exit status: 0 when a tarball was written (even with errors recorded in it),
1 when none could be written.
EOF
}

die() {
    echo "bulkhead-collect: $*" >&2
    exit 1
}

root=""
out=""
while getopts "ho:r:" opt; do
    case $opt in
        h) usage; exit 0 ;;
        o) out=$OPTARG ;;
        r) root=$OPTARG ;;
        *) usage >&2; exit 1 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; die "unexpected argument: $1"; }

if [ -n "$root" ]; then
    # strip trailing slashes; "/" becomes "" (the live system)
    while :; do
        case $root in
            */) root=${root%/} ;;
            *) break ;;
        esac
    done
    if [ -n "$root" ] && [ ! -d "$root" ]; then
        die "-r $root: not a directory"
    fi
fi

# --- staging directory -------------------------------------------------------

tmpbase=${TMPDIR:-/tmp}
stage=""
cleanup() {
    if [ -n "$stage" ] && [ -d "$stage" ]; then
        rm -rf "$stage"
    fi
}
trap cleanup 0
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if command -v mktemp >/dev/null 2>&1; then
    stage=$(mktemp -d "$tmpbase/bulkhead-collect.XXXXXX" 2>/dev/null) || stage=""
fi
if [ -z "$stage" ]; then
    stage=$tmpbase/bulkhead-collect.$$
    mkdir -m 700 "$stage" 2>/dev/null || { stage=""; die "cannot create a staging directory in $tmpbase"; }
fi
top=$stage/bulkhead-board
mkdir -p "$top/collector" || die "cannot create $top/collector"
errfile=$top/collector/errors
: > "$errfile" || die "cannot write $errfile"
errtmp=$stage/stderr

# --- helpers -------------------------------------------------------------------

# record TARGET_PATH REASON
record() {
    printf '%s: %s\n' "$1" "$2" >> "$errfile"
}

# Last ": "-separated field of a tool's error message, e.g. "Permission denied".
reason_from() {
    _r=$(sed -n '$p' "$1" 2>/dev/null | sed 's/.*: //')
    [ -n "$_r" ] || _r="read failed"
    printf '%s' "$_r"
}

# link_target PATH: print the target of symbolic link PATH.
link_target() {
    if command -v readlink >/dev/null 2>&1; then
        readlink "$1"
    else
        # "lrwxrwxrwx 1 root root 0 ... name -> target"
        ls -ld "$1" | sed 's/.* -> //'
    fi
}

# copy REL: copy $root/REL to $top/REL byte for byte.  Returns 0 on success,
# 1 after recording why not.
copy() {
    _src=$root/$1
    _dst=$top/$1
    if [ ! -e "$_src" ] && [ ! -L "$_src" ]; then
        record "/$1" "missing"
        return 1
    fi
    if [ -d "$_src" ]; then
        record "/$1" "is a directory, expected a file"
        return 1
    fi
    if [ ! -e "$_src" ]; then
        record "/$1" "dangling symbolic link"
        return 1
    fi
    if [ ! -f "$_src" ]; then
        # FIFOs, sockets and device nodes are never opened (could block)
        record "/$1" "not a regular file"
        return 1
    fi
    if [ ! -r "$_src" ]; then
        record "/$1" "Permission denied (run as root)"
        return 1
    fi
    case $_dst in
        */*) mkdir -p "${_dst%/*}" 2>/dev/null ;;
    esac
    if cat "$_src" > "$_dst" 2> "$errtmp"; then
        return 0
    fi
    record "/$1" "$(reason_from "$errtmp")"
    rm -f "$_dst"
    return 1
}

# copy_opt REL: copy when present, silently skip when absent.
copy_opt() {
    if [ -e "$root/$1" ] || [ -L "$root/$1" ]; then
        copy "$1"
    fi
}

# copy_files_in REL_DIR [required]: copy every regular file directly in the
# directory (not recursive).  A missing directory is recorded when "required".
copy_files_in() {
    _d=$root/$1
    if [ ! -d "$_d" ]; then
        if [ "$2" = required ]; then
            if [ -e "$_d" ]; then record "/$1" "not a directory"
            else record "/$1" "missing directory"; fi
        fi
        return 0
    fi
    if [ ! -r "$_d" ] || [ ! -x "$_d" ]; then
        record "/$1" "Permission denied (cannot list directory)"
        return 0
    fi
    mkdir -p "$top/$1"
    for _f in "$_d"/* "$_d"/.[!.]*; do
        [ -e "$_f" ] || [ -L "$_f" ] || continue
        [ -d "$_f" ] && continue
        copy "$1/${_f##*/}"
    done
}

# link_name REL: write the last component of symbolic link $root/REL into the
# file $top/REL.  Absent: nothing.  A regular file: copied.  Else: recorded.
link_name() {
    _src=$root/$1
    if [ -L "$_src" ]; then
        _t=$(link_target "$_src" 2>"$errtmp")
        if [ -z "$_t" ]; then
            record "/$1" "cannot read symbolic link: $(reason_from "$errtmp")"
            return 1
        fi
        mkdir -p "$top/${1%/*}"
        printf '%s\n' "${_t##*/}" > "$top/$1"
    elif [ -f "$_src" ]; then
        # already a file holding the name (e.g. -r on an extracted capture)
        copy "$1"
        return
    elif [ -e "$_src" ]; then
        record "/$1" "not a symbolic link"
        return 1
    fi
    return 0
}

# size_of FILE: byte count (reads the file; fine for small sysfs files)
size_of() {
    wc -c < "$1" | sed 's/[^0-9]//g'
}

uid=$(id -u 2>/dev/null) || uid=unknown

# --- proc ------------------------------------------------------------------------

for f in cpuinfo iomem ioports interrupts meminfo cmdline; do
    copy "proc/$f"
done
if [ "$uid" != 0 ]; then
    record "/proc/iomem" "read as uid $uid: the kernel shows every address as 0 to non-root users"
    record "/proc/ioports" "read as uid $uid: the kernel shows every address as 0 to non-root users"
fi

# --- CPUs ------------------------------------------------------------------------

cpus=sys/devices/system/cpu
if [ -d "$root/$cpus" ]; then
    for f in online possible present offline kernel_max; do
        copy_opt "$cpus/$f"
    done
    found=0
    for c in "$root/$cpus"/cpu[0-9]*; do
        [ -d "$c" ] || continue
        found=1
        n=${c##*/}
        copy_opt "$cpus/$n/online"
        copy_files_in "$cpus/$n/topology" required
        if [ -d "$c/cache" ]; then
            for i in "$c/cache"/index[0-9]*; do
                [ -d "$i" ] || continue
                copy_files_in "$cpus/$n/cache/${i##*/}"
            done
        fi
    done
    [ $found = 1 ] || record "/$cpus/cpuN" "no cpuN directories"
else
    record "/$cpus" "missing directory"
fi

# --- firmware memory map ---------------------------------------------------------------

memmap=sys/firmware/memmap
if [ -d "$root/$memmap" ]; then
    found=0
    for e in "$root/$memmap"/*; do
        [ -d "$e" ] || continue
        found=1
        n=${e##*/}
        for f in start end type; do
            copy "$memmap/$n/$f"
        done
    done
    [ $found = 1 ] || record "/$memmap" "empty directory"
else
    record "/$memmap" "missing directory (kernel without CONFIG_FIRMWARE_MEMMAP?)"
fi

# --- ACPI tables (raw) -------------------------------------------------------------

tables=sys/firmware/acpi/tables
if [ -d "$root/$tables" ]; then
    copy_files_in "$tables" required
    copy_files_in "$tables/dynamic"
else
    record "/$tables" "missing directory (no ACPI, or kernel without CONFIG_ACPI)"
fi

# --- PCI -----------------------------------------------------------------------------------

pci=sys/bus/pci/devices
if [ -d "$root/$pci" ]; then
    found=0
    for d in "$root/$pci"/*; do
        [ -d "$d" ] || continue
        found=1
        b=${d##*/}
        for f in config resource irq vendor device class subsystem_vendor subsystem_device; do
            copy "$pci/$b/$f"
        done
        copy_opt "$pci/$b/revision"
        # Non-root users read only the first 64 bytes of configuration space
        # (the file's size says how much there is).
        if [ -f "$top/$pci/$b/config" ]; then
            want=$(ls -lnL "$d/config" 2>/dev/null | sed -n '1s/^[^ ]*  *[^ ]*  *[^ ]*  *[^ ]*  *\([0-9][0-9]*\) .*/\1/p')
            got=$(size_of "$top/$pci/$b/config")
            if [ -n "$want" ] && [ -n "$got" ] && [ "$got" -lt "$want" ]; then
                record "/$pci/$b/config" "short read: $got of $want bytes (run as root)"
            fi
        fi
        link_name "$pci/$b/iommu_group"
        link_name "$pci/$b/driver"
    done
    [ $found = 1 ] || record "/$pci" "no PCI devices"
else
    record "/$pci" "missing directory (no PCI, or kernel without CONFIG_PCI)"
fi

# --- serial ports ---------------------------------------------------------------------------

tty=sys/class/tty
if [ -d "$root/$tty" ]; then
    for t in "$root/$tty"/ttyS*; do
        [ -d "$t" ] || continue
        n=${t##*/}
        for f in port irq type io_type iomem_base; do
            copy_opt "$tty/$n/$f"
        done
    done
else
    record "/$tty" "missing directory"
fi

# --- block devices ------------------------------------------------------------------------------

blk=sys/block
if [ -d "$root/$blk" ]; then
    for d in "$root/$blk"/*; do
        [ -d "$d" ] || continue
        n=${d##*/}
        copy "$blk/$n/size"
        copy "$blk/$n/removable"
        copy_opt "$blk/$n/device/model"
        copy_opt "$blk/$n/device/vendor"
    done
else
    record "/$blk" "missing directory"
fi

# --- DMI (without serial numbers and UUID) ----------------------------------------------------------

dmi=sys/class/dmi/id
if [ -d "$root/$dmi" ]; then
    mkdir -p "$top/$dmi"
    for f in "$root/$dmi"/*; do
        [ -e "$f" ] || continue
        [ -d "$f" ] && continue
        n=${f##*/}
        case $n in
            product_serial|board_serial|chassis_serial|product_uuid) continue ;;
        esac
        copy "$dmi/$n"
    done
else
    record "/$dmi" "missing directory (no DMI/SMBIOS, or kernel without CONFIG_DMIID)"
fi

# --- collector/version, collector/info ------------------------------------------------------

echo "$COLLECTOR_VERSION" > "$top/collector/version"

host=""
if [ -r "$root/proc/sys/kernel/hostname" ] && [ -f "$root/proc/sys/kernel/hostname" ]; then
    host=$(cat "$root/proc/sys/kernel/hostname" 2>/dev/null)
fi
[ -n "$host" ] || host=$(uname -n 2>/dev/null)
[ -n "$host" ] || host=unknown

if cat --help 2>&1 | sed -n 1p | grep -q BusyBox; then
    bb=yes
else
    bb=no
fi
{
    echo "collector_version=$COLLECTOR_VERSION"
    echo "date=$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "hostname=$host"
    echo "uname=$(uname -a 2>/dev/null)"
    echo "uid=$uid"
    echo "busybox=$bb"
    echo "root=${root:-/}"
} > "$top/collector/info"

# --- tarball ------------------------------------------------------------------------------------

if [ -z "$out" ]; then
    safe=$(printf '%s' "$host" | sed 's/[^A-Za-z0-9._-]/_/g')
    out=bulkhead-board-$safe-$(date '+%Y%m%d-%H%M%S').tar.gz
fi
case $out in
    /*) abs=$out ;;
    *) abs=$(pwd)/$out ;;
esac

written=0
if (cd "$stage" && tar -czf "$abs" bulkhead-board) 2>"$errtmp"; then
    written=1
else
    # tar without -z: compress through a pipe, checking both sides
    rm -f "$abs"
    if (cd "$stage" && tar -cf - bulkhead-board) > "$stage/capture.tar" 2>"$errtmp" \
        && gzip -c < "$stage/capture.tar" > "$abs" 2>"$errtmp"; then
        written=1
    fi
fi
if [ $written = 0 ]; then
    echo "bulkhead-collect: cannot write $out: $(reason_from "$errtmp")" >&2
    rm -f "$abs"
    exit 1
fi

nerr=$(sed -n '$=' "$errfile")
echo "bulkhead-collect: wrote $out (${nerr:-0} item(s) could not be read; see bulkhead-board/collector/errors)" >&2
exit 0
