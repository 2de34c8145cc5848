#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn tests/fuzz/seeds.txt into a libFuzzer seed corpus for fuzz_instr_emul.

Each input follows the layout at the top of fuzz_instr_emul.c: mode, flags, offered
length, 16 instruction bytes, the register and segment state, the control registers
for guest_walk(), the PAE PDPTEs and the start of guest-physical memory, where page
tables for the chosen paging mode are laid out (identity-style: every linear page of the
first 2 MiB maps to one of the four guest-physical pages).
"""
from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

MODES = {"real": 0, "prot16": 1, "prot32": 2, "compat16": 3, "compat32": 4, "64": 5}
FLAGS = {"movs_mmio_dst": 1, "la57": 2, "paging": 4, "ad": 8, "pdptes": 16, "user": 32}
CR0_PE, CR0_WP, CR0_PG = 1, 1 << 16, 1 << 31
CR4_PSE, CR4_PAE, CR4_LA57 = 1 << 4, 1 << 5, 1 << 12
EFER_LME, EFER_LMA, EFER_NXE = 1 << 8, 1 << 10, 1 << 11
GPA_PAGES = 4
PTE = 0x7  # present, writable, user


class SeedError(Exception):
    """A line of seeds.txt that cannot be turned into an input."""


def page_tables(paging: str) -> tuple[int, int, int, int, list[int], bytes]:
    """CR0, CR3, CR4, EFER, PDPTEs and guest memory for a paging mode."""
    mem = bytearray(GPA_PAGES * 4096)
    pdptes = [0, 0, 0, 0]
    if paging == "none":
        return CR0_PE, 0, 0, 0, pdptes, bytes(mem)
    if paging == "32":
        # PD at 0, PT at 0x1000 mapping the first 4 MiB onto the four pages.
        struct.pack_into("<I", mem, 0, 0x1000 | PTE)
        for i in range(1024):
            struct.pack_into("<I", mem, 0x1000 + 4 * i, ((i % GPA_PAGES) << 12) | PTE)
        return CR0_PE | CR0_PG | CR0_WP, 0, CR4_PSE, 0, pdptes, bytes(mem)
    levels = {"pae": 2, "4level": 3, "5level": 4}.get(paging)
    if levels is None:
        raise SeedError(f"unknown paging mode {paging!r}")
    # Each level's table at page k points to page k+1; the last one maps the pages.
    for k in range(levels):
        struct.pack_into("<Q", mem, k * 4096, ((k + 1) * 4096) | PTE)
    for i in range(512):
        struct.pack_into("<Q", mem, 3 * 4096 + 8 * i, ((i % GPA_PAGES) << 12) | PTE)
    if paging == "pae":
        # The PDPT is at 0 (its entries have no R/W, U/S), the PD at 0x1000 ... 0x2000.
        struct.pack_into("<Q", mem, 0, 0x1000 | 1)
        struct.pack_into("<Q", mem, 0x1000, 0x3000 | PTE)
        pdptes[0] = 0x1000 | 1
        return CR0_PE | CR0_PG | CR0_WP, 0, CR4_PAE, EFER_NXE, pdptes, bytes(mem)
    cr4 = CR4_PAE | (CR4_LA57 if paging == "5level" else 0)
    efer = EFER_LME | EFER_LMA | EFER_NXE
    return CR0_PE | CR0_PG | CR0_WP, 0, cr4, efer, pdptes, bytes(mem)


def build(mode: str, flags: str, paging: str, insn: bytes) -> bytes:
    """One fuzz input."""
    if mode not in MODES:
        raise SeedError(f"unknown mode {mode!r}")
    fl = 0
    for name in flags.split(","):
        if name == "-":
            continue
        if name not in FLAGS:
            raise SeedError(f"unknown flag {name!r}")
        fl |= FLAGS[name]
    if len(insn) > 16:
        raise SeedError("more than 16 instruction bytes")
    out = bytearray([MODES[mode], fl, len(insn)]) + insn.ljust(16, b"\x90")
    gpr = [0] * 16
    gpr[0] = 0x1122334455667788  # rax
    gpr[1] = 3  # rcx: REP count
    gpr[3] = 0x10  # rbx
    gpr[6] = 0x20  # rsi
    gpr[7] = 0x40  # rdi
    out += struct.pack("<16Q", *gpr)
    rip = 0x100 if MODES[mode] in (0, 1, 3) else 0x401000
    out += struct.pack("<QQ", rip, 0x2)
    limit = 0xFFFF if mode == "real" else 0xFFFFFFFF
    for _ in range(6):
        out += struct.pack("<QI", 0, limit)
    cr0, cr3, cr4, efer, pdptes, mem = page_tables(paging)
    out += struct.pack("<QQQQQB", 0, cr0, cr3, cr4, efer, 46)
    out += struct.pack("<4Q", *pdptes)
    if paging != "none":
        out += mem
    return bytes(out)


def parse(path: Path) -> list[tuple[str, bytes]]:
    """(name, input) for every line; raises SeedError naming the line."""
    seeds = []
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) < 4:
            raise SeedError(f"{path}:{lineno}: expected: mode flags paging bytes...")
        try:
            insn = bytes(int(b, 16) for b in line[3:])
            seeds.append((f"seed-{lineno:03d}", build(line[0], line[1], line[2], insn)))
        except (ValueError, SeedError) as e:
            raise SeedError(f"{path}:{lineno}: {e}") from e
    return seeds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seeds", type=Path, help="the seed list (tests/fuzz/seeds.txt)")
    ap.add_argument("--out", type=Path, required=True, help="directory to write the corpus to")
    args = ap.parse_args()
    try:
        seeds = parse(args.seeds)
    except (OSError, SeedError) as e:
        print(f"mkseeds: {e}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds:
        (args.out / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
