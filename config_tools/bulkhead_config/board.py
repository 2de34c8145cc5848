# SPDX-License-Identifier: BSD-3-Clause
"""Load a board XML (schema/board.xsd) into immutable Python objects.

Every later stage reads boards through load_board(); any file problem (missing,
unreadable, not XML, not matching the schema) becomes a ConfigError naming file:line.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from lxml import etree

from .errors import ConfigError, Problem

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "schema", "board.xsd")

_BDF_RE = re.compile(
    r"^(?:(?P<seg>[0-9a-fA-F]{1,4}):)?(?P<bus>[0-9a-fA-F]{1,2}):"
    r"(?P<dev>[0-9a-fA-F]{1,2})\.(?P<fn>[0-7])$")


def normalize_bdf(text: str) -> str:
    """Return "SSSS:BB:DD.F" (lowercase) for "BB:DD.F" or "SSSS:BB:DD.F"; ConfigError else."""
    match = _BDF_RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"invalid PCI address {text!r}: expected BB:DD.F or SSSS:BB:DD.F "
                          "in hexadecimal, e.g. 00:1f.2 or 0000:00:1f.2")
    dev = int(match["dev"], 16)
    if dev > 0x1f:
        raise ConfigError(f"invalid PCI address {text!r}: device number 0x{dev:x} is above 0x1f")
    seg = int(match["seg"] or "0", 16)
    return f"{seg:04x}:{int(match['bus'], 16):02x}:{dev:02x}.{match['fn']}"


# ----- model -----

@dataclass(frozen=True)
class Cpu:
    id: int
    apic_id: int
    package: int
    core: int
    thread: int
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MemRange:
    start: int
    size: int
    type: str  # RAM, RESERVED, ACPI, NVS, UNUSABLE, PERSISTENT, SOFT-RESERVED, OTHER
    line: int | None = field(default=None, compare=False, repr=False)

    @property
    def end(self) -> int:
        """One past the last byte."""
        return self.start + self.size


class MemoryMap(tuple):
    """The memory ranges (a tuple of MemRange) with .ram() for the usable ones."""

    def ram(self) -> list[MemRange]:
        return [r for r in self if r.type == "RAM"]


@dataclass(frozen=True)
class Bar:
    index: int
    type: str  # io, mem32, mem64
    address: int
    size: int
    prefetchable: bool = False
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PciDevice:
    bdf: str
    vendor: int
    device: int
    class_code: int
    bars: tuple[Bar, ...] = ()
    header_type: int | None = None
    secondary_bus: int | None = None
    subordinate_bus: int | None = None
    irq: int | None = None
    iommu_group: int | None = None
    driver: str | None = None
    msi_vectors: int | None = None  # None when there is no MSI capability
    msix_table_size: int | None = None
    pcie_port_type: str | None = None
    sriov_total_vfs: int | None = None
    interrupt_pin: str | None = None  # "A" to "D", None without INTx
    line: int | None = field(default=None, compare=False, repr=False)

    @property
    def is_bridge(self) -> bool:
        return self.header_type == 1


@dataclass(frozen=True)
class Ioapic:
    id: int
    address: int
    gsi_base: int
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class DeviceScope:
    type: str  # endpoint, bridge, ioapic, hpet, acpi-namespace, unknown
    enumeration_id: int
    start_bus: int
    path: tuple[tuple[int, int], ...]  # (device, function) hops
    bdf: str | None  # resolved function, when known
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class IommuUnit:
    segment: int
    address: int
    include_pci_all: bool
    scopes: tuple[DeviceScope, ...] = ()
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Rmrr:
    segment: int
    base: int
    limit: int  # last byte
    scopes: tuple[DeviceScope, ...] = ()
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SerialPort:
    name: str
    io_port: int | None
    irq: int | None
    iomem: int | None = None
    line: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Board:
    name: str
    path: str
    cpus: tuple[Cpu, ...]
    memory: MemoryMap
    pci_devices: Mapping[str, PciDevice]
    ioapics: tuple[Ioapic, ...]
    iommu_units: tuple[IommuUnit, ...]
    rmrrs: tuple[Rmrr, ...]
    serial_ports: tuple[SerialPort, ...]
    features: frozenset[str]
    root: Any = field(compare=False, repr=False)  # the lxml root element

    def line_of(self, element: Any) -> int | None:
        """1-based line of an lxml element or of a model object loaded from this file."""
        line = getattr(element, "sourceline", None)
        if line is None:
            line = getattr(element, "line", None)
        return line if isinstance(line, int) else None

    def pci_device(self, bdf: str) -> PciDevice | None:
        """The device at bdf in any accepted spelling, None if the board has none there."""
        return self.pci_devices.get(normalize_bdf(bdf))


# ----- loading -----

@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    try:
        return etree.XMLSchema(etree.parse(SCHEMA_PATH))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as err:
        raise ConfigError(f"{SCHEMA_PATH}: cannot load the board schema: {err}") from None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, remove_comments=False)


def parse_and_validate(path: str) -> etree._ElementTree:
    """Parse path and validate it against board.xsd; ConfigError on any problem."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        reason = err.strerror or str(err)
        raise ConfigError([Problem(path, None, "/", "board-unreadable",
                                   f"cannot read board file: {reason}",
                                   "check the path; board files normally live in board_xmls/")]
                          ) from None
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else None
        msg = err.msg if hasattr(err, "msg") and err.msg else str(err)
        raise ConfigError([Problem(path, line, "/", "board-not-xml",
                                   f"not well-formed XML: {msg}",
                                   "regenerate it with `bulkhead-config inspect`")]) from None
    validate_tree(tree, path)
    return tree


def validate_tree(tree: etree._ElementTree, path: str) -> None:
    """Raise ConfigError listing every schema violation of tree (file name path)."""
    schema = _schema()
    if schema.validate(tree):
        return
    problems = []
    for entry in schema.error_log:
        element_path = entry.path or "/"
        problems.append(Problem(path, entry.line or None, element_path, "board-schema",
                                entry.message,
                                "see schema/board.xsd; regenerate with `bulkhead-config inspect`"))
    raise ConfigError(problems or [Problem(path, None, "/", "board-schema",
                                           "does not match schema/board.xsd")])


def _int(el: etree._Element, name: str, default: int | None = None) -> int | None:
    text = el.get(name)
    if text is None:
        return default
    return int(text, 16) if text.startswith("0x") else int(text)


def _bool(el: etree._Element, name: str) -> bool:
    return el.get(name) in ("true", "1")


def _scope(el: etree._Element) -> DeviceScope:
    hops = []
    for hop in filter(None, el.get("path", "").split("/")):
        dev, _, fn = hop.partition(".")
        hops.append((int(dev, 16), int(fn or "0", 16)))
    return DeviceScope(el.get("type", "unknown"), _int(el, "enumeration-id", 0) or 0,
                       _int(el, "start-bus", 0) or 0, tuple(hops), el.get("bdf"),
                       el.sourceline)


def _pci_device(el: etree._Element) -> PciDevice:
    bars = tuple(Bar(_int(b, "index"), b.get("type"), _int(b, "address"), _int(b, "size"),
                     _bool(b, "prefetchable"), b.sourceline) for b in el.findall("bar"))
    msi = el.find("msi")
    msix = el.find("msix")
    pcie = el.find("pcie")
    sriov = el.find("sriov")
    return PciDevice(
        bdf=el.get("bdf"), vendor=_int(el, "vendor"), device=_int(el, "device"),
        class_code=_int(el, "class"), bars=bars, header_type=_int(el, "header-type"),
        secondary_bus=_int(el, "secondary-bus"), subordinate_bus=_int(el, "subordinate-bus"),
        irq=_int(el, "irq"), iommu_group=_int(el, "iommu-group"), driver=el.get("driver"),
        msi_vectors=_int(msi, "vectors") if msi is not None else None,
        msix_table_size=_int(msix, "table-size") if msix is not None else None,
        pcie_port_type=pcie.get("port-type") if pcie is not None else None,
        sriov_total_vfs=_int(sriov, "total-vfs") if sriov is not None else None,
        interrupt_pin=el.get("interrupt-pin"), line=el.sourceline)


def board_from_tree(tree: etree._ElementTree, path: str) -> Board:
    """Build the model from an already validated tree."""
    root = tree.getroot()
    cpus = tuple(Cpu(_int(c, "id"), _int(c, "apic-id"), _int(c, "package"), _int(c, "core"),
                     _int(c, "thread"), c.sourceline)
                 for c in root.findall("processors/cpu"))
    memory = MemoryMap(MemRange(_int(r, "start"), _int(r, "size"), r.get("type"), r.sourceline)
                       for r in root.findall("memory/range"))
    devices = {}
    for el in root.findall("pci/device"):
        dev = _pci_device(el)
        devices[normalize_bdf(dev.bdf)] = dev
    ioapics = tuple(Ioapic(_int(i, "id"), _int(i, "address"), _int(i, "gsi-base"), i.sourceline)
                    for i in root.findall("acpi/madt/ioapic"))
    units = tuple(IommuUnit(_int(d, "segment"), _int(d, "address"),
                            _bool(d, "include-pci-all"),
                            tuple(_scope(s) for s in d.findall("scope")), d.sourceline)
                  for d in root.findall("iommu/drhd"))
    rmrrs = tuple(Rmrr(_int(r, "segment"), _int(r, "base"), _int(r, "limit"),
                       tuple(_scope(s) for s in r.findall("scope")), r.sourceline)
                  for r in root.findall("iommu/rmrr"))
    ports = tuple(SerialPort(p.get("name"), _int(p, "io-port"), _int(p, "irq"),
                             _int(p, "iomem"), p.sourceline)
                  for p in root.findall("serial-ports/port"))
    features = frozenset(f.get("name") for f in root.findall("processors/features/feature"))
    return Board(name=root.get("name"), path=path, cpus=cpus, memory=memory,
                 pci_devices=MappingProxyType(dict(sorted(devices.items()))), ioapics=ioapics,
                 iommu_units=units, rmrrs=rmrrs, serial_ports=ports, features=features,
                 root=root)


def load_board(path: str | os.PathLike[str]) -> Board:
    """Read, validate and load the board XML at path. Raises ConfigError on any problem."""
    path = os.fspath(path)
    tree = parse_and_validate(path)
    try:
        return board_from_tree(tree, path)
    except (TypeError, ValueError, ConfigError) as err:  # schema should prevent these
        raise ConfigError([Problem(path, None, "/board", "board-invalid",
                                   f"cannot load board: {err}")]) from None
