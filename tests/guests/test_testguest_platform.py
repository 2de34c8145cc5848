# SPDX-License-Identifier: BSD-3-Clause
"""The test guest's platform tests (acpi, pmtimer, lapic, ipi, ioapic, pic, rtc, sci) and
shutdown=s5, bare in QEMU (TCG): QEMU's local APIC, I/O APIC, 8259s, PIT, RTC and ACPI
tables are the reference the probes are proven against before they run under Bulkhead.

QEMU 7.2 TCG has neither x2APIC nor the TSC-deadline timer, so those checks SKIP here
(README.md, "Bare Bochs" tells where they were validated). One boot with two CPUs runs
every platform test and ends by powering QEMU off through ACPI S5; two short boots show
the failure paths: a machine without ACPI tables (isapc) and vcpus= disagreeing with
the MADT.

Run from the repository root:
    /usr/bin/python3 -m pytest -p no:cacheprovider tests/guests -q
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_testguest_qemu import SKIP_RE, Boot, assert_well_formed, boot

PLATFORM_TESTS = "acpi,pmtimer,lapic,ipi,ioapic,pic,rtc,sci"

XAPIC_LAPIC_CHECKS = [
    "id", "version", "svr", "esr", "self_ipi", "ipi_to_own_id", "tpr_holds_irr",
    "tpr_release", "cr8", "isr_in_handler", "eoi_clears_isr", "ppr", "nested_preempts",
    "lower_waits_for_eoi", "timer_rate", "timer_oneshot", "timer_ccr", "timer_periodic",
    "timer_stop", "timer_masked", "stray_interrupts",
]
IPI_CHECKS = [
    "aps_online", "ldr", "fixed_to_ap", "fixed_from_ap", "logical", "logical_multicast",
    "all_excluding_self", "all_including_self", "nmi", "stray_interrupts",
]
# In the order the guest runs them: the xAPIC phases of lapic and ipi come before smp and
# their x2APIC phases (README.md, "Command line", tests=).
PLATFORM_PASSES = (
    ["acpi.rsdp", "acpi.rsdt", "acpi.checksums", "acpi.madt", "acpi.madt_cpus", "acpi.fadt",
     "acpi.s5", "pmtimer.monotonic", "pmtimer.rate"]
    + [f"lapic.xapic_{c}" for c in XAPIC_LAPIC_CHECKS]
    + [f"ipi.xapic_{c}" for c in IPI_CHECKS]
    + ["ioapic.version", "ioapic.id", "ioapic.redirection_entry", "ioapic.pit_interrupts",
       "ioapic.masked", "ioapic.stray_interrupts",
       "pic.init", "pic.extint_interrupts", "pic.isr_in_handler", "pic.eoi_clears_isr",
       "pic.no_eoi_blocks", "pic.masked_irq_in_irr", "pic.stray_interrupts",
       "rtc.time", "rtc.advances", "rtc.periodic", "rtc.periodic_stops",
       "rtc.stray_interrupts",
       "sci.acpi_mode", "sci.timer_overflow", "sci.level_remote_irr", "sci.once",
       "sci.stray_interrupts"]
)
QEMU_SKIPS = {
    "lapic.xapic_tsc_deadline": "CPUID.1:ECX bit 24 (TSC deadline) is clear",
    "lapic.x2apic": "CPUID.1:ECX bit 21 (x2APIC) is clear",
    "ipi.x2apic": "CPUID.1:ECX bit 21 (x2APIC) is clear",
}
SHUTDOWN_LINE = "testguest: shutdown: requesting S5: SLP_TYPa 0 | SLP_EN to PM1a_CNT 0x604 (0x2001)"


@pytest.fixture(scope="module")
def platform_boot(guest_elf: Path) -> Boot:
    """Every platform test on two CPUs, then S5: QEMU powers off by itself."""
    b = boot(guest_elf, f"name=plat vcpus=2 tests={PLATFORM_TESTS} heartbeat=1 shutdown=s5",
             stop=None, qemu_args=["-smp", "2"])
    assert_well_formed(b)
    return b


def check_order(b: Boot) -> list[str]:
    """The names of the PASS, FAIL and SKIP lines, in the order printed."""
    names = []
    for line in b.lines:
        m = re.match(r"^testguest: (?:PASS|FAIL|SKIP) ([a-z0-9_]+\.[a-z0-9_]+)", line)
        if m:
            names.append(m[1])
    return names


def test_platform_all_pass_then_poweroff(platform_boot: Boot) -> None:
    b = platform_boot
    assert not b.failed(), b.text()
    passed = [n for n in check_order(b) if n in b.passed()]
    assert passed == ["boot.long_mode"] + PLATFORM_PASSES, b.text()
    skipped = {n: m["msg"] for n, m in b.checks(SKIP_RE).items()}
    assert skipped == QEMU_SKIPS
    assert f"testguest: done: {len(PLATFORM_PASSES) + 1} passed, 0 failed" in b.lines
    # S5 is the last thing: QEMU ended by itself (exit code 0) after the request line.
    assert b.exited and b.returncode == 0
    assert b.lines[-2:] == ["testguest: alive 1", SHUTDOWN_LINE], b.text()


def test_run_order_puts_xapic_phases_first(platform_boot: Boot) -> None:
    order = check_order(platform_boot)
    assert order.index("ipi.xapic_stray_interrupts") < order.index("lapic.x2apic")
    assert order.index("lapic.x2apic") < order.index("ipi.x2apic") < order.index("ioapic.version")


def test_acpi_describes_qemu_q35(platform_boot: Boot) -> None:
    """What the acpi group read from QEMU's tables (q35, SeaBIOS): the details name it."""
    d = {n: m["detail"] for n, m in platform_boot.passed().items()}
    assert re.match(r"^at 0xf[0-9a-f]{4}, revision 0, OEM \"BOCHS \"$", d["acpi.rsdp"])
    m = re.match(r"^at 0x[0-9a-f]+, (\d+) entries: ([A-Z ]+)$", d["acpi.rsdt"])
    assert m and {"FACP", "APIC"} <= set(m[2].split()), d["acpi.rsdt"]
    # Every table checked: the RSDT, its entries, the DSDT.
    assert d["acpi.checksums"] == f"{int(m[1]) + 2} tables: RSDT {m[2]} DSDT"
    assert d["acpi.madt"].startswith(
        "local APIC 0xfee00000, 2 CPU(s), APIC IDs 0,1, I/O APIC ID 0 at 0xfec00000 GSI base 0, "
        "IRQ0->GSI2, ")
    assert "IRQ9->GSI9 level" in d["acpi.madt"]
    assert d["acpi.fadt"].startswith(
        "revision 3, PM1a_EVT 0x600, PM1a_CNT 0x604, PM_TMR 0x608 24-bit, SCI IRQ 9, "
        "SMI_CMD 0xb2, ACPI_ENABLE 0x2, CENTURY 0x32, ")
    assert re.match(r"^SLP_TYPa 0, SLP_TYPb 0, in the DSDT at 0x[0-9a-f]+, offset 0x[0-9a-f]+$",
                    d["acpi.s5"])
    # The other groups found their routes through the same tables.
    assert d["ioapic.pit_interrupts"].endswith("(PIT 1000 Hz, IRQ 0 -> GSI 2, pin 2)")
    assert d["rtc.periodic"].endswith("(1024 Hz, IRQ 8 -> GSI 8, pin 8)")
    assert d["sci.timer_overflow"].endswith("(GSI 9, pin 9)")


def test_timing_details(platform_boot: Boot) -> None:
    """The measured rates come with their numbers; QEMU's APIC timer runs at 1 GHz."""
    d = {n: m["detail"] for n, m in platform_boot.passed().items()}
    m = re.match(r"^(\d+) Hz against a TSC of (\d+) kHz \((.+)\)$", d["pmtimer.rate"])
    assert m and m[3] == "PIT channel 2", d["pmtimer.rate"]  # TCG has no CPUID 0x15/0x16
    m = re.match(r"^(\d+) kHz against a TSC of \d+ kHz \(PIT channel 2\)$",
                 d["lapic.xapic_timer_rate"])
    assert m and 500_000 <= int(m[1]) <= 2_000_000, d["lapic.xapic_timer_rate"]
    assert re.match(r"^after [\d, ]+ TSC ticks, expected \d+ \(initial count \d+, divide by 4\)$",
                    d["lapic.xapic_timer_oneshot"])
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, BCD, 24-hour$", d["rtc.time"])
    assert d["ipi.xapic_aps_online"] == "1 AP(s) in 64-bit mode, APIC IDs 1"


def test_without_acpi_tables(guest_elf: Path) -> None:
    """isapc: no ACPI tables, no I/O APIC. Each group says what it could not find and the
    guest goes on; S5 cannot be requested, so the guest halts instead."""
    b = boot(guest_elf, "name=isa tests=acpi,pmtimer,ipi,ioapic,sci heartbeat=1 shutdown=s5",
             qemu_args=["-M", "isapc", "-cpu", "qemu64"])
    assert_well_formed(b)
    failed = {n: m["msg"] for n, m in b.failed().items()}
    assert failed == {
        "acpi.rsdp": 'expected "RSD PTR " with a valid checksum on a 16-byte boundary in '
                     "0xe0000-0xfffff, found none",
        "pmtimer.port": "expected a FADT, which names the PM timer's port",
        "ioapic.version": "expected an I/O APIC in the MADT",
        "shutdown.s5": "cannot request S5: no FADT",
    }
    skipped = {n: m["msg"] for n, m in b.checks(SKIP_RE).items()}
    assert skipped["ipi.xapic_aps_online"] == "vcpus=1: no AP to send IPIs to"
    assert skipped["sci.timer_overflow"].startswith("needs a FADT")
    assert "testguest: done: 1 passed, 3 failed" in b.lines
    assert b.lines[-2:] == ["testguest: FAIL shutdown.s5: cannot request S5: no FADT",
                            "testguest: halted"]


def test_vcpus_disagreeing_with_the_madt(guest_elf: Path) -> None:
    """vcpus=2 on one CPU: the MADT lists one, and ipi has no AP to start."""
    b = boot(guest_elf, "name=mm vcpus=2 tests=acpi,ipi heartbeat=1")
    assert_well_formed(b)
    failed = {n: m["msg"] for n, m in b.failed().items()}
    assert failed == {
        "acpi.madt_cpus": "expected 2 enabled CPU(s) (vcpus=), the MADT lists 1",
        "ipi.xapic_aps_online": "expected 1 AP(s) in the MADT (vcpus=2), found 0",
    }
    assert b.lines[-1] == "testguest: halted"


def test_pci_e1000_intx_through_the_ioapic(guest_elf: Path) -> None:
    """tests=pci against QEMU's e1000 on the i440FX machine, where the firmware's interrupt
    line is also the I/O APIC input (PIIX steering PCI interrupts onto ISA lines); on q35
    the line names an 8259 IRQ while the input is 16-23, so q35 is not used here."""
    b = boot(guest_elf, "name=pci tests=pci heartbeat=1",
             qemu_args=["-M", "pc", "-device", "e1000,netdev=n0", "-netdev", "user,id=n0"])
    assert_well_formed(b)
    assert not b.failed(), b.text()
    d = {n: m["detail"] for n, m in b.passed().items()}
    for name in ("enumerate", "config_header", "bar_sizing", "capabilities", "mmio", "intx",
                 "intx_masked", "stray_interrupts"):
        assert f"pci.{name}" in d, b.text()
    assert re.search(r"00:0\w\.0=8086:100e", d["pci.enumerate"]), d["pci.enumerate"]
    assert d["pci.intx"].startswith("5 interrupts on GSI "), d["pci.intx"]
    assert "msi=no" in d["pci.capabilities"], d["pci.capabilities"]


def test_pci_without_a_function_fails_enumerate(guest_elf: Path) -> None:
    """No e1000 (q35 without one): the group says so once and stops."""
    b = boot(guest_elf, "name=nopci tests=pci heartbeat=1")
    assert_well_formed(b)
    failed = b.failed()
    assert list(failed) == ["pci.enumerate"], b.text()
    assert "expected an 8086:100e on bus 0" in failed["pci.enumerate"]["msg"], b.text()
