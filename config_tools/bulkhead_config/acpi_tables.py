# SPDX-License-Identifier: BSD-3-Clause
"""The ACPI tables of a pre-launched VM, generated at build time from its vCPU count.

A pre-launched VM has no firmware: the hypervisor copies these tables into its memory at
VPLAT_ACPI_GPA, where a guest scanning the BIOS area 0xe0000-0xfffff finds the RSDP. They
describe the virtual platform of hypervisor/include/bulkhead/vplatform.h, whose numbers
this module keeps a copy of (VPLATFORM; tests/config_tools/test_acpi_tables.py fails when
the two differ, and the generated C asserts them at compile time).

Layout (offsets from VPLAT_ACPI_GPA; every table 16-byte aligned, the FACS 64-byte):

    0x000 RSDP  revision 2, 36 bytes, RSDT and XSDT addresses
    0x040 FACS  64 bytes
    0x080 XSDT  -> FADT, MADT
    0x0c0 RSDT  -> FADT, MADT (the same tables, for ACPI 1.0 readers and acpi=rsdt)
    0x0f0 FADT  ACPI 6.3 layout, 276 bytes -> FACS, DSDT
    0x210 DSDT  \\_S5 and one processor device per vCPU
    then  MADT  one Local APIC per vCPU, the IOAPIC, overrides, LINT1 NMI

Tables follow ACPI 6.3 (the newest version Debian's iasl knows); the structures used are
unchanged in 6.4 and 6.5. Decisions (doc/architecture.md, "ACPI tables of a pre-launched
VM", says why):
- A real RSDT as well as the XSDT: every table lies below 4 GiB, so the 44 bytes buy
  compatibility with readers of the ACPI 1.0 fields at no other cost.
- No SMI_CMD: the platform is always in ACPI mode (PM1_CNT.SCI_EN reads 1).
- IA-PC boot flags: legacy devices (the 16550s, PIC, PIT, RTC) but no 8042: the
  hypervisor emulates only the reset pulse of port 0x64, and a driver probing a keyboard
  controller there would wait for bytes that never come. No VGA; MSI and the CMOS RTC
  are not declared missing.
- FADT flags: WBINVD, PROC_C1 (HLT works), PWR_BUTTON and SLP_BUTTON (no button
  devices), FIX_RTC (no RTC wake status in PM1), RESET_REG_SUP (0xcf9 <- 0x06).
- Preferred PM profile 0, "Unspecified": a VM can be a desktop or a server.
- APIC ID = ACPI processor UID = vCPU index; Local x2APIC entries only for IDs >= 255.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from . import aml
from .errors import ConfigError, Problem
from .scenario import Vm

# ------------------------------------------------------------ the virtual platform
# The copy of hypervisor/include/bulkhead/vplatform.h, name for name.
VPLAT_LAPIC_BASE = 0xFEE00000
VPLAT_IOAPIC_BASE = 0xFEC00000
VPLAT_IOAPIC_ID = 0x08
VPLAT_IOAPIC_PINS = 24
VPLAT_PIC_MASTER = 0x20
VPLAT_PIC_SLAVE = 0xA0
VPLAT_PIC_ELCR = 0x4D0
VPLAT_PIT_BASE = 0x40
VPLAT_PIT_PORT61 = 0x61
VPLAT_RTC_BASE = 0x70
VPLAT_PM1A_EVT_BLK = 0x400
VPLAT_PM1A_CNT_BLK = 0x404
VPLAT_PM_TMR_BLK = 0x408
VPLAT_SCI_IRQ = 9
VPLAT_SLP_TYP_S5 = 5
VPLAT_PIT_IRQ = 0
VPLAT_RTC_IRQ = 8
VPLAT_ACPI_GPA = 0xF2400
VPLAT_ACPI_MAX = 0xBC00

VPLATFORM: dict[str, int] = {
    name: value for name, value in globals().items() if name.startswith("VPLAT_")}

# The reset register the hypervisor emulates (hypervisor/dm/vreset.c): a write of 0x06 to
# the PIIX/ICH reset control port (bit 2 "reset CPU", bit 1 "hard reset").
RESET_PORT = 0xCF9
RESET_VALUE = 0x06
# The CMOS byte of the vRTC that holds the century (VRTC_CENTURY in
# hypervisor/include/bulkhead/vrtc.h; test_acpi_tables.py compares the two).
RTC_CENTURY_INDEX = 0x32
PM1_EVT_LEN = 4  # PM1_STS, PM1_EN: two bytes each
PM1_CNT_LEN = 2
PM_TMR_LEN = 4

# ------------------------------------------------------------ identification
OEM_ID = b"BLKHD "
CREATOR_ID = b"BLKH"
OEM_REVISION = 1
CREATOR_REVISION = 1
HEADER_SIZE = 36

# ACPI 6.3 numbers.
FADT_REVISION = 6
FADT_MINOR_REVISION = 3
FADT_SIZE = 276
MADT_REVISION = 5
DSDT_REVISION = 2  # 2 and above: 64-bit AML integers
RSDT_REVISION = 1
XSDT_REVISION = 1
RSDP_REVISION = 2
RSDP_SIZE = 36
FACS_SIZE = 64
FACS_VERSION = 2

# FADT Fixed Feature Flags (ACPI 6.3 table 5-35).
FADT_WBINVD = 1 << 0
FADT_PROC_C1 = 1 << 2
FADT_PWR_BUTTON = 1 << 4  # set: no fixed-feature power button
FADT_SLP_BUTTON = 1 << 5  # set: no fixed-feature sleep button
FADT_FIX_RTC = 1 << 6  # set: no RTC_STS wake in PM1
FADT_TMR_VAL_EXT = 1 << 8  # set: 32-bit PM timer (ours is 24-bit: clear)
FADT_RESET_REG_SUP = 1 << 10
FADT_HW_REDUCED_ACPI = 1 << 20
FADT_FLAGS = (FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
              FADT_FIX_RTC | FADT_RESET_REG_SUP)
# IA-PC Boot Architecture Flags (ACPI 6.3 table 5-36).
BOOT_LEGACY_DEVICES = 1 << 0
BOOT_8042 = 1 << 1
BOOT_VGA_NOT_PRESENT = 1 << 2
BOOT_MSI_NOT_SUPPORTED = 1 << 3
BOOT_PCIE_ASPM_CONTROLS = 1 << 4
BOOT_CMOS_RTC_NOT_PRESENT = 1 << 5
IAPC_BOOT_ARCH = BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT
PM_PROFILE_UNSPECIFIED = 0
# P_LVL2_LAT above 100 and P_LVL3_LAT above 1000 (microseconds) say "no C2" and "no C3".
C2_LATENCY_NONE = 101
C3_LATENCY_NONE = 1001
HYPERVISOR_VENDOR = b"Bulkhead"  # FADT Hypervisor Vendor Identity, 8 bytes

# Generic Address Structure address spaces and access sizes (ACPI 6.3 5.2.3.2).
GAS_SYSTEM_IO = 1
ACCESS_BYTE, ACCESS_WORD, ACCESS_DWORD = 1, 2, 3

# MADT (ACPI 6.3 5.2.12).
MADT_PCAT_COMPAT = 1 << 0  # a dual 8259 is present too
MADT_LOCAL_APIC = 0
MADT_IO_APIC = 1
MADT_INTERRUPT_OVERRIDE = 2
MADT_LOCAL_APIC_NMI = 4
MADT_LOCAL_X2APIC = 9
MADT_LOCAL_X2APIC_NMI = 10
LAPIC_ENABLED = 1 << 0
X2APIC_ONLY_ID = 0xFF  # IDs from here on need Local x2APIC entries
ALL_PROCESSORS_UID = 0xFF
ALL_PROCESSORS_X2_UID = 0xFFFFFFFF
ISA_BUS = 0
# MPS INTI flags: polarity in bits 1:0 (01 active high), trigger mode in 3:2 (11 level).
INTI_CONFORMING = 0x0
INTI_ACTIVE_HIGH = 0x1
INTI_LEVEL = 0xC
# ISA IRQ -> GSI overrides: the PIT drives IOAPIC pin 2 (as on PC chipsets); the SCI is
# level-triggered active-high, which needs saying because without an override OSPM
# takes SCI_INT as level-triggered active-low (ACPI 6.3 5.2.9, SCI_INT).
INTERRUPT_OVERRIDES = ((VPLAT_PIT_IRQ, 2, INTI_CONFORMING),
                       (VPLAT_SCI_IRQ, VPLAT_SCI_IRQ, INTI_LEVEL | INTI_ACTIVE_HIGH))
NMI_LINT = 1  # LINT1 takes NMIs, as on every PC

TABLE_ALIGN = 16
FACS_ALIGN = 64
PROCESSOR_HID = "ACPI0007"  # processor device (ACPI 6.3 8.4)
MAX_PROCESSOR_DEVICES = 0x1000  # device names C000..CFFF


# ------------------------------------------------------------ result


@dataclass(frozen=True)
class Table:
    """One table: its file name stem, signature and offset from VPLAT_ACPI_GPA."""

    name: str  # "rsdp", "facs", "xsdt", "rsdt", "facp", "dsdt", "apic"
    signature: str
    offset: int
    data: bytes

    @property
    def gpa(self) -> int:
        return VPLAT_ACPI_GPA + self.offset

    @property
    def title(self) -> str:
        """The name the ACPI specification uses ("FADT" for signature "FACP")."""
        return TITLES[self.name]


TITLES = {"rsdp": "RSDP", "facs": "FACS", "xsdt": "XSDT", "rsdt": "RSDT", "facp": "FADT",
          "dsdt": "DSDT", "apic": "MADT"}


@dataclass(frozen=True)
class AcpiTables:
    """All tables of one VM and the blob the hypervisor copies to VPLAT_ACPI_GPA."""

    tables: tuple[Table, ...]
    blob: bytes

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


# ------------------------------------------------------------ encoding helpers


def checksum(data: bytes) -> int:
    """The byte that makes data sum to zero (mod 256) when stored in it."""
    return -sum(data) & 0xFF


def _with_checksum(data: bytes, offset: int) -> bytes:
    out = bytearray(data)
    out[offset] = 0
    out[offset] = checksum(out)
    return bytes(out)


def sdt(signature: str, revision: int, body: bytes) -> bytes:
    """A system description table: the 36-byte header (ACPI 6.3 5.2.6), then body."""
    sig = signature.encode("ascii")
    header = struct.pack("<4sIBB6s8sI4sI", sig, HEADER_SIZE + len(body), revision, 0,
                         OEM_ID, b"BLKH" + sig, OEM_REVISION, CREATOR_ID, CREATOR_REVISION)
    return _with_checksum(header + body, 9)


def gas(address: int, bit_width: int = 0, access_size: int = 0,
        space: int = GAS_SYSTEM_IO) -> bytes:
    """A Generic Address Structure; all zero (not present) for address 0."""
    if address == 0:
        return bytes(12)
    return struct.pack("<BBBBQ", space, bit_width, 0, access_size, address)


def _pack_fields(size: int, fields: list[tuple[int, str, object]]) -> bytes:
    """A size-byte structure with each (offset, struct format, value) stored in it; the
    rest zero. Fields must not overlap (a generator bug if they do)."""
    out = bytearray(size)
    used = bytearray(size)
    for offset, fmt, value in fields:
        data = struct.pack("<" + fmt, value)
        end = offset + len(data)
        if end > size or any(used[offset:end]):
            raise ValueError(f"field at offset {offset} overlaps or overruns")
        out[offset:end] = data
        used[offset:end] = b"\1" * len(data)
    return bytes(out)


# ------------------------------------------------------------ the tables


def rsdp(rsdt_gpa: int, xsdt_gpa: int) -> bytes:
    """Root System Description Pointer, revision 2 (ACPI 6.3 5.2.5.3): the first 20
    bytes carry their own checksum, all 36 the extended one."""
    first = struct.pack("<8sB6sBI", b"RSD PTR ", 0, OEM_ID, RSDP_REVISION, rsdt_gpa)
    first = _with_checksum(first, 8)
    full = first + struct.pack("<IQB3s", RSDP_SIZE, xsdt_gpa, 0, bytes(3))
    return _with_checksum(full, 32)


def facs() -> bytes:
    """Firmware ACPI Control Structure (ACPI 6.3 5.2.10): no waking vector (no S3), free
    global lock, no S4BIOS. It has no checksum."""
    return _pack_fields(FACS_SIZE, [(0, "4s", b"FACS"), (4, "I", FACS_SIZE),
                                    (32, "B", FACS_VERSION)])


def xsdt(gpas: list[int]) -> bytes:
    return sdt("XSDT", XSDT_REVISION, b"".join(struct.pack("<Q", a) for a in gpas))


def rsdt(gpas: list[int]) -> bytes:
    return sdt("RSDT", RSDT_REVISION, b"".join(struct.pack("<I", a) for a in gpas))


def fadt(facs_gpa: int, dsdt_gpa: int) -> bytes:
    """Fixed ACPI Description Table, ACPI 6.3 table 5-34 (offsets from the table start).
    Not hardware-reduced: PM1a event and control blocks and the 24-bit PM timer of the
    virtual platform, no PM1b, PM2 or GPE blocks, no SMI command port."""
    table = _pack_fields(FADT_SIZE, [
        (36, "I", facs_gpa),  # FIRMWARE_CTRL
        (40, "I", dsdt_gpa),  # DSDT
        (45, "B", PM_PROFILE_UNSPECIFIED),  # Preferred_PM_Profile
        (46, "H", VPLAT_SCI_IRQ),  # SCI_INT
        (48, "I", 0),  # SMI_CMD: none, always in ACPI mode
        (56, "I", VPLAT_PM1A_EVT_BLK),  # PM1a_EVT_BLK
        (64, "I", VPLAT_PM1A_CNT_BLK),  # PM1a_CNT_BLK
        (76, "I", VPLAT_PM_TMR_BLK),  # PM_TMR_BLK
        (88, "B", PM1_EVT_LEN),  # PM1_EVT_LEN
        (89, "B", PM1_CNT_LEN),  # PM1_CNT_LEN
        (91, "B", PM_TMR_LEN),  # PM_TMR_LEN
        (96, "H", C2_LATENCY_NONE),  # P_LVL2_LAT
        (98, "H", C3_LATENCY_NONE),  # P_LVL3_LAT
        # DAY_ALRM and MON_ALRM stay 0: the MC146818 alarm has hours, minutes, seconds.
        (108, "B", RTC_CENTURY_INDEX),  # CENTURY
        (109, "H", IAPC_BOOT_ARCH),  # IAPC_BOOT_ARCH
        (112, "I", FADT_FLAGS),  # Flags
        (116, "12s", gas(RESET_PORT, 8, ACCESS_BYTE)),  # RESET_REG
        (128, "B", RESET_VALUE),  # RESET_VALUE
        (131, "B", FADT_MINOR_REVISION),  # FADT Minor Version
        (132, "Q", facs_gpa),  # X_FIRMWARE_CTRL
        (140, "Q", dsdt_gpa),  # X_DSDT
        # X_PM1a_EVT_BLK, X_PM1a_CNT_BLK, X_PM_TMR_BLK: the same blocks as GAS; PM1
        # registers are 16 bits wide (word access), the timer 32 (dword access).
        (148, "12s", gas(VPLAT_PM1A_EVT_BLK, 8 * PM1_EVT_LEN, ACCESS_WORD)),
        (172, "12s", gas(VPLAT_PM1A_CNT_BLK, 8 * PM1_CNT_LEN, ACCESS_WORD)),
        (208, "12s", gas(VPLAT_PM_TMR_BLK, 8 * PM_TMR_LEN, ACCESS_DWORD)),
        (268, "8s", HYPERVISOR_VENDOR),  # Hypervisor Vendor Identity
    ])
    return sdt("FACP", FADT_REVISION, table[HEADER_SIZE:])


def apic_ids(vcpu_count: int) -> list[int]:
    """APIC ID of each vCPU: its index (the virtual LAPIC reports vcpu->id)."""
    return list(range(vcpu_count))


def madt(vcpu_count: int) -> bytes:
    """Multiple APIC Description Table (ACPI 6.3 5.2.12)."""
    entries = [struct.pack("<II", VPLAT_LAPIC_BASE, MADT_PCAT_COMPAT)]
    x2apic = False
    for uid, apic_id in enumerate(apic_ids(vcpu_count)):
        if apic_id < X2APIC_ONLY_ID:
            entries.append(struct.pack("<BBBBI", MADT_LOCAL_APIC, 8, uid, apic_id,
                                       LAPIC_ENABLED))
        else:
            x2apic = True
            entries.append(struct.pack("<BBHIII", MADT_LOCAL_X2APIC, 16, 0, apic_id,
                                       LAPIC_ENABLED, uid))
    entries.append(struct.pack("<BBBBII", MADT_IO_APIC, 12, VPLAT_IOAPIC_ID, 0,
                               VPLAT_IOAPIC_BASE, 0))
    for irq, gsi, flags in INTERRUPT_OVERRIDES:
        assert gsi < VPLAT_IOAPIC_PINS
        entries.append(struct.pack("<BBBBIH", MADT_INTERRUPT_OVERRIDE, 10, ISA_BUS, irq,
                                   gsi, flags))
    entries.append(struct.pack("<BBBHB", MADT_LOCAL_APIC_NMI, 6, ALL_PROCESSORS_UID,
                               INTI_CONFORMING, NMI_LINT))
    if x2apic:
        entries.append(struct.pack("<BBHIB3s", MADT_LOCAL_X2APIC_NMI, 12, INTI_CONFORMING,
                                   ALL_PROCESSORS_X2_UID, NMI_LINT, bytes(3)))
    return sdt("APIC", MADT_REVISION, b"".join(entries))


def dsdt_aml(vcpu_count: int) -> bytes:
    """The DSDT's definition block:

        Name (\\_S5, Package (4) {VPLAT_SLP_TYP_S5, 0, 0, 0})
        Scope (\\_SB) {
            Device (C000) { Name (_HID, "ACPI0007") Name (_UID, 0) }  // one per vCPU
        }

    _S5 gives the PM1_CNT.SLP_TYP value for soft-off (SLP_TYPa, SLP_TYPb, reserved...).
    The processor devices carry the _UID the MADT's processor UIDs refer to."""
    s5 = aml.name("_S5", aml.package([aml.integer(VPLAT_SLP_TYP_S5), aml.integer(0),
                                      aml.integer(0), aml.integer(0)]))
    cpus = [aml.device(f"C{uid:03X}", [aml.name("_HID", aml.string(PROCESSOR_HID)),
                                       aml.name("_UID", aml.integer(uid))])
            for uid in range(vcpu_count)]
    return s5 + aml.scope("\\_SB", cpus)


def dsdt(vcpu_count: int) -> bytes:
    return sdt("DSDT", DSDT_REVISION, dsdt_aml(vcpu_count))


def _align(offset: int, alignment: int) -> int:
    return -(-offset // alignment) * alignment


def build(vcpu_count: int) -> AcpiTables:
    """The tables for a VM with vcpu_count vCPUs, laid out for VPLAT_ACPI_GPA. Does not
    check the size (problems() does). ValueError for more than MAX_PROCESSOR_DEVICES."""
    if not 0 <= vcpu_count <= MAX_PROCESSOR_DEVICES:
        raise ValueError(f"{vcpu_count} vCPUs: the DSDT names at most "
                         f"{MAX_PROCESSOR_DEVICES} processors")
    # Tables without pointers first, so that their sizes fix the layout.
    dsdt_data = dsdt(vcpu_count)
    madt_data = madt(vcpu_count)
    rsdt_size = HEADER_SIZE + 4 * 2
    xsdt_size = HEADER_SIZE + 8 * 2
    offsets: dict[str, int] = {}
    end = 0
    for name, size, alignment in (("rsdp", RSDP_SIZE, TABLE_ALIGN),
                                  ("facs", FACS_SIZE, FACS_ALIGN),
                                  ("xsdt", xsdt_size, TABLE_ALIGN),
                                  ("rsdt", rsdt_size, TABLE_ALIGN),
                                  ("facp", FADT_SIZE, TABLE_ALIGN),
                                  ("dsdt", len(dsdt_data), TABLE_ALIGN),
                                  ("apic", len(madt_data), TABLE_ALIGN)):
        offsets[name] = _align(end, alignment)
        end = offsets[name] + size
    gpa = {name: VPLAT_ACPI_GPA + offset for name, offset in offsets.items()}
    described = [gpa["facp"], gpa["apic"]]  # what the RSDT and XSDT list
    data = {
        "rsdp": rsdp(gpa["rsdt"], gpa["xsdt"]),
        "facs": facs(),
        "xsdt": xsdt(described),
        "rsdt": rsdt(described),
        "facp": fadt(gpa["facs"], gpa["dsdt"]),
        "dsdt": dsdt_data,
        "apic": madt_data,
    }
    signatures = {"rsdp": "RSD PTR ", "facs": "FACS", "xsdt": "XSDT", "rsdt": "RSDT",
                  "facp": "FACP", "dsdt": "DSDT", "apic": "APIC"}
    blob = bytearray(end)
    tables = []
    for name, offset in offsets.items():
        blob[offset:offset + len(data[name])] = data[name]
        tables.append(Table(name, signatures[name], offset, data[name]))
    return AcpiTables(tuple(tables), bytes(blob))


# ------------------------------------------------------------ per VM


def wants_tables(vm: Vm) -> bool:
    """Only pre-launched VMs get generated tables: they have no firmware of their own."""
    return vm.load_order == "pre-launched"


def _guest_ranges(vm: Vm) -> list[tuple[int, int]]:
    """The VM's guest-physical RAM as sorted, merged (start, end) ranges."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((r.gpa, r.gpa_end) for r in vm.regions if r.size):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def problems(vm: Vm, file: str) -> list[Problem]:
    """Why pre-launched VM vm cannot get its tables (none for other VMs): the blob is
    larger than VPLAT_ACPI_MAX, or the VM's memory regions do not cover it."""
    if not wants_tables(vm):
        return []
    if vm.vcpu_count > MAX_PROCESSOR_DEVICES:
        size = None
    else:
        size = len(build(vm.vcpu_count).blob)
    if size is None or size > VPLAT_ACPI_MAX:
        what = f"{size} bytes" if size is not None else "more than that"
        return [Problem(
            file, vm.line_of("cpu-affinity"), vm.path_of("cpu-affinity"),
            "acpi-tables-size",
            f"the ACPI tables of pre-launched VM '{vm.name}' ({vm.vcpu_count} vCPUs) take "
            f"{what}, but only {VPLAT_ACPI_MAX} bytes (VPLAT_ACPI_MAX) are reserved for "
            f"them at guest-physical {VPLAT_ACPI_GPA:#x}",
            "give the VM fewer vCPUs (the MADT and DSDT grow with each one)")]
    end = VPLAT_ACPI_GPA + size
    if not any(lo <= VPLAT_ACPI_GPA and end <= hi for lo, hi in _guest_ranges(vm)):
        return [Problem(
            file, vm.line_of("memory"), vm.path_of("memory"), "acpi-tables-memory",
            f"pre-launched VM '{vm.name}' gets its ACPI tables at guest-physical "
            f"{VPLAT_ACPI_GPA:#x}-{end:#x} (VPLAT_ACPI_GPA), but its memory regions do "
            "not cover that range",
            f"give VM '{vm.name}' a region whose guest-physical range covers "
            f"{VPLAT_ACPI_GPA:#x}-{end:#x}, e.g. one with gpa=\"0x0\"")]
    return []


def vm_tables(vm: Vm, file: str) -> AcpiTables:
    """The tables of pre-launched VM vm; ConfigError naming the VM when they cannot be
    placed (see problems())."""
    found = problems(vm, file)
    if found:
        raise ConfigError(found)
    return build(vm.vcpu_count)
