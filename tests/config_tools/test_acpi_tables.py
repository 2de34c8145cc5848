# SPDX-License-Identifier: BSD-3-Clause
"""The ACPI tables of pre-launched VMs (config_tools/bulkhead_config/acpi_tables.py).

The blob is read back with a parser written here from the ACPI 6.3 layouts (not with the
generator's code): every checksum, length and pointer, the FADT fields, the MADT entries
for 1, 2 and 4 vCPUs (and 256, where x2APIC entries start), the DSDT's \\_S5 encoding.
Expected values come from hypervisor/include/bulkhead/vplatform.h itself. Then iasl (Debian
acpica-tools, installed by misc/setup.sh) disassembles the tables and must agree; the
size and memory checks, the generated C and the files in acpi/vmN/ are checked last.
"""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config import acpi_tables, aml  # noqa: E402
from bulkhead_config.cli import main  # noqa: E402
from bulkhead_config.errors import ConfigError  # noqa: E402
from bulkhead_config.generate import generate  # noqa: E402
from bulkhead_config.scenario import MemoryRegion, load_scenario  # noqa: E402

VPLATFORM_H = REPO / "hypervisor" / "include" / "bulkhead" / "vplatform.h"
BOARD = REPO / "board_xmls" / "bochs.xml"
SCENARIOS = REPO / "scenario_xmls"
HV_INCLUDE = REPO / "hypervisor" / "include"


def header_defines() -> dict[str, int]:
    """#define VPLAT_* values of vplatform.h (integer literals, U/L suffixes dropped)."""
    text = re.sub(r"/\*.*?\*/", "", VPLATFORM_H.read_text(), flags=re.S)
    out = {}
    for name, value in re.findall(r"^\s*#\s*define\s+(VPLAT_\w+)\s+(\S+)", text, re.M):
        out[name] = int(value.rstrip("uUlL"), 0)
    return out


H = header_defines()


def vrtc_century() -> int:
    """VRTC_CENTURY of hypervisor/include/bulkhead/vrtc.h: the CMOS century byte."""
    text = (HV_INCLUDE / "bulkhead" / "vrtc.h").read_text()
    found = re.findall(r"^\s*#\s*define\s+VRTC_CENTURY\s+(\S+)", text, re.M)
    assert found, "no VRTC_CENTURY in vrtc.h: FADT.CENTURY needs the vRTC's century byte"
    return int(found[0], 0)


def test_vplatform_copy_matches_the_header() -> None:
    """Every number of vplatform.h is in the Python copy with the same value, and the
    copy has nothing the header lacks."""
    assert H, "no VPLAT_ defines found in vplatform.h"
    differ = {name: (H.get(name), acpi_tables.VPLATFORM.get(name))
              for name in set(H) | set(acpi_tables.VPLATFORM)
              if H.get(name) != acpi_tables.VPLATFORM.get(name)}
    assert not differ, f"vplatform.h (first) and acpi_tables.py (second) differ: {differ}"


# ------------------------------------------------------------------ the test's parser


def checksum_ok(data: bytes) -> bool:
    return sum(data) & 0xFF == 0


@dataclass
class Sdt:
    signature: str
    gpa: int
    length: int
    revision: int
    oem_id: bytes
    oem_table_id: bytes
    creator: bytes
    data: bytes  # the whole table


@dataclass
class Parsed:
    rsdp: dict
    tables: dict[str, Sdt]  # by signature; FACS included (it has no SDT header)
    errors: list[str]


class BlobReader:
    """Reads ACPI tables out of a blob loaded at guest-physical base, recording what is
    wrong instead of raising."""

    def __init__(self, blob: bytes, base: int) -> None:
        self.blob = blob
        self.base = base
        self.errors: list[str] = []

    def at(self, gpa: int, size: int, what: str) -> bytes | None:
        off = gpa - self.base
        if off < 0 or off + size > len(self.blob):
            self.errors.append(f"{what} at {gpa:#x}+{size} is outside the blob")
            return None
        return self.blob[off:off + size]

    def sdt(self, gpa: int, what: str) -> Sdt | None:
        head = self.at(gpa, 36, what)
        if head is None:
            return None
        sig, length, rev, _, oem, oem_table, _, creator, _ = struct.unpack(
            "<4sIBB6s8sI4sI", head)
        data = self.at(gpa, length, what)
        if data is None:
            return None
        if not checksum_ok(data):
            self.errors.append(f"{what} ({sig!r}) checksum is wrong")
        return Sdt(sig.decode("ascii", "replace"), gpa, length, rev, oem, oem_table,
                   creator, data)

    def read(self) -> Parsed:
        tables: dict[str, Sdt] = {}
        raw = self.at(self.base, 36, "RSDP") or bytes(36)
        sig, _, oem, rev, rsdt_gpa, length, xsdt_gpa, _, _ = struct.unpack(
            "<8sB6sBIIQB3s", raw)
        rsdp = {"signature": sig, "oem": oem, "revision": rev, "rsdt": rsdt_gpa,
                "length": length, "xsdt": xsdt_gpa,
                "checksum_ok": checksum_ok(raw[:20]),
                "extended_checksum_ok": checksum_ok(raw[:36])}
        lists = {}
        for name, gpa, size in (("XSDT", xsdt_gpa, 8), ("RSDT", rsdt_gpa, 4)):
            table = self.sdt(gpa, name)
            if table is None:
                continue
            tables[name] = table
            body = table.data[36:]
            if len(body) % size:
                self.errors.append(f"{name} length is not 36 + n * {size}")
            lists[name] = [int.from_bytes(body[i:i + size], "little")
                           for i in range(0, len(body) - len(body) % size, size)]
            for entry in lists[name]:
                found = self.sdt(entry, f"{name} entry")
                if found is not None:
                    tables.setdefault(found.signature, found)
        fadt = tables.get("FACP")
        if fadt is not None:
            facs32, dsdt32 = struct.unpack_from("<II", fadt.data, 36)
            facs64, dsdt64 = struct.unpack_from("<QQ", fadt.data, 132)
            if (facs32, dsdt32) != (facs64, dsdt64):
                self.errors.append("FADT 32-bit and X_ FACS/DSDT addresses differ")
            dsdt = self.sdt(dsdt64, "DSDT")
            if dsdt is not None:
                tables["DSDT"] = dsdt
            facs = self.at(facs64, 64, "FACS")
            if facs is not None:
                sig, length = struct.unpack_from("<4sI", facs)
                tables["FACS"] = Sdt(sig.decode(), facs64, length, facs[32], b"", b"", b"",
                                     facs)
        return Parsed(rsdp, tables, self.errors)


def parse(vcpus: int) -> tuple[Parsed, acpi_tables.AcpiTables]:
    built = acpi_tables.build(vcpus)
    parsed = BlobReader(built.blob, H["VPLAT_ACPI_GPA"]).read()
    assert parsed.errors == []
    return parsed, built


def madt_entries(madt: Sdt) -> list[tuple[int, bytes]]:
    """(type, whole entry) of each MADT interrupt controller structure."""
    out = []
    off = 44
    while off < madt.length:
        kind, length = madt.data[off], madt.data[off + 1]
        assert length >= 2 and off + length <= madt.length, f"bad entry at {off}"
        out.append((kind, madt.data[off:off + length]))
        off += length
    assert off == madt.length
    return out


def gas(data: bytes, off: int) -> tuple[int, int, int, int, int]:
    """(space, bit width, bit offset, access size, address) of a Generic Address."""
    return struct.unpack_from("<BBBBQ", data, off)


def read_pkg_length(data: bytes, off: int) -> tuple[int, int]:
    """(PkgLength value, bytes it takes) at data[off]."""
    lead = data[off]
    extra = lead >> 6
    if extra == 0:
        return lead & 0x3F, 1
    value = lead & 0x0F
    for i in range(extra):
        value |= data[off + 1 + i] << (4 + 8 * i)
    return value, 1 + extra


# ------------------------------------------------------------------ structure

VCPU_COUNTS = [1, 2, 4]


@pytest.mark.parametrize("vcpus", VCPU_COUNTS)
def test_rsdp(vcpus: int) -> None:
    parsed, built = parse(vcpus)
    r = parsed.rsdp
    assert r["signature"] == b"RSD PTR "
    assert r["revision"] == 2 and r["length"] == 36
    assert r["checksum_ok"] and r["extended_checksum_ok"]
    assert r["oem"] == b"BLKHD "
    assert built.blob[:8] == b"RSD PTR "
    # A guest scanning the BIOS area on 16-byte boundaries finds it.
    assert H["VPLAT_ACPI_GPA"] % 16 == 0 and 0xE0000 <= H["VPLAT_ACPI_GPA"] < 0x100000
    assert r["rsdt"] == parsed.tables["RSDT"].gpa and r["xsdt"] == parsed.tables["XSDT"].gpa


@pytest.mark.parametrize("vcpus", VCPU_COUNTS)
def test_every_table_is_whole_and_inside_the_blob(vcpus: int) -> None:
    parsed, built = parse(vcpus)
    base = H["VPLAT_ACPI_GPA"]
    assert sorted(parsed.tables) == ["APIC", "DSDT", "FACP", "FACS", "RSDT", "XSDT"]
    spans = [(0, 36)]
    for sig, table in parsed.tables.items():
        assert table.length == len(table.data)
        if sig != "FACS":
            assert checksum_ok(table.data), sig
            assert table.oem_id == b"BLKHD " and table.creator == b"BLKH"
            assert table.oem_table_id == b"BLKH" + sig.encode()
        spans.append((table.gpa - base, table.gpa - base + table.length))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "tables overlap"
    assert spans[-1][1] == len(built.blob) <= H["VPLAT_ACPI_MAX"]
    assert all(start % 16 == 0 for start, _ in spans)
    # The generator's own idea of the layout matches what the pointers say.
    for table in built.tables:
        assert built.blob[table.offset:table.offset + len(table.data)] == table.data
    assert built.table("rsdp").gpa == base
    assert {t.signature: t.gpa for t in built.tables if t.name != "rsdp"} == \
        {sig: t.gpa for sig, t in parsed.tables.items()}


@pytest.mark.parametrize("vcpus", VCPU_COUNTS)
def test_rsdt_and_xsdt_list_the_fadt_and_madt(vcpus: int) -> None:
    parsed, _ = parse(vcpus)
    t = parsed.tables
    want = [t["FACP"].gpa, t["APIC"].gpa]
    xsdt = t["XSDT"].data
    rsdt = t["RSDT"].data
    assert t["XSDT"].revision == 1 and t["RSDT"].revision == 1
    assert list(struct.unpack_from("<2Q", xsdt, 36)) == want and len(xsdt) == 36 + 16
    assert list(struct.unpack_from("<2I", rsdt, 36)) == want and len(rsdt) == 36 + 8


def test_facs() -> None:
    parsed, _ = parse(1)
    facs = parsed.tables["FACS"]
    assert facs.data[:4] == b"FACS" and facs.length == 64
    assert facs.gpa % 64 == 0
    assert facs.revision == 2  # the Version byte
    # No waking vector, global lock free, no S4BIOS or 64-bit wake.
    assert facs.data[8:32] == bytes(24) and facs.data[33:] == bytes(31)


@pytest.mark.parametrize("vcpus", VCPU_COUNTS)
def test_fadt(vcpus: int) -> None:
    parsed, _ = parse(vcpus)
    t = parsed.tables
    f = t["FACP"].data
    assert t["FACP"].length == 276 and t["FACP"].revision == 6 and f[131] == 3
    u8 = lambda off: f[off]  # noqa: E731
    u16 = lambda off: struct.unpack_from("<H", f, off)[0]  # noqa: E731
    u32 = lambda off: struct.unpack_from("<I", f, off)[0]  # noqa: E731
    assert u32(36) == t["FACS"].gpa and u32(40) == t["DSDT"].gpa
    assert struct.unpack_from("<QQ", f, 132) == (t["FACS"].gpa, t["DSDT"].gpa)
    assert u8(45) == 0  # Preferred_PM_Profile: unspecified
    assert u16(46) == H["VPLAT_SCI_IRQ"]
    assert u32(48) == 0 and f[52:56] == bytes(4)  # SMI_CMD, ACPI_ENABLE/DISABLE, ...
    assert (u32(56), u32(60), u32(64), u32(68), u32(72), u32(76), u32(80), u32(84)) == (
        H["VPLAT_PM1A_EVT_BLK"], 0, H["VPLAT_PM1A_CNT_BLK"], 0, 0, H["VPLAT_PM_TMR_BLK"],
        0, 0)
    assert tuple(f[88:96]) == (4, 2, 0, 4, 0, 0, 0, 0)  # lengths; no GPE, no _CST
    assert u16(96) > 100 and u16(98) > 1000  # no C2, no C3
    assert u8(108) == vrtc_century()  # CENTURY
    assert u8(106) == u8(107) == 0  # no day or month alarm
    boot = u16(109)
    assert boot & 1, "legacy devices"
    assert not boot & 2, "8042: only the reset pulse of port 0x64 is emulated"
    assert boot & 4, "VGA not present"
    assert not boot & 8 and not boot & 0x20  # MSI works; the CMOS RTC is there
    flags = u32(112)
    for bit, name in ((0, "WBINVD"), (2, "PROC_C1"), (4, "PWR_BUTTON"), (5, "SLP_BUTTON"),
                      (6, "FIX_RTC"), (10, "RESET_REG_SUP")):
        assert flags >> bit & 1, name
    assert not flags >> 8 & 1, "TMR_VAL_EXT: the PM timer is 24 bits"
    assert not flags >> 20 & 1, "not hardware-reduced"
    assert flags == 0x475
    assert gas(f, 116) == (1, 8, 0, 1, 0xCF9) and u8(128) == 0x06  # reset register
    assert gas(f, 148) == (1, 32, 0, 2, H["VPLAT_PM1A_EVT_BLK"])
    assert gas(f, 160) == (0, 0, 0, 0, 0)  # X_PM1b_EVT_BLK
    assert gas(f, 172) == (1, 16, 0, 2, H["VPLAT_PM1A_CNT_BLK"])
    assert gas(f, 184) == gas(f, 196) == (0, 0, 0, 0, 0)  # PM1b control, PM2 control
    assert gas(f, 208) == (1, 32, 0, 3, H["VPLAT_PM_TMR_BLK"])
    for off in (220, 232, 244, 256):  # GPE0, GPE1, sleep control and status
        assert gas(f, off) == (0, 0, 0, 0, 0)
    assert f[268:276] == b"Bulkhead"


@pytest.mark.parametrize("vcpus", VCPU_COUNTS)
def test_madt(vcpus: int) -> None:
    parsed, _ = parse(vcpus)
    madt = parsed.tables["APIC"]
    assert madt.revision == 5
    lapic_base, flags = struct.unpack_from("<II", madt.data, 36)
    assert lapic_base == H["VPLAT_LAPIC_BASE"] and flags == 1  # PCAT_COMPAT
    entries = madt_entries(madt)
    lapics = [struct.unpack("<BBBBI", e) for k, e in entries if k == 0]
    assert [(uid, apic_id, fl) for _, length, uid, apic_id, fl in lapics] == \
        [(i, i, 1) for i in range(vcpus)]
    assert all(length == 8 for _, length, _, _, _ in lapics)
    ioapics = [struct.unpack("<BBBBII", e) for k, e in entries if k == 1]
    assert ioapics == [(1, 12, H["VPLAT_IOAPIC_ID"], 0, H["VPLAT_IOAPIC_BASE"], 0)]
    overrides = [struct.unpack("<BBBBIH", e)[2:] for k, e in entries if k == 2]
    sci = H["VPLAT_SCI_IRQ"]
    assert overrides == [(0, H["VPLAT_PIT_IRQ"], 2, 0), (0, sci, sci, 0x000D)]
    nmis = [struct.unpack("<BBBHB", e) for k, e in entries if k == 4]
    assert nmis == [(4, 6, 0xFF, 0, 1)]
    assert [k for k, _ in entries if k not in (0, 1, 2, 4)] == []  # no x2APIC entries
    # Processors first, the boot processor (UID 0) first of them.
    assert [k for k, _ in entries][:vcpus] == [0] * vcpus


def test_madt_uses_x2apic_entries_from_apic_id_255() -> None:
    parsed, built = parse(256)
    entries = madt_entries(parsed.tables["APIC"])
    lapics = [struct.unpack("<BBBBI", e)[2:4] for k, e in entries if k == 0]
    assert lapics == [(i, i) for i in range(255)]
    x2 = [struct.unpack("<BBHIII", e) for k, e in entries if k == 9]
    assert x2 == [(9, 16, 0, 255, 1, 255)]
    x2nmi = [struct.unpack("<BBHIB3s", e) for k, e in entries if k == 10]
    assert x2nmi == [(10, 12, 0, 0xFFFFFFFF, 1, bytes(3))]
    assert len(built.blob) <= H["VPLAT_ACPI_MAX"]


S5_AML = bytes([0x08, 0x5F, 0x53, 0x35, 0x5F,  # NameOp "_S5_"
                0x12, 0x07, 0x04,  # PackageOp, PkgLength 7, 4 elements
                0x0A, H["VPLAT_SLP_TYP_S5"], 0x00, 0x00, 0x00])  # BytePrefix 5, Zero x3


@pytest.mark.parametrize("vcpus", [*VCPU_COUNTS, 256])
def test_dsdt(vcpus: int) -> None:
    parsed, _ = parse(vcpus)
    dsdt = parsed.tables["DSDT"]
    assert dsdt.revision == 2
    body = dsdt.data[36:]
    assert body.startswith(S5_AML)
    rest = body[len(S5_AML):]
    # Scope (\_SB) { Device (Cnnn) {...} ... } spans exactly the rest of the table.
    assert rest[0] == 0x10
    length, size = read_pkg_length(rest, 1)
    assert 1 + length == len(rest)
    assert rest[1 + size:1 + size + 5] == b"\\_SB_"
    devices = re.findall(rb"\x5b\x82.\x43([0-9A-F]{3})\x08_HID\x0dACPI0007\x00\x08_UID",
                         rest, re.S)
    assert [int(d, 16) for d in devices] == list(range(vcpus))


# ------------------------------------------------------------------ AML encoder


def test_aml_pkg_length_boundaries() -> None:
    assert aml.pkg_length(0) == b"\x01"
    assert aml.pkg_length(62) == b"\x3f"  # 63 with itself: the one-byte maximum
    assert aml.pkg_length(63) == b"\x41\x04"  # 65 = 0x41: two bytes
    assert aml.pkg_length(0xFFD) == b"\x4f\xff"  # 0xfff, the two-byte maximum
    assert aml.pkg_length(0xFFE) == b"\x81\x00\x01"  # 0x1001 in three bytes
    for payload in (0, 62, 63, 100, 0xFFD, 0xFFE, 0x12345, 0xFFFFFFB):
        enc = aml.pkg_length(payload)
        assert read_pkg_length(enc, 0) == (payload + len(enc), len(enc))
    with pytest.raises(ValueError):
        aml.pkg_length(0xFFFFFFC)


def test_aml_integers_strings_and_names() -> None:
    assert aml.integer(0) == b"\x00" and aml.integer(1) == b"\x01"
    assert aml.integer(5) == b"\x0a\x05" and aml.integer(0xFF) == b"\x0a\xff"
    assert aml.integer(0x100) == b"\x0b\x00\x01"
    assert aml.integer(0x10000) == b"\x0c\x00\x00\x01\x00"
    assert aml.integer(1 << 32) == b"\x0e" + (1 << 32).to_bytes(8, "little")
    assert aml.string("ACPI0007") == b"\x0dACPI0007\x00"
    assert aml.name_seg("_S5") == b"_S5_" and aml.name_string("\\_SB") == b"\\_SB_"
    for bad in ("", "s5", "5AB", "ABCDE", "A-B"):
        with pytest.raises(ValueError):
            aml.name_seg(bad)
    with pytest.raises(ValueError):
        aml.integer(-1)
    with pytest.raises(ValueError):
        aml.integer(1 << 64)
    with pytest.raises(ValueError):
        aml.string("a\0b")


# ------------------------------------------------------------------ iasl


def iasl() -> str:
    tool = shutil.which("iasl")
    assert tool, "iasl is not installed: run misc/setup.sh (Debian package acpica-tools)"
    return tool


# What iasl prints about a broken table ("Incorrect checksum in table [APIC] - 0x8D,
# should be 0x8C", "Invalid zero length subtable", "Table [..] is too long for file").
IASL_COMPLAINTS = re.compile(r"warning|error|incorrect|invalid|should be|too long|"
                             r"mismatch|truncat", re.I)


def disassemble(tool: str, directory: Path, name: str, data: bytes) -> str:
    """iasl -d of one table; returns the .dsl text after checking iasl said nothing."""
    (directory / f"{name}.dat").write_bytes(data)
    result = subprocess.run([tool, "-d", f"{name}.dat"], cwd=directory, text=True,
                            capture_output=True, check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    dsl = (directory / f"{name}.dsl").read_text()
    for text in (result.stdout, result.stderr, dsl):
        lines = [line for line in text.splitlines() if IASL_COMPLAINTS.search(line) and
                 "Compiler/Disassembler" not in line]
        assert not lines, f"iasl about {name}: {lines}"
    return dsl


def field(dsl: str, label: str) -> str:
    """The value iasl shows for a field: "SCI Interrupt : 0009" -> "0009"."""
    found = re.findall(rf"^\[[^\]]*\]\s+{re.escape(label)} : (.*?)\s*$", dsl, re.M)
    assert found, f"no field '{label}' in the disassembly"
    return found[0]


def flag(dsl: str, label: str) -> str:
    found = re.findall(rf"^\s+{re.escape(label)} : (\d+)\s*$", dsl, re.M)
    assert found, f"no flag '{label}' in the disassembly"
    return found[0]


@pytest.mark.parametrize("vcpus", VCPU_COUNTS)
def test_iasl_disassembles_every_table_cleanly(tmp_path: Path, vcpus: int) -> None:
    tool = iasl()
    built = acpi_tables.build(vcpus)
    dsl = {t.name: disassemble(tool, tmp_path, t.name, t.data)
           for t in built.tables if t.name != "rsdp"}  # iasl cannot read a lone RSDP
    for name, text in dsl.items():
        length = len(built.table(name).data)
        if name == "dsdt":  # ASL, with the header in a comment
            shown = re.findall(r"^ \*\s+Length\s+0x([0-9A-F]+) ", text, re.M)[0]
        else:
            shown = field(text, "Length" if name == "facs" else "Table Length")
        assert int(shown, 16) == length, name

    facp = dsl["facp"]
    gpa = {t.name: t.gpa for t in built.tables}
    assert field(facp, "Revision") == "06" and field(facp, "FADT Minor Revision") == "03"
    assert int(field(facp, "FACS Address"), 16) == gpa["facs"]
    assert int(field(facp, "DSDT Address"), 16) == gpa["dsdt"]
    assert field(facp, "PM Profile") == "00 [Unspecified]"
    assert int(field(facp, "SCI Interrupt"), 16) == H["VPLAT_SCI_IRQ"]
    assert int(field(facp, "SMI Command Port"), 16) == 0
    assert int(field(facp, "PM1A Event Block Address"), 16) == H["VPLAT_PM1A_EVT_BLK"]
    assert int(field(facp, "PM1A Control Block Address"), 16) == H["VPLAT_PM1A_CNT_BLK"]
    assert int(field(facp, "PM Timer Block Address"), 16) == H["VPLAT_PM_TMR_BLK"]
    assert field(facp, "PM1 Event Block Length") == "04"
    assert field(facp, "PM1 Control Block Length") == "02"
    assert field(facp, "PM Timer Block Length") == "04"
    assert field(facp, "GPE0 Block Length") == "00" and field(facp, "GPE1 Block Length") == "00"
    assert field(facp, "Value to cause reset") == "06"
    assert int(field(facp, "RTC Century Index"), 16) == vrtc_century()
    assert "Address : 0000000000000CF9" in facp
    assert field(facp, "Boot Flags (decoded below)") == "0005"
    assert field(facp, "Flags (decoded below)") == "00000475"
    for label, value in (("Legacy Devices Supported (V2)", "1"),
                         ("8042 Present on ports 60/64 (V2)", "0"),
                         ("VGA Not Present (V4)", "1"), ("MSI Not Supported (V4)", "0"),
                         ("WBINVD instruction is operational (V1)", "1"),
                         ("Control Method Power Button (V1)", "1"),
                         ("Reset Register Supported (V2)", "1"),
                         ("32-bit PM Timer (V1)", "0"), ("Hardware Reduced (V5)", "0")):
        assert flag(facp, label) == value, label

    apic = dsl["apic"]
    assert field(apic, "Local Apic Address") == f"{H['VPLAT_LAPIC_BASE']:08X}"
    assert flag(apic, "PC-AT Compatibility") == "1"
    assert apic.count("[Processor Local APIC]") == vcpus
    assert re.findall(r"Local Apic ID : (\w+)", apic) == [f"{i:02X}" for i in range(vcpus)]
    assert field(apic, "I/O Apic ID") == f"{H['VPLAT_IOAPIC_ID']:02X}"
    assert apic.count("[Interrupt Source Override]") == 2
    assert apic.count("[Local APIC NMI]") == 1
    assert field(apic, "Interrupt Input LINT") == "01"

    assert "Name (_S5, Package (0x04)" in dsl["dsdt"]
    assert dsl["dsdt"].count('Name (_HID, "ACPI0007"') == vcpus
    assert field(dsl["facs"], "Version") == "02"


def test_iasl_compiles_the_dsdt_back_to_the_same_aml(tmp_path: Path) -> None:
    """The disassembled DSDT, compiled by iasl without optimizations, is the same AML."""
    tool = iasl()
    data = acpi_tables.build(4).table("dsdt").data
    disassemble(tool, tmp_path, "dsdt", data)
    result = subprocess.run([tool, "-oa", "-p", "again", "dsdt.dsl"], cwd=tmp_path,
                            text=True, capture_output=True, check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 Errors, 0 Warnings" in result.stdout
    assert (tmp_path / "again.aml").read_bytes()[36:] == data[36:]


def test_iasl_check_notices_a_broken_table(tmp_path: Path) -> None:
    """The check above can fail: a wrong checksum and a short subtable are reported."""
    tool = iasl()
    data = bytearray(acpi_tables.build(2).table("apic").data)
    data[9] ^= 0x01
    with pytest.raises(AssertionError, match="Incorrect checksum"):
        disassemble(tool, tmp_path, "apic", bytes(data))


# ------------------------------------------------------------------ per VM: limits


def vm_of(scenario: str, index: int = 0):
    return sorted(load_scenario(SCENARIOS / f"{scenario}.xml").vms, key=lambda v: v.id)[index]


def test_only_pre_launched_vms_get_tables() -> None:
    shared = load_scenario(SCENARIOS / "shared.xml")
    assert all(vm.load_order != "pre-launched" for vm in shared.vms)
    assert all(acpi_tables.problems(vm, "x") == [] for vm in shared.vms)
    assert not any(acpi_tables.wants_tables(vm) for vm in shared.vms)
    assert acpi_tables.wants_tables(vm_of("partitioned"))


def test_tables_larger_than_vplat_acpi_max_are_refused() -> None:
    vm = vm_of("partitioned")
    big = replace(vm, cpu_affinity=tuple(range(1500)))
    size = len(acpi_tables.build(1500).blob)
    assert size > H["VPLAT_ACPI_MAX"]
    with pytest.raises(ConfigError) as err:
        acpi_tables.vm_tables(big, "s.xml")
    (problem,) = err.value.problems
    assert problem.rule == "acpi-tables-size"
    assert problem.path == "/scenario/vm[@id='0']/cpu-affinity"
    assert str(err.value).startswith(f"s.xml:{vm.line_of('cpu-affinity')}: ")
    assert (f"the ACPI tables of pre-launched VM 'linux-a' (1500 vCPUs) take {size} "
            f"bytes, but only {H['VPLAT_ACPI_MAX']} bytes (VPLAT_ACPI_MAX) are reserved "
            "for them at guest-physical 0xf2400") in str(err.value)
    # More vCPUs than the DSDT can name: the same message, without a size.
    huge = replace(vm, cpu_affinity=tuple(range(5000)))
    (problem,) = acpi_tables.problems(huge, "s.xml")
    assert problem.rule == "acpi-tables-size" and "take more than that" in problem.message


def test_the_largest_vm_a_scenario_can_have_fits() -> None:
    # 64 vCPUs: struct vm_config.pcpu_bitmap is a u64.
    assert len(acpi_tables.build(64).blob) <= H["VPLAT_ACPI_MAX"]


def region(gpa: int, size: int) -> MemoryRegion:
    return MemoryRegion(hpa=0x40000000 + gpa, gpa=gpa, size=size)


def test_memory_must_cover_the_tables() -> None:
    vm = vm_of("partitioned")
    end = H["VPLAT_ACPI_GPA"] + len(acpi_tables.build(vm.vcpu_count).blob)
    above = replace(vm, regions=(region(0x200000, 0x4000000),))
    with pytest.raises(ConfigError) as err:
        acpi_tables.vm_tables(above, "s.xml")
    (problem,) = err.value.problems
    assert problem.rule == "acpi-tables-memory"
    assert problem.path == "/scenario/vm[@id='0']/memory"
    assert problem.message == (
        f"pre-launched VM 'linux-a' gets its ACPI tables at guest-physical 0xf2400-{end:#x} "
        "(VPLAT_ACPI_GPA), but its memory regions do not cover that range")
    assert "gpa=\"0x0\"" in problem.hint
    # Ending inside the tables is not enough; two adjacent regions together are.
    short = replace(vm, regions=(region(0, end - 1),))
    assert [p.rule for p in acpi_tables.problems(short, "s")] == ["acpi-tables-memory"]
    split = replace(vm, regions=(region(end - 0x10, 0x1000), region(0, end - 0x10)))
    assert acpi_tables.problems(split, "s") == []
    exact = replace(vm, regions=(region(0, end),))
    assert acpi_tables.problems(exact, "s") == []


# ------------------------------------------------------------------ generated output


def c_array(text: str, name: str) -> bytes:
    body = re.search(rf"static const u8 {name}\[\] = \{{(.*?)\n\}};", text, re.S)
    assert body, f"no array {name}"
    code = re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S)
    return bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})", code))


@pytest.mark.parametrize("scenario", ["partitioned", "hybrid", "demo", "shared"])
def test_generated_c_and_files_hold_the_tables(scenario: str) -> None:
    sc = load_scenario(SCENARIOS / f"{scenario}.xml")
    files = generate(str(BOARD), str(SCENARIOS / f"{scenario}.xml"))
    text = files["vm_configs.c"]
    assert isinstance(text, str)
    vms = sorted(sc.vms, key=lambda v: v.id)
    pre = [i for i, vm in enumerate(vms) if vm.load_order == "pre-launched"]
    names = {"rsdp", "facs", "xsdt", "rsdt", "facp", "dsdt", "apic"}
    expected = {f"acpi/vm{i}/{n}.dat" for i in pre for n in names} | \
        {f"acpi/vm{i}/layout.txt" for i in pre}
    assert {n for n in files if n.startswith("acpi/")} == expected
    # The C table points each pre-launched VM at its array, and no other VM at any.
    table = text.split("const struct vm_config vm_configs[] = {", 1)[1].split("\n};", 1)[0]
    entries = table.split("\n\t{")[1:]
    assert len(entries) == len(vms)
    for i, vm in enumerate(vms):
        has = f".acpi_tables = vm{i}_acpi_tables," in entries[i]
        assert has == (i in pre), vm.name
        assert (f".acpi_tables_size = sizeof(vm{i}_acpi_tables)" in entries[i]) == has
    for i in pre:
        blob = acpi_tables.build(vms[i].vcpu_count).blob
        assert c_array(text, f"vm{i}_acpi_tables") == blob
        parsed = BlobReader(blob, H["VPLAT_ACPI_GPA"]).read()
        assert parsed.errors == []
        for t in acpi_tables.build(vms[i].vcpu_count).tables:
            assert files[f"acpi/vm{i}/{t.name}.dat"] == blob[t.offset:t.offset + len(t.data)]
        layout = files[f"acpi/vm{i}/layout.txt"]
        assert isinstance(layout, str) and "facp.dat    FADT   0x00f0         0xf24f0" in layout
    assert ("#include <bulkhead/vplatform.h>" in text) == bool(pre)
    assert (text.count("differs from acpi_tables.py") == len(H)) == bool(pre)


def test_generated_c_stops_the_build_when_vplatform_h_changes(tmp_path: Path) -> None:
    """The _Static_asserts in vm_configs.c catch a vplatform.h the tables were not
    generated for (compiled against a copy of the header with one number changed)."""
    text = generate(str(BOARD), str(SCENARIOS / "partitioned.xml"))["vm_configs.c"]
    source = tmp_path / "vm_configs.c"
    source.write_text(str(text))
    fake = tmp_path / "include" / "bulkhead"
    fake.mkdir(parents=True)
    header = VPLATFORM_H.read_text()
    (fake / "vplatform.h").write_text(header.replace("0xf2400ULL", "0xf3000ULL"))
    fake_include = f"-I{tmp_path / 'include'}"
    cmd = ["gcc", "-std=c11", "-fsyntax-only", fake_include, f"-I{HV_INCLUDE}",
           f"-I{REPO / 'hypervisor/arch/x86/include'}", "-DCONFIG_MAX_VMS=8",
           "-DCONFIG_MAX_VCPUS_PER_VM=8", str(source)]
    good = subprocess.run([c for c in cmd if c != fake_include], text=True,
                          capture_output=True, check=False)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run(cmd, text=True, capture_output=True, check=False)
    assert bad.returncode != 0
    assert "VPLAT_ACPI_GPA differs from acpi_tables.py" in bad.stderr


def test_generate_command_writes_and_prunes_acpi_files(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out = tmp_path / "generated"
    args = ["generate", "--board", str(BOARD), "--out", str(out), "--scenario"]
    assert main([*args, str(SCENARIOS / "partitioned.xml")]) == 0
    assert "acpi/vm0/, acpi/vm1/" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "acpi").iterdir()) == ["vm0", "vm1"]
    blob = acpi_tables.build(2).blob
    assert (out / "acpi/vm1/facp.dat").read_bytes() == blob[0xF0:0xF0 + 276]
    # hybrid: only VM 0 is pre-launched; acpi/vm1/ of the old scenario goes, a file
    # someone put beside vm0's tables (iasl's disassembly) stays.
    (out / "acpi/vm0/apic.dsl").write_text("disassembly\n")
    (out / "acpi/vm1/apic.dsl").write_text("disassembly\n")
    assert main([*args, str(SCENARIOS / "hybrid.xml")]) == 0
    assert sorted(p.name for p in (out / "acpi").iterdir()) == ["vm0"]
    assert (out / "acpi/vm0/apic.dsl").is_file()
    assert (out / "acpi/vm0/rsdp.dat").read_bytes() == acpi_tables.build(1).blob[:36]
    # shared: no pre-launched VM, no acpi/ at all.
    assert main([*args, str(SCENARIOS / "shared.xml")]) == 0
    assert not (out / "acpi").exists()
    assert sorted(p.name for p in out.iterdir()) == ["modules.list", "scenario.config",
                                                     "vm_configs.c"]


def test_generate_help_documents_the_acpi_files(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "acpi/vmN/" in text and "rsdp.dat" in text and "iasl -d" in text
    assert "VPLAT_ACPI_GPA" in text
