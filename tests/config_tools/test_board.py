"""Tests of bulkhead_config.board: load_board, the model, normalize_bdf.

Run: /usr/bin/python3 -m pytest -q tests/config_tools/test_board.py
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config.board import (Board, ConfigError, load_board,  # noqa: E402
                                   normalize_bdf)

BOARD = """<?xml version='1.0' encoding='UTF-8'?>
<board name="tiny" collector-version="1">
  <processors>
    <cpu id="0" apic-id="0" package="0" core="0" thread="0"/>
    <cpu id="1" apic-id="2" package="0" core="1" thread="0"/>
    <features>
      <feature name="vmx"/>
    </features>
  </processors>
  <memory>
    <range start="0x0" size="0x9fc00" type="RAM"/>
    <range start="0x9fc00" size="0x400" type="RESERVED"/>
    <range start="0x100000" size="0x3ff00000" type="RAM"/>
  </memory>
  <acpi>
    <tables/>
    <madt local-apic-address="0xfee00000" pcat-compat="true">
      <ioapic id="1" address="0xfec00000" gsi-base="0"/>
    </madt>
  </acpi>
  <iommu host-address-width="39" flags="0x1">
    <drhd segment="0" address="0xfed90000" include-pci-all="true">
      <scope type="endpoint" enumeration-id="0" start-bus="0x0" path="1c.0/00.0" bdf="0000:02:00.0"/>
    </drhd>
    <rmrr segment="0" base="0x7c000000" limit="0x7c7fffff"/>
  </iommu>
  <pci>
    <device bdf="0000:00:1f.2" vendor="0x8086" device="0x2922" class="0x010601">
      <bar index="5" type="mem32" address="0xfebd1000" size="0x1000" prefetchable="false"/>
      <msi offset="0x80" address-64="true" vectors="1" per-vector-mask="false"/>
    </device>
    <device bdf="0000:00:1c.0" vendor="0x8086" device="0xa110" class="0x060400" header-type="1" secondary-bus="0x2" subordinate-bus="0x2"/>
  </pci>
  <serial-ports>
    <port name="ttyS0" io-port="0x3f8" irq="4"/>
  </serial-ports>
</board>
"""


@pytest.fixture
def board_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.xml"
    path.write_text(BOARD)
    return path


@pytest.mark.parametrize("text, expected", [
    ("00:1f.2", "0000:00:1f.2"), ("0000:00:1F.2", "0000:00:1f.2"), ("1:2.3", "0000:01:02.3"),
    ("0001:ff:1f.7", "0001:ff:1f.7"), (" 00:02.0 ", "0000:00:02.0")])
def test_normalize_bdf(text: str, expected: str) -> None:
    assert normalize_bdf(text) == expected


@pytest.mark.parametrize("text", ["", "junk", "00:20.0", "00:1f.8", "00:1f", "0:0:0:0.0",
                                  "00000:00:00.0", "gg:00.0", "00-1f.2"])
def test_normalize_bdf_rejects_junk(text: str) -> None:
    with pytest.raises(ConfigError, match="invalid PCI address"):
        normalize_bdf(text)


def test_load_board_model(board_path: Path) -> None:
    board = load_board(board_path)
    assert isinstance(board, Board)
    assert board.name == "tiny"
    assert [(c.id, c.apic_id, c.core) for c in board.cpus] == [(0, 0, 0), (1, 2, 1)]
    assert [r.type for r in board.memory] == ["RAM", "RESERVED", "RAM"]
    assert [(r.start, r.size, r.end) for r in board.memory.ram()] == [
        (0, 0x9FC00, 0x9FC00), (0x100000, 0x3FF00000, 0x40000000)]
    assert list(board.pci_devices) == ["0000:00:1c.0", "0000:00:1f.2"]
    sata = board.pci_devices["0000:00:1f.2"]
    assert (sata.vendor, sata.device, sata.class_code, sata.msi_vectors) == \
        (0x8086, 0x2922, 0x010601, 1)
    assert [(b.index, b.type, b.address, b.size) for b in sata.bars] == \
        [(5, "mem32", 0xFEBD1000, 0x1000)]
    bridge = board.pci_device("00:1c.0")
    assert bridge is not None and bridge.is_bridge and bridge.secondary_bus == 2
    assert [(i.id, i.address, i.gsi_base) for i in board.ioapics] == [(1, 0xFEC00000, 0)]
    unit = board.iommu_units[0]
    assert unit.include_pci_all and unit.address == 0xFED90000
    assert unit.scopes[0].path == ((0x1C, 0), (0, 0)) and unit.scopes[0].bdf == "0000:02:00.0"
    assert [(r.base, r.limit) for r in board.rmrrs] == [(0x7C000000, 0x7C7FFFFF)]
    assert [(s.name, s.io_port, s.irq) for s in board.serial_ports] == [("ttyS0", 0x3F8, 4)]
    assert board.features == frozenset({"vmx"})


def test_line_of(board_path: Path) -> None:
    board = load_board(board_path)
    assert board.line_of(board.cpus[1]) == 5
    assert board.line_of(board.pci_devices["0000:00:1f.2"]) == 28
    assert board.line_of(board.root.find("memory")) == 10
    assert board.line_of(object()) is None


def test_model_is_frozen(board_path: Path) -> None:
    board = load_board(board_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        board.cpus[0].apic_id = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        board.name = "other"  # type: ignore[misc]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_board(tmp_path / "nope.xml")
    assert "nope.xml" in str(err.value) and "No such file" in str(err.value)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read board file"):
        load_board(tmp_path)


@pytest.mark.parametrize("content, line", [
    ("not xml at all\n", 1),
    ("", 1),
    ("<board name='x'>\n<processors>\n</board>\n", 3),
    ("<?xml version='1.0'?>\n<!DOCTYPE board [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
     "<board name='&x;'/>\n", None),
])
def test_not_xml_has_line(tmp_path: Path, content: str, line: int | None) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_board(path)
    text = str(err.value)
    assert "root:" not in text  # no entity expansion of /etc/passwd
    if line is not None:
        assert text.startswith(f"{path}:{line}: ")


def test_schema_violation_names_line(board_path: Path) -> None:
    text = board_path.read_text().replace('apic-id="2"', 'apic-id="two"')
    board_path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_board(board_path)
    message = str(err.value)
    assert message.startswith(f"{board_path}:5: /board/processors/cpu")
    assert "apic-id" in message and "[board-schema]" in message
    assert len(err.value.problems) == 1 and err.value.problems[0].line == 5


def test_schema_violations_all_listed(board_path: Path) -> None:
    text = board_path.read_text().replace('size="0x400"', 'size="1024"')
    text = text.replace('bdf="0000:00:1f.2"', 'bdf="00:1f.2"')
    board_path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_board(board_path)
    assert sorted(p.line for p in err.value.problems) == [12, 28]


def test_wrong_root_element(tmp_path: Path) -> None:
    path = tmp_path / "scenario.xml"
    path.write_text("<scenario/>\n")
    with pytest.raises(ConfigError, match=r"scenario\.xml:1: .*board-schema"):
        load_board(path)


def test_committed_boards_load() -> None:
    boards = sorted((REPO / "board_xmls").glob("*.xml"))
    assert boards, "board_xmls/ is empty"
    for path in boards:
        board = load_board(path)
        assert board.name
        assert board.cpus and board.memory.ram()


def test_schema_documents_every_element_and_attribute() -> None:
    from lxml import etree
    xs = "{http://www.w3.org/2001/XMLSchema}"
    schema = etree.parse(str(REPO / "config_tools" / "schema" / "board.xsd"))
    undocumented = []
    for node in schema.iter(f"{xs}element", f"{xs}attribute", f"{xs}simpleType",
                            f"{xs}complexType"):
        if node.get("ref") is not None:
            continue  # documented where it is declared
        if node.tag == f"{xs}complexType" and node.get("name") is None:
            continue  # anonymous type of a documented element
        if node.tag == f"{xs}simpleType" and node.get("name") is None:
            continue  # anonymous type of a documented attribute
        doc = node.find(f"{xs}annotation/{xs}documentation")
        if doc is None or not (doc.text or "").strip():
            undocumented.append(f"line {node.sourceline}: {node.get('name')}")
    assert undocumented == []
