# SPDX-License-Identifier: BSD-3-Clause
"""Just enough AML (ACPI 6.5 ch. 20) to read a \\_Sx sleep-type package.

The firmware writes e.g. Name (\\_S5, Package () {0x05, 0x05, 0, 0}); compiled:
NameOp(0x08) [RootChar '\\'] '_S5_' PackageOp(0x12) PkgLength NumElements elements...
We scan for the name instead of interpreting the whole DSDT.
"""
from __future__ import annotations

NAME_OP = 0x08
PACKAGE_OP = 0x12
ZERO_OP, ONE_OP, ONES_OP = 0x00, 0x01, 0xFF
PREFIX_SIZES = {0x0A: 1, 0x0B: 2, 0x0C: 4, 0x0E: 8}  # Byte, Word, DWord, QWord prefixes


def _pkg_length(aml: bytes, offset: int) -> tuple[int, int] | None:
    """(length, bytes used) of the PkgLength at offset."""
    if offset >= len(aml):
        return None
    lead = aml[offset]
    follow = lead >> 6
    if offset + 1 + follow > len(aml):
        return None
    if follow == 0:
        return lead & 0x3F, 1
    value = lead & 0x0F
    for i in range(follow):
        value |= aml[offset + 1 + i] << (4 + 8 * i)
    return value, 1 + follow


def _integer(aml: bytes, offset: int) -> tuple[int, int] | None:
    """(value, bytes used) of a constant integer term at offset."""
    if offset >= len(aml):
        return None
    op = aml[offset]
    if op == ZERO_OP:
        return 0, 1
    if op == ONE_OP:
        return 1, 1
    if op == ONES_OP:
        return 0xFFFFFFFFFFFFFFFF, 1
    size = PREFIX_SIZES.get(op)
    if size is None or offset + 1 + size > len(aml):
        return None
    return int.from_bytes(aml[offset + 1:offset + 1 + size], "little"), 1 + size


def _package_values(aml: bytes, offset: int) -> list[int] | None:
    if offset >= len(aml) or aml[offset] != PACKAGE_OP:
        return None
    pkg = _pkg_length(aml, offset + 1)
    if pkg is None:
        return None
    length, used = pkg
    end = min(len(aml), offset + 1 + length)
    pos = offset + 1 + used
    if pos >= end:
        return None
    count = aml[pos]
    pos += 1
    values = []
    while len(values) < min(count, 4) and pos < end:
        item = _integer(aml, pos)
        if item is None:
            break
        values.append(item[0])
        pos += item[1]
    return values


def find_sleep_type(aml: bytes, name: str) -> tuple[int, int] | None:
    """(SLP_TYPa, SLP_TYPb) of the named sleep package (e.g. "_S5_"), None if not found."""
    key = name.encode("ascii")
    start = 0
    while True:
        pos = aml.find(key, start)
        if pos < 0:
            return None
        start = pos + 1
        before = aml[pos - 1] if pos >= 1 else None
        if before == ord("\\"):
            before = aml[pos - 2] if pos >= 2 else None
        if before != NAME_OP:
            continue
        values = _package_values(aml, pos + len(key))
        if values:
            slp_a = values[0] & 0x7
            slp_b = values[1] & 0x7 if len(values) > 1 else slp_a
            return slp_a, slp_b
