# SPDX-License-Identifier: BSD-3-Clause
"""Warnings collected while inspecting: each becomes <warning source="...">."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Findings:
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def warn(self, source: str, text: str) -> None:
        entry = (source, text)
        if entry not in self.warnings:
            self.warnings.append(entry)


def le(data: bytes, offset: int, size: int) -> int | None:
    """Little-endian unsigned integer at offset, None if it does not fit in data."""
    if offset < 0 or offset + size > len(data):
        return None
    return int.from_bytes(data[offset:offset + size], "little")


def parse_uint(text: str | None, base: int = 10) -> int | None:
    """A non-negative integer below 2**64 from untrusted text (base 0 accepts 0x), or None."""
    if text is None:
        return None
    text = text.strip()
    if not text or not text.isascii():
        return None
    try:
        value = int(text, base)
    except ValueError:
        return None
    return value if 0 <= value < 1 << 64 else None
