# SPDX-License-Identifier: BSD-3-Clause
"""PCI functions from sys/bus/pci/devices: config space (PCI 3.0 ch. 6, PCIe 6.0 ch. 7),
BARs sized from the resource file, and the capability lists.

Config space is untrusted bytes; nothing here raises on odd content.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .findings import Findings, le, parse_uint
from .source import Source

DEVICES_DIR = "sys/bus/pci/devices"
_BDF = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$")

IORESOURCE_IO = 0x100
IORESOURCE_MEM = 0x200
IORESOURCE_PREFETCH = 0x2000
IORESOURCE_MEM_64 = 0x100000

CAP_NAMES = {0x01: "power-management", 0x03: "vpd", 0x05: "msi", 0x09: "vendor-specific",
             0x0d: "bridge-subsystem", 0x10: "pcie", 0x11: "msix", 0x12: "sata",
             0x13: "af"}
EXT_CAP_NAMES = {0x0001: "aer", 0x0002: "vc", 0x0003: "serial-number", 0x0004: "power-budget",
                 0x000b: "vendor-specific", 0x000d: "acs", 0x000e: "ari", 0x000f: "ats",
                 0x0010: "sriov", 0x0013: "pri", 0x0015: "resizable-bar", 0x0018: "ltr",
                 0x0019: "secondary-pcie", 0x001b: "pasid", 0x001e: "l1-pm-substates",
                 0x0023: "dvsec", 0x0025: "data-link", 0x0026: "physical-layer-16gt"}
PORT_TYPES = {0: "endpoint", 1: "legacy-endpoint", 4: "root-port", 5: "upstream-port",
              6: "downstream-port", 7: "pcie-to-pci-bridge", 8: "pci-to-pcie-bridge",
              9: "rc-integrated-endpoint", 10: "rc-event-collector"}


@dataclass(frozen=True)
class Bar:
    index: int
    type: str
    address: int
    size: int
    prefetchable: bool


@dataclass(frozen=True)
class Capability:
    id: int
    offset: int
    extended: bool


@dataclass
class PciFunction:
    bdf: str
    vendor: int
    device: int
    class_code: int
    revision: int | None = None
    subsystem_vendor: int | None = None
    subsystem_device: int | None = None
    header_type: int | None = None
    multifunction: bool | None = None
    secondary_bus: int | None = None
    subordinate_bus: int | None = None
    irq: int | None = None
    interrupt_pin: str | None = None
    iommu_group: int | None = None
    driver: str | None = None
    config_size: int = 0
    bars: list[Bar] = field(default_factory=list)
    capabilities: list[Capability] = field(default_factory=list)
    msi: dict[str, int | bool] | None = None
    msix: dict[str, int] | None = None
    pcie: dict[str, int | str] | None = None
    sriov: dict[str, int] | None = None


def _hex_value(text: str | None) -> int | None:
    return parse_uint(text, 0)


def parse_resource(text: str, src: str, findings: Findings) -> list[tuple[int, int, int]]:
    """(start, end, flags) per line of a sysfs resource file."""
    rows: list[tuple[int, int, int]] = []
    for number, line in enumerate(text.splitlines()):
        parts = line.split()
        try:
            if len(parts) < 3:
                raise ValueError(line)
            values = [parse_uint(p, 16) for p in parts[:3]]
            if None in values:
                raise ValueError(line)
            rows.append((values[0], values[1], values[2]))  # type: ignore[arg-type]
        except ValueError:
            findings.warn(src, f"resource line {number + 1} is not 'start end flags'; ignored")
            rows.append((0, 0, 0))
    return rows


def bars_from(config: bytes, header_type: int | None, resources: list[tuple[int, int, int]],
              src: str, findings: Findings) -> list[Bar]:
    count = {0: 6, 1: 2}.get(header_type if header_type is not None else 0, 0)
    bars = []
    skip_next = False
    for index in list(range(count)) + [6]:
        if skip_next:
            skip_next = False
            continue
        if index >= len(resources):
            break
        start, end, flags = resources[index]
        if start == 0 and end == 0:
            continue
        if end < start:
            findings.warn(src, f"BAR {index}: end {end:#x} before start {start:#x}; skipped")
            continue
        size = end - start + 1
        raw = le(config, 0x10 + 4 * index, 4) if index < 6 else None
        if flags & IORESOURCE_IO or (not flags & IORESOURCE_MEM and raw is not None and raw & 1):
            kind = "io"
        elif flags & IORESOURCE_MEM_64 or (raw is not None and raw & 0x7 == 0x4):
            kind = "mem64"
        else:
            kind = "mem32"
        prefetch = bool(flags & IORESOURCE_PREFETCH) or bool(raw is not None and raw & 0x9 == 0x8)
        bars.append(Bar(index, kind, start, size, prefetch and kind != "io"))
        if kind == "mem64" and index < 5:
            skip_next = True
    return bars


def walk_capabilities(config: bytes, fn: PciFunction, src: str, findings: Findings) -> None:
    """Walk the standard list (from the capabilities pointer) and, in 4 KiB config space,
    the extended list from 0x100. Loops and bad pointers end the walk with a warning."""
    status = le(config, 6, 2)
    if status is None or not status & 0x10:
        return
    pointer_at = 0x14 if fn.header_type == 2 else 0x34
    pointer = le(config, pointer_at, 1)
    seen: set[int] = set()
    while pointer:
        pointer &= 0xFC
        if pointer < 0x40 or pointer + 2 > len(config):
            if pointer + 2 > len(config) and len(config) > 64:
                findings.warn(src, f"capability pointer {pointer:#x} outside config space")
            elif pointer < 0x40:
                findings.warn(src, f"capability pointer {pointer:#x} inside the header")
            break
        if pointer in seen:
            findings.warn(src, f"capability list loops at {pointer:#x}")
            break
        seen.add(pointer)
        cap_id = config[pointer]
        fn.capabilities.append(Capability(cap_id, pointer, False))
        _decode_cap(config, cap_id, pointer, fn)
        pointer = config[pointer + 1]
    if len(config) < 4096:
        return
    offset = 0x100
    seen.clear()
    while offset:
        if offset < 0x100 or offset + 4 > len(config) or offset & 3:
            findings.warn(src, f"extended capability pointer {offset:#x} is invalid")
            break
        if offset in seen:
            findings.warn(src, f"extended capability list loops at {offset:#x}")
            break
        seen.add(offset)
        header = le(config, offset, 4)
        if header in (0, 0xFFFFFFFF):
            break
        cap_id = header & 0xFFFF
        fn.capabilities.append(Capability(cap_id, offset, True))
        if cap_id == 0x0010 and offset + 0x10 <= len(config):
            fn.sriov = {"offset": offset, "initial-vfs": le(config, offset + 0x0C, 2),
                        "total-vfs": le(config, offset + 0x0E, 2)}
        offset = header >> 20


def _decode_cap(config: bytes, cap_id: int, ptr: int, fn: PciFunction) -> None:
    control = le(config, ptr + 2, 2)
    if control is None:
        return
    if cap_id == 0x05 and fn.msi is None:
        fn.msi = {"offset": ptr, "address-64": bool(control & 0x80),
                  "vectors": 1 << min((control >> 1) & 0x7, 5),
                  "per-vector-mask": bool(control & 0x100)}
    elif cap_id == 0x11 and fn.msix is None:
        table, pba = le(config, ptr + 4, 4), le(config, ptr + 8, 4)
        if table is not None and pba is not None:
            fn.msix = {"offset": ptr, "table-size": (control & 0x7FF) + 1,
                       "table-bir": table & 7, "table-offset": table & ~7,
                       "pba-bir": pba & 7, "pba-offset": pba & ~7}
    elif cap_id == 0x10 and fn.pcie is None:
        fn.pcie = {"offset": ptr, "version": control & 0xF,
                   "port-type": PORT_TYPES.get((control >> 4) & 0xF, "unknown")}


def parse_function(source: Source, bdf: str, findings: Findings) -> PciFunction | None:
    base = f"{DEVICES_DIR}/{bdf}"
    src = f"pci/{bdf}"
    config = source.read_bytes(f"{base}/config") or b""
    if len(config) < 64:
        if config:
            findings.warn(src, f"config space has only {len(config)} bytes")
        else:
            findings.warn(src, "config space not captured; using the sysfs id files")
    vendor = le(config, 0, 2)
    device = le(config, 2, 2)
    class_code = le(config, 9, 3)
    vendor = vendor if vendor is not None else _hex_value(source.read_value(f"{base}/vendor"))
    device = device if device is not None else _hex_value(source.read_value(f"{base}/device"))
    if class_code is None:
        class_code = _hex_value(source.read_value(f"{base}/class"))
    if vendor is None or device is None or class_code is None:
        findings.warn(src, "neither config space nor vendor/device/class files; skipped")
        return None
    fn = PciFunction(bdf, vendor, device, class_code, config_size=len(config))
    if vendor == 0xFFFF:
        findings.warn(src, "config space reads all ones (device absent or hidden)")
    if len(config) >= 64:
        fn.revision = config[8]
        fn.header_type = config[0x0E] & 0x7F
        fn.multifunction = bool(config[0x0E] & 0x80)
        if fn.header_type == 0:
            fn.subsystem_vendor, fn.subsystem_device = le(config, 0x2C, 2), le(config, 0x2E, 2)
        elif fn.header_type == 1:
            fn.secondary_bus, fn.subordinate_bus = config[0x19], config[0x1A]
        pin = config[0x3D]
        if 1 <= pin <= 4:
            fn.interrupt_pin = "ABCD"[pin - 1]
    if fn.subsystem_vendor is None:
        fn.subsystem_vendor = _hex_value(source.read_value(f"{base}/subsystem_vendor"))
        fn.subsystem_device = _hex_value(source.read_value(f"{base}/subsystem_device"))
    irq = _hex_value(source.read_value(f"{base}/irq"))
    fn.irq = irq if irq else None
    group = source.read_value(f"{base}/iommu_group")
    fn.iommu_group = parse_uint(group)
    driver = source.read_value(f"{base}/driver")
    fn.driver = driver or None
    resource = source.read_text(f"{base}/resource")
    if resource is None:
        findings.warn(src, "no resource file: BAR addresses and sizes unknown")
    else:
        fn.bars = bars_from(config, fn.header_type, parse_resource(resource, src, findings),
                            src, findings)
    try:
        walk_capabilities(config, fn, src, findings)
    except Exception as err:  # noqa: BLE001 - untrusted bytes must not stop inspection
        findings.warn(src, f"capability walk failed ({type(err).__name__}: {err})")
    return fn


def parse_pci(source: Source, findings: Findings) -> list[PciFunction]:
    functions = []
    for entry in source.listdir(DEVICES_DIR):
        bdf = entry.lower()
        if not _BDF.match(bdf):
            findings.warn("pci", f"unexpected entry {entry!r} in /{DEVICES_DIR}; ignored")
            continue
        fn = parse_function(source, entry, findings)
        if fn is not None:
            fn.bdf = bdf
            functions.append(fn)
    if not functions:
        findings.warn("pci", f"no PCI devices found under /{DEVICES_DIR}")
    return sorted(functions, key=lambda f: f.bdf)
