# SPDX-License-Identifier: BSD-3-Clause
"""The type/length record lists that MADT and DMAR are made of."""
from __future__ import annotations

from typing import Iterator

from .findings import Findings, le


def records(name: str, data: bytes, start: int, findings: Findings,
            wide: bool = False) -> Iterator[tuple[int, int, int]]:
    """Yield (type, offset, length) of the type/length records from start, stopping with a
    warning at a zero length or a record running past the end."""
    src = f"acpi/{name}"
    offset = start
    head = 4 if wide else 2
    while offset < len(data):
        if offset + head > len(data):
            findings.warn(src, f"{len(data) - offset} stray bytes at offset {offset:#x}; ignored")
            return
        if wide:
            kind, length = le(data, offset, 2), le(data, offset + 2, 2)
        else:
            kind, length = data[offset], data[offset + 1]
        if length < head:
            findings.warn(src, f"structure of type {kind} at offset {offset:#x} has length "
                          f"{length}; stopped reading the table there")
            return
        if offset + length > len(data):
            findings.warn(src, f"structure of type {kind} at offset {offset:#x} runs past the "
                          "end of the table; stopped reading the table there")
            return
        yield kind, offset, length
        offset += length
