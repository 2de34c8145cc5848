# SPDX-License-Identifier: BSD-3-Clause
"""A tiny AML encoder: the few ACPI Machine Language terms the generated DSDT needs.

Each function returns the encoded bytes of one term (ACPI 6.3, chapter 20 "ACPI Machine
Language (AML) Specification"); a term list is the concatenation of its terms. Only what
acpi_tables.py uses is here: names, integers, strings, packages, scopes and devices.
Values out of range raise ValueError: they are generator bugs, not user input.
"""
from __future__ import annotations

from typing import Iterable

ZERO_OP = 0x00
ONE_OP = 0x01
NAME_OP = 0x08
BYTE_PREFIX = 0x0A
WORD_PREFIX = 0x0B
DWORD_PREFIX = 0x0C
STRING_PREFIX = 0x0D
QWORD_PREFIX = 0x0E
SCOPE_OP = 0x10
PACKAGE_OP = 0x12
EXT_OP_PREFIX = 0x5B
DEVICE_OP = 0x82  # after EXT_OP_PREFIX
ROOT_CHAR = 0x5C  # '\'

_LEAD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _LEAD_CHARS | frozenset("0123456789")


def name_seg(name: str) -> bytes:
    """A NameSeg (20.2.2): a capital letter or '_' then up to three of A-Z, 0-9, '_',
    padded with '_' to four characters ("_S5" -> b"_S5_")."""
    if not 1 <= len(name) <= 4 or name[0] not in _LEAD_CHARS or \
            any(c not in _NAME_CHARS for c in name):
        raise ValueError(f"'{name}' is not an AML name segment")
    return name.ljust(4, "_").encode("ascii")


def name_string(path: str) -> bytes:
    """A NameString: one segment, or a root path "\\_SB" (a single segment under the
    root). Dual and multi-segment paths are not needed."""
    if path.startswith("\\"):
        return bytes([ROOT_CHAR]) + name_seg(path[1:])
    return name_seg(path)


def pkg_length(payload: int) -> bytes:
    """The PkgLength (20.2.4) of a package whose contents after the PkgLength are
    `payload` bytes. The encoded length counts the PkgLength bytes themselves: one byte
    holds up to 63; with n = 1..3 following bytes the lead byte carries n in bits 7-6 and
    the low four bits, each following byte the next eight."""
    for extra, limit in ((0, 0x3F), (1, 0xFFF), (2, 0xFFFFF), (3, 0xFFFFFFF)):
        total = payload + 1 + extra
        if total <= limit:
            if extra == 0:
                return bytes([total])
            lead = (extra << 6) | (total & 0x0F)
            return bytes([lead]) + (total >> 4).to_bytes(extra, "little")
    raise ValueError(f"an AML package of {payload} bytes is too long")


def integer(value: int) -> bytes:
    """The shortest integer constant: Zero, One, or a Byte/Word/DWord/QWord prefix."""
    if value == 0:
        return bytes([ZERO_OP])
    if value == 1:
        return bytes([ONE_OP])
    for prefix, size in ((BYTE_PREFIX, 1), (WORD_PREFIX, 2), (DWORD_PREFIX, 4),
                         (QWORD_PREFIX, 8)):
        if 0 <= value < 1 << (8 * size):
            return bytes([prefix]) + value.to_bytes(size, "little")
    raise ValueError(f"{value} is not a 64-bit AML integer")


def string(text: str) -> bytes:
    """A String constant: ASCII 0x01-0x7F, NUL-terminated."""
    data = text.encode("ascii")
    if 0 in data:
        raise ValueError("an AML string cannot contain NUL")
    return bytes([STRING_PREFIX]) + data + b"\0"


def name(seg: str, data: bytes) -> bytes:
    """Name(seg, data): DefName := NameOp NameString DataRefObject."""
    return bytes([NAME_OP]) + name_string(seg) + data


def package(elements: Iterable[bytes]) -> bytes:
    """Package(n){...}: PackageOp PkgLength NumElements PackageElementList."""
    items = list(elements)
    if len(items) > 0xFF:
        raise ValueError("a Package holds at most 255 elements (VarPackage for more)")
    body = bytes([len(items)]) + b"".join(items)
    return bytes([PACKAGE_OP]) + pkg_length(len(body)) + body


def scope(path: str, terms: Iterable[bytes]) -> bytes:
    """Scope(path){terms}: ScopeOp PkgLength NameString TermList."""
    body = name_string(path) + b"".join(terms)
    return bytes([SCOPE_OP]) + pkg_length(len(body)) + body


def device(seg: str, terms: Iterable[bytes]) -> bytes:
    """Device(seg){terms}: ExtOpPrefix DeviceOp PkgLength NameString TermList."""
    body = name_string(seg) + b"".join(terms)
    return bytes([EXT_OP_PREFIX, DEVICE_OP]) + pkg_length(len(body)) + body
