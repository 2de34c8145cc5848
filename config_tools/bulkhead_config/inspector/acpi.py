# SPDX-License-Identifier: BSD-3-Clause
"""Parse raw ACPI tables (ACPI 6.5 ch. 5; VT-d spec ch. 8 for DMAR).

Tables are untrusted bytes: a parser never raises; anything truncated, inconsistent or
unknown becomes a warning (source "acpi/<file>") and parsing goes on with what is left.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .aml import find_sleep_type
from .acpi_records import records
from .dmar import Dmar, parse_dmar
from .findings import Findings, le
from .source import Source

TABLES_DIR = "sys/firmware/acpi/tables"
HEADER_LEN = 36
NO_HEADER = ("FACS",)  # tables without the standard header

SPACES = {0: "memory", 1: "io", 2: "pci-config"}


@dataclass(frozen=True)
class TableHeader:
    file: str
    signature: str
    length: int
    revision: int | None
    oem_id: str | None
    oem_table_id: str | None
    oem_revision: int | None
    checksum_ok: bool | None


@dataclass(frozen=True)
class LocalApic:
    uid: int
    apic_id: int
    enabled: bool
    online_capable: bool
    x2apic: bool


@dataclass(frozen=True)
class IoApic:
    id: int
    address: int
    gsi_base: int


@dataclass(frozen=True)
class Override:
    bus: int
    source: int
    gsi: int
    flags: int


@dataclass(frozen=True)
class Nmi:
    flags: int
    uid: int | None = None
    lint: int | None = None
    gsi: int | None = None


@dataclass
class Madt:
    local_apic_address: int
    pcat_compat: bool
    local_apics: list[LocalApic] = field(default_factory=list)
    ioapics: list[IoApic] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    nmis: list[Nmi] = field(default_factory=list)


@dataclass(frozen=True)
class Gas:
    space_id: int
    bit_width: int
    bit_offset: int
    access_size: int
    address: int

    @property
    def space(self) -> str:
        return SPACES.get(self.space_id, "other")


@dataclass(frozen=True)
class PmBlock:
    name: str
    space: str
    address: int
    length: int


@dataclass
class Fadt:
    revision: int
    sci_irq: int
    smi_command_port: int
    flags: int
    iapc_boot_arch: int | None
    dsdt: int
    reset_register: Gas | None = None
    reset_value: int | None = None
    pm_blocks: list[PmBlock] = field(default_factory=list)
    s5: tuple[int, int] | None = None

    @property
    def hardware_reduced(self) -> bool:
        return bool(self.flags & (1 << 20))


@dataclass(frozen=True)
class Ecam:
    address: int
    segment: int
    start_bus: int
    end_bus: int


@dataclass(frozen=True)
class Hpet:
    number: int
    address: int
    space: str
    block_id: int
    min_tick: int


@dataclass
class AcpiInfo:
    tables: list[TableHeader] = field(default_factory=list)
    madt: Madt | None = None
    fadt: Fadt | None = None
    mcfg: list[Ecam] | None = None
    hpets: list[Hpet] = field(default_factory=list)
    dmar: Dmar | None = None


def _text(raw: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7f else "?" for b in raw).rstrip(" ?") \
        if raw.strip(b" \0") else ""


def parse_header(name: str, data: bytes,
                 findings: Findings) -> tuple[TableHeader, bytes] | None:
    """Check the header of a table; return it and the bytes the table really covers."""
    src = f"acpi/{name}"
    if len(data) < 8:
        findings.warn(src, f"only {len(data)} bytes, too short for an ACPI table header; ignored")
        return None
    sig = "".join(chr(b) if 0x20 < b < 0x7f else "?" for b in data[:4])
    length = le(data, 4, 4) or 0
    if sig in NO_HEADER:
        return TableHeader(name, sig, length, None, None, None, None, None), data[:length]
    if len(data) < HEADER_LEN:
        findings.warn(src, f"only {len(data)} bytes, shorter than the 36-byte header; ignored")
        return None
    if length < HEADER_LEN:
        findings.warn(src, f"length field {length} is shorter than the header; ignored")
        return None
    if length > len(data):
        findings.warn(src, f"truncated: length field says {length} bytes, file has "
                      f"{len(data)}; parsing what is there")
        body = data
    else:
        if length < len(data):
            findings.warn(src, f"file has {len(data) - length} bytes past the table length; "
                          "ignored")
        body = data[:length]
    checksum_ok = sum(body) % 256 == 0 and length <= len(data)
    if not checksum_ok and length <= len(data):
        findings.warn(src, "checksum mismatch: the table may be corrupt; facts taken from "
                      "it are unverified")
    header = TableHeader(name, sig, length, data[8], _text(data[10:16]), _text(data[16:24]),
                         le(data, 24, 4), checksum_ok)
    return header, body


def _table_files(source: Source) -> list[str]:
    names = []
    for entry in source.listdir(TABLES_DIR):
        if entry == "data":
            continue
        if entry == "dynamic":
            names.extend(f"dynamic/{d}" for d in source.listdir(f"{TABLES_DIR}/dynamic")
                         if not source.is_dir(f"{TABLES_DIR}/dynamic/{d}"))
        elif not source.is_dir(f"{TABLES_DIR}/{entry}"):
            names.append(entry)
    return sorted(names)


def parse_tables(source: Source, findings: Findings) -> AcpiInfo:
    """Read every table of the capture and decode the ones the hypervisor needs."""
    info = AcpiInfo()
    files = _table_files(source)
    if not files:
        findings.warn("acpi", f"no ACPI tables found under /{TABLES_DIR}")
        return info
    bodies: dict[str, list[tuple[str, bytes]]] = {}
    for name in files:
        data = source.read_bytes(f"{TABLES_DIR}/{name}")
        if data is None:
            findings.warn(f"acpi/{name}", "cannot read the table file")
            continue
        parsed = parse_header(name, data, findings)
        if parsed is None:
            continue
        header, body = parsed
        info.tables.append(header)
        bodies.setdefault(header.signature, []).append((name, body))
    decode_tables(bodies, info, findings)
    return info


def decode_tables(bodies: dict[str, list[tuple[str, bytes]]], info: AcpiInfo,
                  findings: Findings) -> None:
    """Decode MADT, FADT, MCFG, HPET and DMAR; the first table of a kind wins."""
    def first(sig: str) -> tuple[str, bytes] | None:
        found = bodies.get(sig, [])
        if len(found) > 1:
            findings.warn(f"acpi/{found[1][0]}", f"more than one {sig} table; using "
                          f"{found[0][0]}")
        return found[0] if found else None

    decoders = (("APIC", parse_madt, "madt"), ("FACP", parse_fadt, "fadt"),
                ("MCFG", parse_mcfg, "mcfg"), ("DMAR", parse_dmar, "dmar"))
    for sig, decoder, attr in decoders:
        table = first(sig)
        if table is not None:
            setattr(info, attr, _guard(decoder, table[0], table[1], findings))
    for name, body in bodies.get("HPET", []):
        hpet = _guard(parse_hpet, name, body, findings)
        if hpet is not None:
            info.hpets.append(hpet)
    if info.fadt is not None:
        info.fadt.s5 = _find_s5(bodies, findings)


def _guard(decoder: Callable[[str, bytes, Findings], Any], name: str, body: bytes,
           findings: Findings) -> Any:
    """Last line of defence: a decoder bug on odd input must not stop the inspection."""
    try:
        return decoder(name, body, findings)
    except Exception as err:  # noqa: BLE001 - untrusted input, report and go on
        findings.warn(f"acpi/{name}", f"could not be decoded ({type(err).__name__}: {err})")
        return None


def _find_s5(bodies: dict[str, list[tuple[str, bytes]]],
             findings: Findings) -> tuple[int, int] | None:
    for sig in ("DSDT", "SSDT"):
        for name, body in bodies.get(sig, []):
            try:
                found = find_sleep_type(body[HEADER_LEN:], "_S5_")
            except Exception:  # noqa: BLE001 - AML is untrusted
                found = None
            if found is not None:
                return found
    src = "acpi/DSDT"
    findings.warn(src, "no \\_S5 package found: the soft-off sleep type is unknown")
    return None


MADT_MIN = {0: 8, 1: 12, 2: 10, 3: 8, 4: 6, 5: 12, 9: 16, 10: 12}


def parse_madt(name: str, data: bytes, findings: Findings) -> Madt | None:
    src = f"acpi/{name}"
    lapic, flags = le(data, 36, 4), le(data, 40, 4)
    if lapic is None or flags is None:
        findings.warn(src, "too short for the MADT fixed fields; ignored")
        return None
    madt = Madt(lapic, bool(flags & 1))
    for kind, off, length in records(name, data, 44, findings):
        need = MADT_MIN.get(kind)
        if need is None:
            continue  # other interrupt controller types: not used on x86 VT-x targets
        if length < need:
            findings.warn(src, f"structure of type {kind} at offset {off:#x} has length "
                          f"{length}, needs {need}; skipped")
            continue
        e = data[off:off + length]
        if kind == 0:
            fl = le(e, 4, 4)
            madt.local_apics.append(LocalApic(e[2], e[3], bool(fl & 1), bool(fl & 2), False))
        elif kind == 9:
            fl = le(e, 8, 4)
            madt.local_apics.append(LocalApic(le(e, 12, 4), le(e, 4, 4), bool(fl & 1),
                                              bool(fl & 2), True))
        elif kind == 1:
            madt.ioapics.append(IoApic(e[2], le(e, 4, 4), le(e, 8, 4)))
        elif kind == 2:
            madt.overrides.append(Override(e[2], e[3], le(e, 4, 4), le(e, 8, 2)))
        elif kind == 3:
            madt.nmis.append(Nmi(le(e, 2, 2), gsi=le(e, 4, 4)))
        elif kind == 4:
            madt.nmis.append(Nmi(le(e, 3, 2), uid=e[2], lint=e[5]))
        elif kind == 10:
            madt.nmis.append(Nmi(le(e, 2, 2), uid=le(e, 4, 4), lint=e[8]))
        elif kind == 5:
            madt.local_apic_address = le(e, 4, 8)
    return madt


def _gas(data: bytes, offset: int) -> Gas | None:
    if offset + 12 > len(data):
        return None
    return Gas(data[offset], data[offset + 1], data[offset + 2], data[offset + 3],
               le(data, offset + 4, 8))


# name, 32-bit block field, length field, X_ GAS field
PM_BLOCKS = (("pm1a-event", 56, 88, 148), ("pm1b-event", 60, 88, 160),
             ("pm1a-control", 64, 89, 172), ("pm1b-control", 68, 89, 184),
             ("pm2-control", 72, 90, 196), ("pm-timer", 76, 91, 208),
             ("gpe0", 80, 92, 220), ("gpe1", 84, 93, 232))


def parse_fadt(name: str, data: bytes, findings: Findings) -> Fadt | None:
    src = f"acpi/{name}"
    if len(data) < 116:
        findings.warn(src, f"{len(data)} bytes: too short for an FADT (at least 116); ignored")
        return None
    dsdt = le(data, 140, 8) or le(data, 40, 4)
    fadt = Fadt(revision=data[8], sci_irq=le(data, 46, 2), smi_command_port=le(data, 48, 4),
                flags=le(data, 112, 4), iapc_boot_arch=le(data, 109, 2) if data[8] >= 2 else None,
                dsdt=dsdt or 0)
    if fadt.flags & (1 << 10):
        reset = _gas(data, 116)
        if reset is None or len(data) < 129:
            findings.warn(src, "RESET_REG_SUP is set but the table ends before the reset "
                          "register")
        else:
            fadt.reset_register = reset
            fadt.reset_value = data[128]
    for block, field32, field_len, field_x in PM_BLOCKS:
        length = data[field_len]
        if length == 0:
            continue
        gas = _gas(data, field_x)
        if gas is not None and gas.address:
            fadt.pm_blocks.append(PmBlock(block, gas.space, gas.address, length))
        else:
            address = le(data, field32, 4)
            if address:
                fadt.pm_blocks.append(PmBlock(block, "io", address, length))
    return fadt


def parse_mcfg(name: str, data: bytes, findings: Findings) -> list[Ecam]:
    src = f"acpi/{name}"
    ecams = []
    offset = 44
    if len(data) < offset:
        findings.warn(src, "too short for the MCFG fixed fields; ignored")
        return ecams
    if (len(data) - offset) % 16:
        findings.warn(src, f"{(len(data) - offset) % 16} stray bytes after the last "
                      "allocation entry; ignored")
    while offset + 16 <= len(data):
        start, end = data[offset + 10], data[offset + 11]
        if end < start:
            findings.warn(src, f"allocation at offset {offset:#x} ends at bus {end} before "
                          f"its start bus {start}; skipped")
        else:
            ecams.append(Ecam(le(data, offset, 8), le(data, offset + 8, 2), start, end))
        offset += 16
    return ecams


def parse_hpet(name: str, data: bytes, findings: Findings) -> Hpet | None:
    if len(data) < 56:
        findings.warn(f"acpi/{name}", f"{len(data)} bytes: too short for an HPET table "
                      "(56); ignored")
        return None
    gas = _gas(data, 40)
    return Hpet(data[52], gas.address, gas.space, le(data, 36, 4), le(data, 53, 2))
