# SPDX-License-Identifier: BSD-3-Clause
"""Logical CPUs: /proc/cpuinfo (model, flags, APIC ids) and sysfs topology and caches."""
from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Findings, parse_uint
from .source import Source

CPU_DIR = "sys/devices/system/cpu"


@dataclass(frozen=True)
class Cpu:
    id: int
    apic_id: int
    package: int
    core: int
    thread: int
    online: bool


@dataclass(frozen=True)
class Cache:
    level: int
    type: str
    size: int | None
    ways: int | None
    line_size: int | None
    sets: int | None
    shared_cpus: str | None


@dataclass
class CpuInfo:
    cpus: list[Cpu] = field(default_factory=list)
    model: dict[str, str] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    caches: list[Cache] = field(default_factory=list)


def parse_cpu_list(text: str | None) -> list[int]:
    """Linux CPU list syntax "0-3,8,10-11"; [] for junk."""
    cpus: list[int] = []
    if not text:
        return cpus
    for part in text.strip().split(","):
        low, _, high = part.partition("-")
        first, last = parse_uint(low), parse_uint(high or low)
        if first is None or last is None or last < first or last - first > 65536:
            return []
        cpus.extend(range(first, last + 1))
    return cpus


def parse_cpuinfo(text: str) -> list[dict[str, str]]:
    blocks, current = [], {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    return [b for b in blocks if parse_uint(b.get("processor")) is not None]


def _num(text: str | None) -> int | None:
    return parse_uint(text)


def _size(text: str | None) -> int | None:
    if not text:
        return None
    text = text.strip()
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    scale = units.get(text[-1:].upper(), 1)
    digits = text[:-1] if text[-1:].upper() in units else text
    value = parse_uint(digits)
    return value * scale if value is not None else None


def parse_cpus(source: Source, findings: Findings) -> CpuInfo:
    info = CpuInfo()
    text = source.read_text("proc/cpuinfo")
    blocks = parse_cpuinfo(text) if text else []
    if not blocks:
        findings.warn("cpu", "no /proc/cpuinfo processors: CPU model and APIC ids unknown")
    by_id = {parse_uint(b["processor"]): b for b in blocks}
    if blocks:
        first = blocks[0]
        for key, name in (("vendor_id", "vendor"), ("cpu family", "family"), ("model", "model"),
                          ("stepping", "stepping"), ("microcode", "microcode"),
                          ("model name", "name")):
            if key in first:
                info.model[name] = first[key]
        flags = set(first.get("flags", "").split())
        flags.update(f"vmx:{f}" for f in first.get("vmx flags", "").split())
        info.features = sorted(flags)
    online_text = source.read_text(f"{CPU_DIR}/online", record=False)
    online = set(parse_cpu_list(online_text)) if online_text else set(by_id)
    sys_ids = [parse_uint(e[3:]) for e in source.listdir(CPU_DIR)
               if e.startswith("cpu") and parse_uint(e[3:]) is not None]
    for cpu_id in sorted(set(sys_ids) | set(by_id)):
        cpu = _cpu(source, cpu_id, by_id.get(cpu_id), cpu_id in online, findings)
        if cpu is not None:
            info.cpus.append(cpu)
    info.caches = _caches(source)
    return info


def _cpu(source: Source, cpu_id: int, block: dict[str, str] | None, online: bool,
         findings: Findings) -> Cpu | None:
    topo = f"{CPU_DIR}/cpu{cpu_id}/topology"
    apic = _num(block.get("apicid")) if block else None
    if apic is None:
        findings.warn("cpu", f"cpu{cpu_id}: APIC id unknown (offline or not in /proc/cpuinfo);"
                      " not listed")
        return None
    package = _num(source.read_text(f"{topo}/physical_package_id", record=False))
    core = _num(source.read_text(f"{topo}/core_id", record=False))
    if package is None and block:
        package = _num(block.get("physical id"))
    if core is None and block:
        core = _num(block.get("core id"))
    siblings = parse_cpu_list(source.read_text(f"{topo}/thread_siblings_list", record=False))
    thread = siblings.index(cpu_id) if cpu_id in siblings else 0
    return Cpu(cpu_id, apic, max(package or 0, 0), max(core or 0, 0), thread, online)


def _caches(source: Source) -> list[Cache]:
    base = f"{CPU_DIR}/cpu0/cache"
    caches = []
    for entry in source.listdir(base):
        if not entry.startswith("index"):
            continue
        path = f"{base}/{entry}"
        level = _num(source.read_text(f"{path}/level", record=False))
        kind = source.read_text(f"{path}/type", record=False)
        if level is None or kind is None:
            continue
        shared = source.read_text(f"{path}/shared_cpu_list", record=False)
        caches.append(Cache(level, kind.strip(),
                            _size(source.read_text(f"{path}/size", record=False)),
                            _num(source.read_text(f"{path}/ways_of_associativity", record=False)),
                            _num(source.read_text(f"{path}/coherency_line_size", record=False)),
                            _num(source.read_text(f"{path}/number_of_sets", record=False)),
                            shared.strip() if shared else None))
    return sorted(caches, key=lambda c: (c.level, c.type))
