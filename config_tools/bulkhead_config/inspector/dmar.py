# SPDX-License-Identifier: BSD-3-Clause
"""The DMA Remapping table (signature DMAR; Intel VT-d spec ch. 8): remapping units with
their device scopes, reserved memory regions and ATS root ports. Never raises on odd
bytes: problems become warnings."""
from __future__ import annotations

from dataclasses import dataclass, field

from .acpi_records import records
from .findings import Findings, le


@dataclass(frozen=True)
class Scope:
    type: int
    enumeration_id: int
    start_bus: int
    path: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Drhd:
    segment: int
    address: int
    flags: int
    size: int
    scopes: tuple[Scope, ...]


@dataclass(frozen=True)
class Rmrr:
    segment: int
    base: int
    limit: int
    scopes: tuple[Scope, ...]


@dataclass(frozen=True)
class Atsr:
    segment: int
    flags: int
    scopes: tuple[Scope, ...]


@dataclass
class Dmar:
    host_address_width: int
    flags: int
    drhds: list[Drhd] = field(default_factory=list)
    rmrrs: list[Rmrr] = field(default_factory=list)
    atsrs: list[Atsr] = field(default_factory=list)


def _scopes(name: str, data: bytes, start: int, end: int,
            findings: Findings) -> tuple[Scope, ...]:
    src = f"acpi/{name}"
    scopes = []
    for kind, off, length in records(name, data[:end], start, findings):
        if length < 6 or (length - 6) % 2:
            findings.warn(src, f"device scope at offset {off:#x} has length {length} (needs 6 "
                          "plus 2 per path hop); skipped")
            continue
        path = tuple((data[p], data[p + 1]) for p in range(off + 6, off + length, 2))
        if not path:
            findings.warn(src, f"device scope at offset {off:#x} has an empty path; skipped")
            continue
        if any(dev > 0x1f or fn > 7 for dev, fn in path):
            findings.warn(src, f"device scope at offset {off:#x} has an invalid device or "
                          "function number in its path; skipped")
            continue
        scopes.append(Scope(kind, data[off + 4], data[off + 5], path))
    return tuple(scopes)


def parse_dmar(name: str, data: bytes, findings: Findings) -> Dmar | None:
    src = f"acpi/{name}"
    if len(data) < 48:
        findings.warn(src, "too short for the DMAR fixed fields; ignored")
        return None
    dmar = Dmar(data[36] + 1, data[37])
    minimum = {0: 16, 1: 24, 2: 8}
    for kind, off, length in records(name, data, 48, findings, wide=True):
        need = minimum.get(kind)
        if need is None:
            continue  # RHSA, ANDD, SATC, SIDP: not needed by the hypervisor
        if length < need:
            findings.warn(src, f"remapping structure of type {kind} at offset {off:#x} has "
                          f"length {length}, needs {need}; skipped")
            continue
        end = off + length
        if kind == 0:
            dmar.drhds.append(Drhd(le(data, off + 6, 2), le(data, off + 8, 8), data[off + 4],
                                   4096 << (data[off + 5] & 0xf),
                                   _scopes(name, data, off + 16, end, findings)))
        elif kind == 1:
            base, limit = le(data, off + 8, 8), le(data, off + 16, 8)
            if limit < base:
                findings.warn(src, f"RMRR at offset {off:#x} has limit {limit:#x} below base "
                              f"{base:#x}; skipped")
                continue
            dmar.rmrrs.append(Rmrr(le(data, off + 6, 2), base, limit,
                                   _scopes(name, data, off + 24, end, findings)))
        else:
            dmar.atsrs.append(Atsr(le(data, off + 6, 2), data[off + 4],
                                   _scopes(name, data, off + 8, end, findings)))
    return dmar
