"""Tests of `bulkhead-config inspect` (config_tools/bulkhead_config/inspector/).

Run: /usr/bin/python3 -m pytest -q tests/config_tools/test_inspector.py

ACPI tables and PCI config spaces are built here byte by byte (ACPI 6.5 ch. 5, VT-d
ch. 8, PCIe ch. 7) so the expectations are exact; the corrupt-input tests mutate them at
random (fixed seed) and require that parsing never raises. The fixtures in fixtures/
are real captures (misc/capture/); board_xmls/ holds the board XMLs generated from them.
"""
from __future__ import annotations

import io
import os
import random
import struct
import sys
import tarfile
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config import board as board_model  # noqa: E402
from bulkhead_config.cli import main  # noqa: E402
from bulkhead_config.errors import ConfigError  # noqa: E402
from bulkhead_config.inspector import acpi, aml, dmar, inspect_capture, pci, source  # noqa: E402
from bulkhead_config.inspector.findings import Findings  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BOARD_XMLS = REPO / "board_xmls"
# fixture tarball -> committed board XML (same stem; the board name is the stem)
FIXTURE_BOARDS = ("qemu-q35", "bochs", "host")
TOP = "bulkhead-board"


# ----- ACPI table builders -----

def table(sig: bytes, body: bytes, revision: int = 1, length: int | None = None,
          good_checksum: bool = True) -> bytes:
    size = 36 + len(body) if length is None else length
    head = struct.pack("<4sIBB6s8sI4sI", sig, size, revision, 0, b"BLKHD ", b"TESTTBL ",
                       7, b"BLKC", 1)
    data = bytearray(head + body)
    data[9] = (-sum(data)) % 256
    if not good_checksum:
        data[9] = (data[9] + 1) % 256
    return bytes(data)


def madt_table() -> bytes:
    body = struct.pack("<II", 0xFEE00000, 1)
    for cpu in range(4):  # APIC ids 0, 2, 4, 6 (no SMT siblings enumerated)
        body += struct.pack("<BBBBI", 0, 8, cpu, cpu * 2, 1)
    body += struct.pack("<BBBBI", 0, 8, 4, 8, 2)  # disabled, online capable
    body += struct.pack("<BBBBII", 1, 12, 2, 0, 0xFEC00000, 0)
    body += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)
    body += struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 0xD)  # active high, level
    body += struct.pack("<BBBHB", 4, 6, 0xFF, 5, 1)
    body += struct.pack("<BBHIII", 9, 16, 0, 300, 1, 40)
    return table(b"APIC", body, revision=5)


def scope(kind: int, start_bus: int, path: list[tuple[int, int]], enum: int = 0) -> bytes:
    hops = b"".join(bytes(hop) for hop in path)
    return struct.pack("<BBBBBB", kind, 6 + len(hops), 0, 0, enum, start_bus) + hops


def dmar_table() -> bytes:
    scopes1 = scope(1, 0, [(2, 0)]) + scope(1, 0, [(0x1C, 0), (0, 0)])
    drhd1 = struct.pack("<HHBBHQ", 0, 16 + len(scopes1), 0, 0, 0, 0xFED90000) + scopes1
    scopes2 = scope(3, 0xF0, [(0x1F, 0)], enum=2) + scope(4, 0, [(0x1F, 0)], enum=0)
    drhd2 = struct.pack("<HHBBHQ", 0, 16 + len(scopes2), 1, 1, 0, 0xFED91000) + scopes2
    rscope = scope(1, 0, [(0x14, 0)])
    rmrr = struct.pack("<HHHHQQ", 1, 24 + len(rscope), 0, 0, 0x7C000000, 0x7C7FFFFF) + rscope
    atsr = struct.pack("<HHBBH", 2, 8, 1, 0, 0)
    body = struct.pack("<BB10s", 38, 1, bytes(10)) + drhd1 + drhd2 + rmrr + atsr
    return table(b"DMAR", body)


def mcfg_table() -> bytes:
    body = bytes(8) + struct.pack("<QHBBI", 0xE0000000, 0, 0, 0x3F, 0)
    return table(b"MCFG", body)


def fadt_table() -> bytes:
    body = bytearray(276 - 36)

    def put(offset: int, fmt: str, *values: int) -> None:
        struct.pack_into(fmt, body, offset - 36, *values)

    put(40, "<I", 0x7FF00000)  # DSDT
    put(46, "<H", 9)  # SCI
    put(48, "<I", 0xB2)  # SMI_CMD
    put(56, "<I", 0x1800)  # PM1a_EVT_BLK
    put(64, "<I", 0x1804)  # PM1a_CNT_BLK
    put(76, "<I", 0x1808)  # PM_TMR_BLK
    put(80, "<I", 0x1820)  # GPE0_BLK
    put(88, "<BBBBBB", 4, 2, 0, 4, 16, 0)
    put(109, "<H", 0x3)
    put(112, "<I", (1 << 10) | (1 << 4))  # RESET_REG_SUP
    put(116, "<BBBBQ", 1, 8, 0, 1, 0xCF9)
    put(128, "<B", 6)
    put(172, "<BBBBQ", 1, 16, 0, 2, 0x1804)  # X_PM1a_CNT_BLK
    return table(b"FACP", bytes(body), revision=6)


def hpet_table() -> bytes:
    body = struct.pack("<I", 0x8086A201) + struct.pack("<BBBBQ", 0, 64, 0, 0, 0xFED00000)
    body += struct.pack("<BHB", 0, 0x80, 0)
    return table(b"HPET", body)


def dsdt_table(s5: bool = True) -> bytes:
    aml_code = b"\x10\x05\x5c\x2e\x5f\x53\x42\x5f"  # some scope noise
    if s5:
        aml_code += b"\x08\\_S5_\x12\x08\x04\x0a\x07\x0a\x05\x00\x00"
    return table(b"DSDT", aml_code + b"\xa3" * 8, revision=2)


def all_tables() -> dict[str, bytes]:
    return {"APIC": madt_table(), "DMAR": dmar_table(), "MCFG": mcfg_table(),
            "FACP": fadt_table(), "HPET": hpet_table(), "DSDT": dsdt_table()}


# ----- PCI config builders -----

def endpoint_config() -> bytes:
    cfg = bytearray(4096)
    struct.pack_into("<HHHH", cfg, 0, 0x8086, 0x1533, 0x0406, 0x0010)
    cfg[8:12] = bytes([3, 0, 0, 2])  # revision, prog-if, subclass, base class
    struct.pack_into("<IIIIII", cfg, 0x10, 0xFE000000, 0xE001, 0x0000000C, 0x7F, 0xFE020000, 0)
    struct.pack_into("<HH", cfg, 0x2C, 0x8086, 0x0001)
    cfg[0x34] = 0x40
    cfg[0x3D] = 1
    struct.pack_into("<BBH", cfg, 0x40, 0x05, 0x50, 0x0086)  # MSI 64-bit, 8 vectors
    struct.pack_into("<BBHII", cfg, 0x50, 0x11, 0x70, 0x0009, 0x00000004, 0x00002004)
    struct.pack_into("<BBH", cfg, 0x70, 0x10, 0x00, 0x0002)  # PCIe v2 endpoint
    struct.pack_into("<I", cfg, 0x100, 0x0010 | (1 << 16) | (0x140 << 20))  # SR-IOV
    struct.pack_into("<HH", cfg, 0x10C, 7, 7)
    struct.pack_into("<I", cfg, 0x140, 0x000D | (1 << 16))  # ACS, last
    return bytes(cfg)


ENDPOINT_RESOURCE = (
    "0x00000000fe000000 0x00000000fe01ffff 0x0000000000040200\n"
    "0x000000000000e000 0x000000000000e01f 0x0000000000040101\n"
    "0x0000007f00000000 0x0000007f000fffff 0x000000000014220c\n"
    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
    "0x00000000fe020000 0x00000000fe023fff 0x0000000000040200\n"
    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n")


def bridge_config() -> bytes:
    cfg = bytearray(256)
    struct.pack_into("<HHHH", cfg, 0, 0x8086, 0xA110, 0x0407, 0x0010)
    cfg[8:12] = bytes([0xF0, 0, 4, 6])
    cfg[0x0E] = 0x81
    cfg[0x18:0x1B] = bytes([0, 2, 3])
    cfg[0x34] = 0x40
    struct.pack_into("<BBH", cfg, 0x40, 0x10, 0x00, 0x0042)  # PCIe v2 root port
    return bytes(cfg)


def host_bridge_config() -> bytes:
    cfg = bytearray(256)
    struct.pack_into("<HH", cfg, 0, 0x8086, 0x29C0)
    cfg[8:12] = bytes([0, 0, 0, 6])
    return bytes(cfg)


# ----- synthetic capture -----

CPUINFO_BLOCK = """processor\t: {n}
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 85
model name\t: Test CPU
stepping\t: 7
microcode\t: 0x5003006
physical id\t: 0
core id\t\t: {n}
apicid\t\t: {apic}
flags\t\t: fpu vme msr apic x2apic vmx
vmx flags\t: ept vpid unrestricted_guest

"""


def write(root: Path, rel: str, data: bytes | str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def make_capture(base: Path, tables: dict[str, bytes] | None = None) -> Path:
    """A capture directory with 4 CPUs, a memory map, ACPI tables and three PCI functions."""
    root = base / TOP
    write(root, "collector/version", "1\n")
    write(root, "collector/info", "date=2026-01-02T03:04:05Z\nhostname=synth-box\n")
    write(root, "collector/errors", "/proc/ioports: permission denied\n")
    write(root, "proc/cpuinfo", "".join(CPUINFO_BLOCK.format(n=n, apic=2 * n) for n in range(4)))
    for n in range(4):
        topo = f"sys/devices/system/cpu/cpu{n}/topology"
        write(root, f"{topo}/physical_package_id", "0\n")
        write(root, f"{topo}/core_id", f"{n}\n")
        write(root, f"{topo}/thread_siblings_list", f"{n}\n")
    write(root, "sys/devices/system/cpu/online", "0-3\n")
    cache = "sys/devices/system/cpu/cpu0/cache/index0"
    for name, value in (("level", "1"), ("type", "Data"), ("size", "48K"),
                        ("ways_of_associativity", "12"), ("coherency_line_size", "64"),
                        ("number_of_sets", "64"), ("shared_cpu_list", "0")):
        write(root, f"{cache}/{name}", value + "\n")
    memmap = [(0, 0x9FBFF, "System RAM"), (0x9FC00, 0x9FFFF, "Reserved"),
              (0x100000, 0x7FFFFFFF, "System RAM"), (0x7FF00000 + 0x100000, 0x80FFFFFF,
                                                     "ACPI Tables")]
    for n, (start, end, kind) in enumerate(memmap):
        write(root, f"sys/firmware/memmap/{n}/start", f"{start:#x}\n")
        write(root, f"sys/firmware/memmap/{n}/end", f"{end:#x}\n")
        write(root, f"sys/firmware/memmap/{n}/type", kind + "\n")
    for name, data in (all_tables() if tables is None else tables).items():
        write(root, f"sys/firmware/acpi/tables/{name}", data)
    devices = "sys/bus/pci/devices"
    write(root, f"{devices}/0000:00:00.0/config", host_bridge_config())
    write(root, f"{devices}/0000:00:00.0/resource", "")
    write(root, f"{devices}/0000:00:1c.0/config", bridge_config())
    write(root, f"{devices}/0000:00:1c.0/resource", "0x0 0x0 0x0\n" * 7)
    write(root, f"{devices}/0000:00:1c.0/driver", "pcieport\n")
    write(root, f"{devices}/0000:02:00.0/config", endpoint_config())
    write(root, f"{devices}/0000:02:00.0/resource", ENDPOINT_RESOURCE)
    write(root, f"{devices}/0000:02:00.0/irq", "16\n")
    write(root, f"{devices}/0000:02:00.0/iommu_group", "5\n")
    write(root, f"{devices}/0000:02:00.0/driver", "igb\n")
    tty = "sys/class/tty"
    for name, port, kind in (("ttyS0", "0x3F8", "4"), ("ttyS1", "0x2F8", "0")):
        write(root, f"{tty}/{name}/port", port + "\n")
        write(root, f"{tty}/{name}/irq", "4\n")
        write(root, f"{tty}/{name}/type", kind + "\n")
        write(root, f"{tty}/{name}/io_type", "0\n")
        write(root, f"{tty}/{name}/iomem_base", "0x0\n")
    write(root, "sys/block/sda/size", "1000\n")
    write(root, "sys/block/sda/removable", "0\n")
    write(root, "sys/block/sda/device/model", "Test Disk\n")
    write(root, "sys/block/loop0/size", "0\n")
    write(root, "sys/class/dmi/id/product_name", "Synth Board 9000\n")
    write(root, "sys/class/dmi/id/product_serial", "SECRET\n")
    return base


def tar_directory(directory: Path, tar_path: Path) -> Path:
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(directory / TOP, arcname=TOP)
    return tar_path


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    return make_capture(tmp_path / "cap")


@pytest.fixture
def board_xml(capture: Path) -> etree._Element:
    return parse_xml(inspect_capture(str(capture)))


# ----- exact decoding of synthetic tables -----

def test_madt_four_cpus_and_ioapic(board_xml: etree._Element) -> None:
    madt = board_xml.find("acpi/madt")
    assert madt.get("local-apic-address") == "0xfee00000"
    assert madt.get("pcat-compat") == "true"
    lapics = [(e.get("uid"), e.get("apic-id"), e.get("enabled"), e.get("x2apic"))
              for e in madt.findall("local-apic")]
    assert lapics == [("0", "0", "true", "false"), ("1", "2", "true", "false"),
                      ("2", "4", "true", "false"), ("3", "6", "true", "false"),
                      ("4", "8", "false", "false"), ("40", "300", "true", "true")]
    assert madt.find("local-apic[@uid='4']").get("online-capable") == "true"
    ioapics = madt.findall("ioapic")
    assert [(i.get("id"), i.get("address"), i.get("gsi-base")) for i in ioapics] == \
        [("2", "0xfec00000", "0")]
    overrides = [dict(o.attrib) for o in madt.findall("interrupt-override")]
    assert overrides == [
        {"bus": "0", "source": "0", "gsi": "2", "polarity": "conforms", "trigger": "conforms"},
        {"bus": "0", "source": "9", "gsi": "9", "polarity": "high", "trigger": "level"}]
    nmi = madt.find("nmi")
    assert (nmi.get("uid"), nmi.get("lint"), nmi.get("flags")) == ("255", "1", "0x5")


def test_madt_parser_direct() -> None:
    findings = Findings()
    madt = acpi.parse_madt("APIC", madt_table(), findings)
    assert [la.apic_id for la in madt.local_apics if la.enabled] == [0, 2, 4, 6, 300]
    assert madt.ioapics == [acpi.IoApic(2, 0xFEC00000, 0)]
    assert findings.warnings == []


def test_madt_lapic_address_override() -> None:
    body = struct.pack("<II", 0xFEE00000, 0) + struct.pack("<BBHQ", 5, 12, 0, 0xFED00000000)
    madt = acpi.parse_madt("APIC", table(b"APIC", body), Findings())
    assert madt.local_apic_address == 0xFED00000000


def test_dmar_units_scopes_rmrr_atsr(board_xml: etree._Element) -> None:
    iommu = board_xml.find("iommu")
    assert iommu.get("host-address-width") == "39"
    assert iommu.get("flags") == "0x1"
    drhds = iommu.findall("drhd")
    assert [(d.get("address"), d.get("include-pci-all"), d.get("size")) for d in drhds] == \
        [("0xfed90000", "false", "0x1000"), ("0xfed91000", "true", "0x2000")]
    scopes = [dict(s.attrib) for s in drhds[0].findall("scope")]
    assert scopes == [
        {"type": "endpoint", "enumeration-id": "0", "start-bus": "0x0", "path": "02.0",
         "bdf": "0000:00:02.0"},
        {"type": "endpoint", "enumeration-id": "0", "start-bus": "0x0", "path": "1c.0/00.0",
         "bdf": "0000:02:00.0"}]  # resolved through bridge 00:1c.0 (secondary bus 2)
    scopes2 = [(s.get("type"), s.get("enumeration-id"), s.get("bdf"))
               for s in drhds[1].findall("scope")]
    assert scopes2 == [("ioapic", "2", "0000:f0:1f.0"), ("hpet", "0", "0000:00:1f.0")]
    rmrr = iommu.find("rmrr")
    assert (rmrr.get("base"), rmrr.get("limit")) == ("0x7c000000", "0x7c7fffff")
    assert rmrr.find("scope").get("bdf") == "0000:00:14.0"
    assert iommu.find("atsr").get("all-ports") == "true"


def test_dmar_unresolvable_path_has_no_bdf() -> None:
    unit = dmar.Scope(1, 0, 5, ((3, 0), (0, 0)))
    from bulkhead_config.inspector.writer import resolve_scope
    assert resolve_scope(0, unit, {}) is None
    assert resolve_scope(0, unit, {(0, 5, 3, 0): 7}) == "0000:07:00.0"


def test_mcfg_fadt_hpet(board_xml: etree._Element) -> None:
    ecam = board_xml.find("acpi/mcfg/ecam")
    assert dict(ecam.attrib) == {"address": "0xe0000000", "segment": "0", "start-bus": "0",
                                 "end-bus": "63"}
    fadt = board_xml.find("acpi/fadt")
    assert (fadt.get("revision"), fadt.get("sci-irq"), fadt.get("smi-command-port"),
            fadt.get("hardware-reduced"), fadt.get("dsdt"), fadt.get("iapc-boot-arch")) == \
        ("6", "9", "0xb2", "false", "0x7ff00000", "0x3")
    reset = fadt.find("reset-register")
    assert dict(reset.attrib) == {"space": "io", "space-id": "1", "address": "0xcf9",
                                  "bit-width": "8", "value": "0x6"}
    blocks = {b.get("name"): (b.get("space"), b.get("address"), b.get("length"))
              for b in fadt.findall("pm-block")}
    assert blocks == {"pm1a-event": ("io", "0x1800", "4"),
                      "pm1a-control": ("io", "0x1804", "2"),
                      "pm-timer": ("io", "0x1808", "4"), "gpe0": ("io", "0x1820", "16")}
    s5 = fadt.find("sleep-state")
    assert dict(s5.attrib) == {"name": "S5", "known": "true", "slp-typa": "7", "slp-typb": "5"}
    hpet = board_xml.find("acpi/hpet")
    assert dict(hpet.attrib) == {"number": "0", "address": "0xfed00000", "space": "memory",
                                 "event-timer-block-id": "0x8086a201", "min-tick": "128"}


def test_s5_unknown_without_package(tmp_path: Path) -> None:
    tables = all_tables()
    tables["DSDT"] = dsdt_table(s5=False)
    root = parse_xml(inspect_capture(str(make_capture(tmp_path, tables))))
    assert root.find("acpi/fadt/sleep-state").get("known") == "false"
    assert root.find("warnings/warning[@source='acpi/DSDT']") is not None


@pytest.mark.parametrize("code, expected", [
    (b"\x08_S5_\x12\x06\x04\x00\x00\x00\x00", (0, 0)),
    (b"\x08\\_S5_\x12\x0a\x04\x0a\x05\x0a\x05\x00\x00", (5, 5)),
    (b"\x08_S5_\x12\x05\x02\x01\x0b\x06\x00", (1, 6)),
    (b"\x08_S5_\x12\x45\x00\x04\x0a\x07", (7, 7)),  # two-byte PkgLength, one element
    (b"\x14_S5_\x12\x06\x04\x00\x00\x00\x00", None),  # a method, not a Name
    (b"\x08_S5_\x12", None),
    (b"", None)])
def test_aml_sleep_type(code: bytes, expected: tuple[int, int] | None) -> None:
    assert aml.find_sleep_type(code, "_S5_") == expected


# ----- PCI -----

def test_pci_endpoint_bars_and_capabilities(board_xml: etree._Element) -> None:
    dev = board_xml.find("pci/device[@bdf='0000:02:00.0']")
    assert (dev.get("vendor"), dev.get("device"), dev.get("class"), dev.get("revision"),
            dev.get("header-type"), dev.get("irq"), dev.get("iommu-group"), dev.get("driver"),
            dev.get("interrupt-pin"), dev.get("config-size")) == \
        ("0x8086", "0x1533", "0x020000", "0x3", "0", "16", "5", "igb", "A", "4096")
    bars = [(b.get("index"), b.get("type"), b.get("address"), b.get("size"),
             b.get("prefetchable")) for b in dev.findall("bar")]
    assert bars == [("0", "mem32", "0xfe000000", "0x20000", "false"),
                    ("1", "io", "0xe000", "0x20", "false"),
                    ("2", "mem64", "0x7f00000000", "0x100000", "true"),
                    ("4", "mem32", "0xfe020000", "0x4000", "false")]
    assert dict(dev.find("msi").attrib) == {"offset": "0x40", "address-64": "true",
                                            "vectors": "8", "per-vector-mask": "false"}
    assert dict(dev.find("msix").attrib) == {"offset": "0x50", "table-size": "10",
                                             "table-bir": "4", "table-offset": "0x0",
                                             "pba-bir": "4", "pba-offset": "0x2000"}
    assert dict(dev.find("pcie").attrib) == {"offset": "0x70", "port-type": "endpoint",
                                             "version": "2"}
    assert dict(dev.find("sriov").attrib) == {"offset": "0x100", "total-vfs": "7",
                                              "initial-vfs": "7"}
    caps = [(c.get("id"), c.get("offset"), c.get("extended")) for c in dev.findall("capability")]
    assert caps == [("0x5", "0x40", "false"), ("0x11", "0x50", "false"),
                    ("0x10", "0x70", "false"), ("0x10", "0x100", "true"),
                    ("0xd", "0x140", "true")]


def test_pci_bridge(board_xml: etree._Element) -> None:
    dev = board_xml.find("pci/device[@bdf='0000:00:1c.0']")
    assert (dev.get("header-type"), dev.get("multifunction"), dev.get("secondary-bus"),
            dev.get("subordinate-bus"), dev.get("driver")) == ("1", "true", "0x2", "0x3",
                                                                "pcieport")
    assert dev.find("pcie").get("port-type") == "root-port"
    assert dev.findall("bar") == []


def test_pci_capability_loop_and_bad_pointer() -> None:
    cfg = bytearray(endpoint_config())
    cfg[0x71] = 0x40  # PCIe -> back to MSI
    fn = pci.PciFunction("0000:00:00.0", 0x8086, 1, 0, header_type=0)
    findings = Findings()
    pci.walk_capabilities(bytes(cfg), fn, "pci/x", findings)
    assert [c.offset for c in fn.capabilities if not c.extended] == [0x40, 0x50, 0x70]
    assert any("loops" in text for _, text in findings.warnings)
    cfg[0x34] = 0x20
    fn = pci.PciFunction("0000:00:00.0", 0x8086, 1, 0, header_type=0)
    pci.walk_capabilities(bytes(cfg), fn, "pci/x", findings)
    assert not [c for c in fn.capabilities if not c.extended]


def test_pci_fuzz_config_space_never_raises() -> None:
    rng = random.Random(20261122)
    base = endpoint_config()
    for _ in range(3000):
        cfg = bytearray(base[:rng.choice([0, 3, 64, 256, 4096])])
        for _ in range(rng.randint(1, 12)):
            if cfg:
                cfg[rng.randrange(len(cfg))] = rng.randrange(256)
        findings = Findings()
        fn = pci.PciFunction("0000:00:00.0", 1, 1, 0,
                             header_type=rng.choice([0, 1, 2, 0x7F, None]))
        pci.walk_capabilities(bytes(cfg), fn, "pci/x", findings)
        resources = pci.parse_resource(ENDPOINT_RESOURCE if rng.random() < 0.5 else
                                       "junk\n1 2\n0x5 0x1 0x200\n", "pci/x", findings)
        pci.bars_from(bytes(cfg), fn.header_type, resources, "pci/x", findings)
        assert len(fn.capabilities) <= 48 + 1024


# ----- corrupt tables -----

def decode(tables: dict[str, bytes]) -> tuple[acpi.AcpiInfo, Findings]:
    findings = Findings()
    info = acpi.AcpiInfo()
    bodies: dict[str, list[tuple[str, bytes]]] = {}
    for name, data in tables.items():
        parsed = acpi.parse_header(name, data, findings)
        if parsed is not None:
            info.tables.append(parsed[0])
            bodies.setdefault(parsed[0].signature, []).append((name, parsed[1]))
    acpi.decode_tables(bodies, info, findings)
    return info, findings


def test_bad_checksum_is_a_warning() -> None:
    info, findings = decode({"MCFG": table(b"MCFG", mcfg_table()[36:], good_checksum=False)})
    assert info.tables[0].checksum_ok is False
    assert ("acpi/MCFG", "checksum mismatch: the table may be corrupt; facts taken from it "
            "are unverified") in findings.warnings
    assert info.mcfg == [acpi.Ecam(0xE0000000, 0, 0, 0x3F)]


def test_zero_length_madt_entry_stops_with_warning() -> None:
    body = struct.pack("<II", 0xFEE00000, 0) + struct.pack("<BBBBI", 0, 8, 0, 0, 1)
    body += bytes([0, 0]) + struct.pack("<BBBBI", 0, 8, 1, 1, 1)
    info, findings = decode({"APIC": table(b"APIC", body)})
    assert [la.apic_id for la in info.madt.local_apics] == [0]
    assert any("has length 0" in text for src, text in findings.warnings if src == "acpi/APIC")


def test_entry_past_end_and_truncated_table() -> None:
    body = struct.pack("<II", 0xFEE00000, 0) + struct.pack("<BBBBI", 0, 8, 0, 0, 1)
    body += struct.pack("<BBBBII", 1, 40, 2, 0, 0xFEC00000, 0)
    info, findings = decode({"APIC": table(b"APIC", body)})
    assert info.madt.ioapics == []
    assert any("runs past the end" in text for _, text in findings.warnings)
    data = dmar_table()
    info, findings = decode({"DMAR": data[:70]})
    assert any("truncated" in text for _, text in findings.warnings)
    assert info.dmar is not None and info.dmar.drhds == []


def test_length_field_shorter_than_header() -> None:
    info, findings = decode({"HPET": table(b"HPET", hpet_table()[36:], length=20)})
    assert info.tables == [] and info.hpets == []
    assert findings.warnings


def test_every_truncation_never_raises() -> None:
    for name, data in all_tables().items():
        for cut in range(len(data) + 1):
            decode({name: data[:cut]})
            decode({name: table(data[:4], data[36:cut], revision=data[8])})


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        action = rng.random()
        if action < 0.6 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif action < 0.7 and len(buf) > 8:
            struct.pack_into("<I", buf, 4, rng.choice([0, 1, 35, 36, len(buf) + 100,
                                                       rng.randrange(1 << 32)]))
        elif action < 0.85:
            del buf[rng.randrange(len(buf) + 1):]
        else:
            buf += bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
    return bytes(buf)


def test_random_mutation_never_raises() -> None:
    rng = random.Random(1234)
    tables = all_tables()
    for _ in range(5000):
        name = rng.choice(sorted(tables))
        mutated = dict(tables)
        mutated[name] = mutate(rng, tables[name])
        decode(mutated)
    for _ in range(2000):
        aml.find_sleep_type(mutate(rng, dsdt_table()[36:]), "_S5_")


def test_random_mutation_output_validates(tmp_path: Path) -> None:
    """End to end: a capture with mutated tables still gives a schema-valid board XML."""
    rng = random.Random(99)
    tables = all_tables()
    base = make_capture(tmp_path / "cap")
    table_dir = base / TOP / "sys/firmware/acpi/tables"
    for _ in range(150):
        for name, data in tables.items():
            (table_dir / name).write_bytes(mutate(rng, data) if rng.random() < 0.5 else data)
        root = parse_xml(inspect_capture(str(base)))
        assert root.tag == "board"


# ----- whole captures -----

GARBAGE = ["", "\n", "-1", "0x", "99999999999999999999999", "²", "١٢", "abc\x00def", "\ud7ff",
           "0-3,x", "5-2", "0xffffffffffffffff 0x0 0x200", "System RAM\x01", "cpu0"]


def test_garbage_text_files_never_raise(tmp_path: Path) -> None:
    """Every text file of a capture replaced with junk: still a schema-valid board."""
    rng = random.Random(7)
    base = make_capture(tmp_path / "cap")
    files = sorted(p for p in (base / TOP).rglob("*") if p.is_file())
    originals = {p: p.read_bytes() for p in files}
    for _ in range(60):
        for path, data in originals.items():
            roll = rng.random()
            if roll < 0.3:
                junk = rng.choice(GARBAGE).encode("utf-8", "surrogatepass")
                path.write_bytes(junk)
            elif roll < 0.4:
                path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randint(0, 64))))
            else:
                path.write_bytes(data)
        assert parse_xml(inspect_capture(str(base))).tag == "board"


def test_synthetic_capture_summary(board_xml: etree._Element) -> None:
    assert board_xml.get("name") == "synth-board-9000"
    assert board_xml.get("collector-version") == "1"
    assert board_xml.get("captured") == "2026-01-02T03:04:05Z"
    cpus = [(c.get("id"), c.get("apic-id"), c.get("core")) for c in
            board_xml.findall("processors/cpu")]
    assert cpus == [("0", "0", "0"), ("1", "2", "1"), ("2", "4", "2"), ("3", "6", "3")]
    features = {f.get("name") for f in board_xml.findall("processors/features/feature")}
    assert {"vmx", "x2apic", "vmx:ept"} <= features
    assert board_xml.find("processors/caches/cache").get("size") == "0xc000"
    ranges = [(r.get("start"), r.get("size"), r.get("type"))
              for r in board_xml.findall("memory/range")]
    assert ranges == [("0x0", "0x9fc00", "RAM"), ("0x9fc00", "0x400", "RESERVED"),
                      ("0x100000", "0x7ff00000", "RAM"), ("0x80000000", "0x1000000", "ACPI")]
    ports = [dict(p.attrib) for p in board_xml.findall("serial-ports/port")]
    assert ports == [{"name": "ttyS0", "io-port": "0x3f8", "irq": "4", "type": "4",
                      "io-type": "0"}]
    assert [d.get("name") for d in board_xml.findall("block-devices/disk")] == ["sda"]
    assert board_xml.find("block-devices/disk").get("size") == hex(1000 * 512)
    dmi = {e.get("name") for e in board_xml.findall("dmi/entry")}
    assert dmi == {"product_name"}  # serial numbers are left out
    warnings = [(w.get("source"), w.text) for w in board_xml.findall("warnings/warning")]
    assert ("collector", "/proc/ioports: permission denied") in warnings


def test_tarball_and_directory_give_same_bytes(capture: Path, tmp_path: Path) -> None:
    tar_path = tar_directory(capture, tmp_path / "cap.tar.gz")
    first = inspect_capture(str(tar_path))
    assert first == inspect_capture(str(tar_path))
    assert first == inspect_capture(str(capture))
    assert first == inspect_capture(str(capture / TOP))


def test_missing_files_are_recorded_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "empty" / TOP
    (root / "collector").mkdir(parents=True)
    xml = parse_xml(inspect_capture(str(tmp_path / "empty")))
    sources = {w.get("source") for w in xml.findall("warnings/warning")}
    assert {"capture", "cpu", "memmap", "acpi", "pci"} <= sources
    texts = [w.text for w in xml.findall("warnings/warning[@source='capture']")]
    assert "/proc/cpuinfo is missing or unreadable" in texts
    assert xml.findall("processors/cpu") == []


def test_cli_writes_valid_board_and_load_board_round_trip(capture: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "out" / "synth.xml"
    out.parent.mkdir()
    assert main(["inspect", str(capture), "-o", str(out), "--name", "synth"]) == 0
    assert sorted(os.listdir(out.parent)) == ["synth.xml"]  # no temporary file left
    board = board_model.load_board(out)
    assert board.name == "synth"
    assert [c.apic_id for c in board.cpus] == [0, 2, 4, 6]
    assert [(r.start, r.size) for r in board.memory.ram()] == [(0, 0x9FC00),
                                                               (0x100000, 0x7FF00000)]
    assert list(board.pci_devices) == ["0000:00:00.0", "0000:00:1c.0", "0000:02:00.0"]
    nic = board.pci_devices["0000:02:00.0"]
    assert (nic.vendor, nic.device, nic.class_code) == (0x8086, 0x1533, 0x020000)
    assert [(b.index, b.size) for b in nic.bars] == [(0, 0x20000), (1, 0x20), (2, 0x100000),
                                                     (4, 0x4000)]
    assert (nic.msi_vectors, nic.msix_table_size, nic.sriov_total_vfs) == (8, 10, 7)
    assert [(i.id, i.address) for i in board.ioapics] == [(2, 0xFEC00000)]
    assert [u.address for u in board.iommu_units] == [0xFED90000, 0xFED91000]
    assert [s.bdf for s in board.iommu_units[0].scopes] == ["0000:00:02.0", "0000:02:00.0"]
    assert board.iommu_units[0].scopes[1].path == ((0x1C, 0), (0, 0))
    assert board.serial_ports[0].io_port == 0x3F8
    assert board.line_of(board.cpus[0]) > 1
    assert "vmx" in board.features


def test_cli_bad_capture_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"this is not a tarball")
    assert main(["inspect", str(bad), "-o", str(tmp_path / "o.xml")]) == 2
    assert "cannot read the capture tarball" in capsys.readouterr().err
    assert main(["inspect", str(tmp_path / "nope.tar.gz"), "-o", str(tmp_path / "o.xml")]) == 2
    assert "capture not found" in capsys.readouterr().err
    assert main(["inspect", str(tmp_path), "-o", str(tmp_path / "o.xml"),
                 "--name", "bad name"]) == 2
    assert not (tmp_path / "o.xml").exists()


def test_cli_unwritable_output_exit_1(capture: Path, tmp_path: Path) -> None:
    assert main(["inspect", str(capture), "-o", str(tmp_path / "no" / "dir" / "o.xml")]) == 1


# ----- malicious tarballs -----

def tar_with(tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def file_member(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link_member(name: str, target: str, kind: bytes = tarfile.SYMTYPE
                ) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


@pytest.mark.parametrize("members, why", [
    ([file_member("bulkhead-board/../../escape")], "absolute path or '..'"),
    ([file_member("/etc/bulkhead-evil")], "absolute path or '..'"),
    ([file_member("bulkhead-board/proc/../../../x")], "absolute path or '..'"),
    ([link_member("bulkhead-board/proc/cpuinfo", "/etc/shadow")], "leads outside"),
    ([link_member("bulkhead-board/sys", "../../..")], "leads outside"),
    ([link_member("bulkhead-board/l", "."), link_member("bulkhead-board/l/m", "../x")],
     "leads outside"),
    ([link_member("bulkhead-board/h", "../../etc/passwd", tarfile.LNKTYPE)], "leads outside"),
    ([link_member("bulkhead-board/dev", "", tarfile.CHRTYPE)], "device file"),
    ([link_member("bulkhead-board/fifo", "", tarfile.FIFOTYPE)], "device file"),
])
def test_malicious_tarball_rejected(tmp_path: Path, members: list, why: str) -> None:
    evil = tar_with(tmp_path, members)
    with pytest.raises(ConfigError, match=why):
        inspect_capture(str(evil))
    assert not (tmp_path / "escape").exists()


def test_huge_member_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_MEMBER_BYTES", 4096)
    evil = tar_with(tmp_path, [file_member("bulkhead-board/proc/cpuinfo", bytes(5000))])
    with pytest.raises(ConfigError, match="more than the 4096 allowed"):
        inspect_capture(str(evil))


def test_huge_total_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "MAX_TOTAL_BYTES", 10000)
    evil = tar_with(tmp_path, [file_member(f"bulkhead-board/f{i}", bytes(3000))
                               for i in range(4)])
    with pytest.raises(ConfigError, match="add up to more than"):
        inspect_capture(str(evil))


def test_internal_symlink_is_followed(capture: Path, tmp_path: Path) -> None:
    root = capture / TOP
    (root / "sys/class/tty/ttyS0").rename(root / "sys/ttyS0-real")
    os.symlink("../../ttyS0-real", root / "sys/class/tty/ttyS0")
    tar_path = tar_directory(capture, tmp_path / "cap.tar.gz")
    xml = parse_xml(inspect_capture(str(tar_path)))
    assert xml.find("serial-ports/port").get("io-port") == "0x3f8"


def test_temporary_extraction_is_removed(capture: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "t"))
    (tmp_path / "t").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    inspect_capture(str(tar_directory(capture, tmp_path / "cap.tar.gz")))
    assert os.listdir(tmp_path / "t") == []


# ----- the live machine -----

def test_live_root() -> None:
    data = inspect_capture("/")
    assert data == inspect_capture("/")  # deterministic
    xml = parse_xml(data)
    assert xml.get("collector-version") == "live"
    online = len(os.sched_getaffinity(0))
    assert len(xml.findall("processors/cpu")) >= online
    assert xml.findall("memory/range[@type='RAM']")
    pci_dir = Path("/sys/bus/pci/devices")
    if pci_dir.is_dir():
        assert len(xml.findall("pci/device")) == len(list(pci_dir.iterdir()))
    if Path("/sys/firmware/acpi/tables/APIC").exists():
        assert xml.find("acpi/madt") is not None


# ----- captured fixtures and the committed board XMLs -----

def test_all_fixtures_present() -> None:
    missing = [n for n in FIXTURE_BOARDS if not (FIXTURES / f"{n}.tar.gz").exists()]
    assert missing == [], f"fixture captures missing: {missing}"


@pytest.mark.parametrize("name", FIXTURE_BOARDS)
def test_fixture_regenerates_committed_board(name: str) -> None:
    data = inspect_capture(str(FIXTURES / f"{name}.tar.gz"), name)
    committed = BOARD_XMLS / f"{name}.xml"
    assert committed.read_bytes() == data, (
        f"board_xmls/{name}.xml is stale: regenerate with "
        f"config_tools/bulkhead-config inspect tests/config_tools/fixtures/{name}.tar.gz "
        f"-o board_xmls/{name}.xml --name {name}")
    board = board_model.load_board(committed)
    assert board.name == name and board.cpus and board.memory.ram() and board.pci_devices


def test_qemu_q35_facts() -> None:
    board = board_model.load_board(BOARD_XMLS / "qemu-q35.xml")
    root = board.root
    assert len(board.cpus) == 4
    assert root.find("acpi/mcfg/ecam").get("address") == "0xb0000000"
    assert root.find("acpi/fadt/reset-register").get("address") == "0xcf9"
    assert [(i.id, i.address) for i in board.ioapics] == [(0, 0xFEC00000)]
    assert [u.address for u in board.iommu_units] == [0xFED90000]
    assert "0000:00:1f.2" in board.pci_devices
    assert board.serial_ports[0].io_port == 0x3F8
