# SPDX-License-Identifier: BSD-3-Clause
"""Build the board XML from the parsed facts, validate it against board.xsd and write it
atomically. Output is deterministic: the same capture always gives the same bytes."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass

from lxml import etree

from .. import board as board_model
from .acpi import AcpiInfo
from .capture_info import CaptureInfo
from .dmar import Scope
from .cpu import CpuInfo
from .devices import Disk, SerialPort
from .findings import Findings, parse_uint
from .memmap import Range
from .pci import CAP_NAMES, EXT_CAP_NAMES, PciFunction

_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
SCOPE_TYPES = {1: "endpoint", 2: "bridge", 3: "ioapic", 4: "hpet", 5: "acpi-namespace"}
POLARITY = ("conforms", "high", "reserved", "low")
TRIGGER = ("conforms", "edge", "reserved", "level")


@dataclass
class Facts:
    name: str
    capture: CaptureInfo
    findings: Findings
    cpus: CpuInfo
    memory: list[Range]
    acpi: AcpiInfo
    pci: list[PciFunction]
    serial: list[SerialPort]
    disks: list[Disk]
    dmi: dict[str, str]


def _clean(text: str) -> str:
    return _XML_BAD.sub("?", text)


def _hex(value: int) -> str:
    return f"{value:#x}"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _sub(parent: etree._Element, tag: str, **attrs: object) -> etree._Element:
    el = etree.SubElement(parent, tag)
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = _bool(value)
        else:
            text = str(value)
        el.set(key.replace("_", "-"), _clean(text))
    return el


def resolve_scope(segment: int, scope: Scope, bridges: dict[tuple[int, int, int, int], int]
                  ) -> str | None:
    """The function a DMAR path ends at: hop by hop through bridge secondary buses."""
    bus = scope.start_bus
    for index, (dev, fn) in enumerate(scope.path):
        if index == len(scope.path) - 1:
            return f"{segment:04x}:{bus:02x}:{dev:02x}.{fn}"
        secondary = bridges.get((segment, bus, dev, fn))
        if secondary is None:
            return None
        bus = secondary
    return None


def _scopes(parent: etree._Element, segment: int, scopes: tuple[Scope, ...],
            bridges: dict[tuple[int, int, int, int], int]) -> None:
    for scope in scopes:
        path = "/".join(f"{d:02x}.{f}" for d, f in scope.path)
        _sub(parent, "scope", type=SCOPE_TYPES.get(scope.type, "unknown"),
             enumeration_id=scope.enumeration_id, start_bus=_hex(scope.start_bus), path=path,
             bdf=resolve_scope(segment, scope, bridges))


def _processors(root: etree._Element, info: CpuInfo) -> None:
    procs = _sub(root, "processors")
    for cpu in info.cpus:
        _sub(procs, "cpu", id=cpu.id, apic_id=cpu.apic_id, package=cpu.package, core=cpu.core,
             thread=cpu.thread, online=cpu.online)
    if info.model:
        model = {}
        for key in ("family", "model", "stepping"):
            value = parse_uint(info.model.get(key))
            if value is not None:
                model[key] = value
        _sub(procs, "model", vendor=info.model.get("vendor"),
             microcode=info.model.get("microcode"), name=info.model.get("name"), **model)
    if info.features:
        features = _sub(procs, "features")
        for name in info.features:
            _sub(features, "feature", name=name)
    if info.caches:
        caches = _sub(procs, "caches")
        for c in info.caches:
            _sub(caches, "cache", level=c.level, type=c.type,
                 size=_hex(c.size) if c.size is not None else None, ways=c.ways,
                 line_size=c.line_size, sets=c.sets, shared_cpus=c.shared_cpus)


def _acpi(root: etree._Element, acpi: AcpiInfo) -> None:
    el = _sub(root, "acpi")
    tables = _sub(el, "tables")
    for t in acpi.tables:
        _sub(tables, "table", file=t.file, signature=t.signature, length=_hex(t.length),
             revision=t.revision, oem_id=t.oem_id, oem_table_id=t.oem_table_id,
             oem_revision=_hex(t.oem_revision) if t.oem_revision is not None else None,
             checksum_ok=t.checksum_ok)
    if acpi.madt is not None:
        m = acpi.madt
        madt = _sub(el, "madt", local_apic_address=_hex(m.local_apic_address),
                    pcat_compat=m.pcat_compat)
        for la in m.local_apics:
            _sub(madt, "local-apic", uid=la.uid, apic_id=la.apic_id, enabled=la.enabled,
                 online_capable=la.online_capable, x2apic=la.x2apic)
        for io in m.ioapics:
            _sub(madt, "ioapic", id=io.id, address=_hex(io.address), gsi_base=io.gsi_base)
        for o in m.overrides:
            _sub(madt, "interrupt-override", bus=o.bus, source=o.source, gsi=o.gsi,
                 polarity=POLARITY[o.flags & 3], trigger=TRIGGER[(o.flags >> 2) & 3])
        for n in m.nmis:
            _sub(madt, "nmi", uid=n.uid, lint=n.lint, gsi=n.gsi, flags=_hex(n.flags))
    if acpi.fadt is not None:
        f = acpi.fadt
        fadt = _sub(el, "fadt", revision=f.revision, sci_irq=f.sci_irq,
                    smi_command_port=_hex(f.smi_command_port), flags=_hex(f.flags),
                    iapc_boot_arch=_hex(f.iapc_boot_arch) if f.iapc_boot_arch is not None
                    else None, hardware_reduced=f.hardware_reduced, dsdt=_hex(f.dsdt))
        if f.reset_register is not None and f.reset_value is not None:
            r = f.reset_register
            _sub(fadt, "reset-register", space=r.space, space_id=r.space_id,
                 address=_hex(r.address), bit_width=r.bit_width, value=_hex(f.reset_value))
        for b in f.pm_blocks:
            _sub(fadt, "pm-block", name=b.name, space=b.space, address=_hex(b.address),
                 length=b.length)
        if f.s5 is None:
            _sub(fadt, "sleep-state", name="S5", known=False)
        else:
            _sub(fadt, "sleep-state", name="S5", known=True, slp_typa=f.s5[0], slp_typb=f.s5[1])
    if acpi.mcfg is not None:
        mcfg = _sub(el, "mcfg")
        for e in acpi.mcfg:
            _sub(mcfg, "ecam", address=_hex(e.address), segment=e.segment,
                 start_bus=e.start_bus, end_bus=e.end_bus)
    for h in acpi.hpets:
        _sub(el, "hpet", number=h.number, address=_hex(h.address), space=h.space,
             event_timer_block_id=_hex(h.block_id), min_tick=h.min_tick)


def _iommu(root: etree._Element, acpi: AcpiInfo, pci: list[PciFunction]) -> None:
    dmar = acpi.dmar
    if dmar is None:
        return
    bridges = {}
    for fn in pci:
        if fn.secondary_bus is not None:
            seg, bus, devfn = fn.bdf.split(":")
            dev, func = devfn.split(".")
            bridges[(int(seg, 16), int(bus, 16), int(dev, 16), int(func))] = fn.secondary_bus
    el = _sub(root, "iommu", host_address_width=dmar.host_address_width, flags=_hex(dmar.flags))
    for d in dmar.drhds:
        drhd = _sub(el, "drhd", segment=d.segment, address=_hex(d.address),
                    include_pci_all=bool(d.flags & 1), size=_hex(d.size))
        _scopes(drhd, d.segment, d.scopes, bridges)
    for r in dmar.rmrrs:
        rmrr = _sub(el, "rmrr", segment=r.segment, base=_hex(r.base), limit=_hex(r.limit))
        _scopes(rmrr, r.segment, r.scopes, bridges)
    for a in dmar.atsrs:
        atsr = _sub(el, "atsr", segment=a.segment, all_ports=bool(a.flags & 1))
        _scopes(atsr, a.segment, a.scopes, bridges)


def _pci(root: etree._Element, functions: list[PciFunction]) -> None:
    el = _sub(root, "pci")
    for fn in functions:
        dev = _sub(el, "device", bdf=fn.bdf, vendor=_hex(fn.vendor), device=_hex(fn.device),
                   **{"class": f"{fn.class_code:#08x}"},
                   revision=_hex(fn.revision) if fn.revision is not None else None,
                   subsystem_vendor=_hex(fn.subsystem_vendor)
                   if fn.subsystem_vendor is not None else None,
                   subsystem_device=_hex(fn.subsystem_device)
                   if fn.subsystem_device is not None else None,
                   header_type=fn.header_type, multifunction=fn.multifunction,
                   secondary_bus=_hex(fn.secondary_bus) if fn.secondary_bus is not None
                   else None,
                   subordinate_bus=_hex(fn.subordinate_bus) if fn.subordinate_bus is not None
                   else None,
                   irq=fn.irq, interrupt_pin=fn.interrupt_pin, iommu_group=fn.iommu_group,
                   driver=fn.driver, config_size=fn.config_size)
        for b in fn.bars:
            _sub(dev, "bar", index=b.index, type=b.type, address=_hex(b.address),
                 size=_hex(b.size), prefetchable=b.prefetchable)
        if fn.msi is not None:
            _sub(dev, "msi", offset=_hex(fn.msi["offset"]), address_64=fn.msi["address-64"],
                 vectors=fn.msi["vectors"], per_vector_mask=fn.msi["per-vector-mask"])
        if fn.msix is not None:
            x = fn.msix
            _sub(dev, "msix", offset=_hex(x["offset"]), table_size=x["table-size"],
                 table_bir=x["table-bir"], table_offset=_hex(x["table-offset"]),
                 pba_bir=x["pba-bir"], pba_offset=_hex(x["pba-offset"]))
        if fn.pcie is not None:
            _sub(dev, "pcie", offset=_hex(fn.pcie["offset"]), port_type=fn.pcie["port-type"],
                 version=fn.pcie["version"])
        if fn.sriov is not None:
            _sub(dev, "sriov", offset=_hex(fn.sriov["offset"]), total_vfs=fn.sriov["total-vfs"],
                 initial_vfs=fn.sriov["initial-vfs"])
        for cap in fn.capabilities:
            names = EXT_CAP_NAMES if cap.extended else CAP_NAMES
            _sub(dev, "capability", id=_hex(cap.id), offset=_hex(cap.offset),
                 extended=cap.extended, name=names.get(cap.id))


def build_tree(facts: Facts) -> etree._ElementTree:
    """The board document for facts (not yet validated)."""
    root = etree.Element("board")
    root.set("name", _clean(facts.name))
    root.set("collector-version", _clean(facts.capture.version))
    if "date" in facts.capture.info:
        root.set("captured", _clean(facts.capture.info["date"]))
    if facts.findings.warnings:
        warnings = _sub(root, "warnings")
        for source, text in facts.findings.warnings:
            _sub(warnings, "warning", source=source).text = _clean(text)
    _processors(root, facts.cpus)
    memory = _sub(root, "memory")
    for r in facts.memory:
        _sub(memory, "range", start=_hex(r.start), size=_hex(r.size), type=r.type,
             firmware_type=r.firmware_type)
    if facts.acpi.tables:
        _acpi(root, facts.acpi)
    _iommu(root, facts.acpi, facts.pci)
    _pci(root, facts.pci)
    serial = _sub(root, "serial-ports")
    for p in facts.serial:
        _sub(serial, "port", name=p.name, io_port=_hex(p.io_port) if p.io_port else None,
             iomem=_hex(p.iomem) if p.iomem else None, irq=p.irq, type=p.type,
             io_type=p.io_type)
    disks = _sub(root, "block-devices")
    for d in facts.disks:
        _sub(disks, "disk", name=d.name, size=_hex(d.size) if d.size is not None else None,
             removable=d.removable, model=d.model, vendor=d.vendor)
    if facts.dmi:
        dmi = _sub(root, "dmi")
        for name in sorted(facts.dmi):
            _sub(dmi, "entry", name=name, value=facts.dmi[name])
    return etree.ElementTree(root)


def serialize(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render(facts: Facts, output_name: str) -> bytes:
    """Serialized board XML, validated against board.xsd (re-parsed so errors have lines)."""
    data = serialize(build_tree(facts))
    reparsed = etree.ElementTree(etree.fromstring(data))
    board_model.validate_tree(reparsed, f"{output_name} (generated)")
    return data


def write_atomically(path: str, data: bytes) -> None:
    """Write data to path through a temporary file in the same directory and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".board-", suffix=".xml.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
