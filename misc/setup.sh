#!/usr/bin/env bash
# Bulkhead development-host set-up: installs every Debian package the project
# needs (toolchain, unit-test and coverage tools, Bochs, QEMU, GRUB ISO tools,
# Python packages for the configuration tools and the e2e tests).
#
# Idempotent and fast: one dpkg-query call decides whether anything is
# missing; only then does it run apt-get (as root, or through sudo).
# See --help for the flags.
set -euo pipefail

PROG=${0##*/}

# The package list: one place.
PACKAGES=(
    build-essential
    gcc
    make
    binutils
    python3
    python3-kconfiglib
    python3-lxml
    python3-xmlschema
    python3-elementpath
    python3-pytest
    python3-pytest-xdist
    libcmocka-dev
    gcovr
    clang-format
    clang
    libclang-rt-14-dev
    bochs
    bochsbios
    vgabios
    qemu-system-x86
    grub-pc-bin
    grub-common
    xorriso
    mtools
    busybox-static
    dash
    util-linux
    acpica-tools
)
# Only for `make linux` (misc/linux/build.sh, --with-linux): the guest kernel's source
# and what building it takes.
LINUX_PACKAGES=(
    linux-source-6.1
    bc
    flex
    bison
    lz4
    cpio
    libelf-dev
    libssl-dev
)

usage() {
    cat <<EOF
Usage: $PROG [--check] [--list] [-h|--help]

Install the Debian packages Bulkhead needs, if any are missing.

Nothing is done (and no network is used) when every package is already
installed; otherwise runs 'apt-get update' and
'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends'
for the missing ones, as root or through sudo.

Options:
  --check       only report missing packages; install nothing.
                Exit status 1 if any is missing.
  --list        print the package list, one per line, and exit.
  --with-linux  also the packages for building the Linux guest kernel.
  -h, --help    show this help and exit.

Exit status: 0 success, 1 failure (installation failed, no root/sudo,
packages missing with --check), 2 bad usage.
EOF
}

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}

check_only=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --check)
        check_only=1
        shift
        ;;
    --with-linux)
        PACKAGES+=("${LINUX_PACKAGES[@]}")
        shift
        ;;
    --list)
        printf '%s\n' "${PACKAGES[@]}"
        exit 0
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "$PROG: unknown argument: $1 (see --help)" >&2
        exit 2
        ;;
    esac
done

# Print the packages that are not fully installed (one dpkg-query call).
missing_packages() {
    local status
    # dpkg-query exits non-zero when a package is unknown; its output still
    # lists the known ones, so compare against the full list.
    status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
    local -A ok=()
    local name abbrev p
    while read -r name abbrev _; do
        # "ii" = desired install, status installed, no error flag.
        [[ $abbrev == ii ]] && ok[${name%%:*}]=1
    done <<<"$status"
    for p in "${PACKAGES[@]}"; do
        [[ -n ${ok[$p]:-} ]] || echo "$p"
    done
}

command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script supports Debian-based systems only"

mapfile -t missing < <(missing_packages)

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $check_only -eq 1 ]]; then
    echo "$PROG: missing packages: ${missing[*]}" >&2
    exit 1
fi

echo "$PROG: installing missing packages: ${missing[*]}" >&2

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    die "packages missing (${missing[*]}) and not running as root, and sudo is not available; run as root: apt-get install ${missing[*]}"
fi

"${SUDO[@]}" apt-get update || die "apt-get update failed"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"

mapfile -t missing < <(missing_packages)
[[ ${#missing[@]} -eq 0 ]] || die "still missing after installation: ${missing[*]}"

echo "$PROG: all packages installed" >&2
