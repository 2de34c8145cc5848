# SPDX-License-Identifier: BSD-3-Clause
"""The firmware memory map: sys/firmware/memmap/N/{start,end,type}, or the top level of
/proc/iomem when the firmware map is missing."""
from __future__ import annotations

from dataclasses import dataclass

from .findings import Findings, parse_uint
from .source import Source

MEMMAP_DIR = "sys/firmware/memmap"
TYPES = {"system ram": "RAM", "reserved": "RESERVED", "acpi tables": "ACPI",
         "acpi non-volatile storage": "NVS", "unusable memory": "UNUSABLE",
         "persistent memory": "PERSISTENT", "persistent memory (legacy)": "PERSISTENT",
         "soft reserved": "SOFT-RESERVED"}


@dataclass(frozen=True)
class Range:
    start: int
    size: int
    type: str
    firmware_type: str


def normalize_type(text: str) -> str:
    return TYPES.get(text.strip().lower(), "OTHER")


def _int(text: str | None) -> int | None:
    return parse_uint(text, 16)


def parse_memmap(source: Source, findings: Findings) -> list[Range]:
    ranges = []
    entries = [e for e in source.listdir(MEMMAP_DIR) if parse_uint(e) is not None]
    for entry in sorted(entries, key=lambda e: parse_uint(e) or 0):
        base = f"{MEMMAP_DIR}/{entry}"
        start = _int(source.read_text(f"{base}/start"))
        end = _int(source.read_text(f"{base}/end"))
        kind = source.read_text(f"{base}/type")
        if start is None or end is None or kind is None or end < start:
            findings.warn("memmap", f"entry {entry} is incomplete or inconsistent; ignored")
            continue
        kind = kind.strip()
        ranges.append(Range(start, end - start + 1, normalize_type(kind), kind))
    if not ranges:
        ranges = parse_iomem(source, findings)
    _check_overlaps(ranges, findings)
    return sorted(ranges, key=lambda r: (r.start, r.size))


def parse_iomem(source: Source, findings: Findings) -> list[Range]:
    """Fallback: top-level /proc/iomem lines. Addresses read as 0 without privileges."""
    text = source.read_text("proc/iomem")
    if text is None:
        findings.warn("memmap", "neither /sys/firmware/memmap nor /proc/iomem: memory unknown")
        return []
    findings.warn("memmap", "no /sys/firmware/memmap; using top-level /proc/iomem ranges")
    ranges = []
    for line in text.splitlines():
        if not line or line[0].isspace() or " : " not in line:
            continue
        span, _, name = line.partition(" : ")
        low, _, high = span.partition("-")
        start, end = _int(low), _int(high)
        if start is None or end is None or end < start:
            continue
        if start == 0 and end == 0:
            findings.warn("memmap", "/proc/iomem shows zero addresses (captured without root)")
            return []
        kind = normalize_type(name)
        if kind != "OTHER":
            ranges.append(Range(start, end - start + 1, kind, name.strip()))
    return ranges


def _check_overlaps(ranges: list[Range], findings: Findings) -> None:
    ordered = sorted(ranges, key=lambda r: r.start)
    for left, right in zip(ordered, ordered[1:]):
        if right.start < left.start + left.size:
            findings.warn("memmap", f"ranges at {left.start:#x} and {right.start:#x} overlap")
