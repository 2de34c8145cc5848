"""Boot tests: boot report, refusal on CPUs without required VMX features,
and the exception handler (register dump, clean stop) via debug_fault=."""

from __future__ import annotations

import re

import pytest

from harness import (BOCHS_MODEL_NO_UG, BOCHS_MODELS, DEFAULT_BOCHS_MODEL, Boot,
                     E2EHarness, parse_cpus, parse_exception, parse_memory_map,
                     parse_registers, markers)

MEMORY_MIB = 1024
# Memory-map types that are not RAM handed to (or carved out of RAM by) the
# hypervisor.
NON_RAM_TYPES = {"RESERVED", "ACPI", "NVS", "UNUSABLE", "BADRAM", "PMEM"}

CR0_PE, CR0_NE, CR0_WP, CR0_NW, CR0_CD, CR0_PG = 1, 1 << 5, 1 << 16, 1 << 29, 1 << 30, 1 << 31
PF_PRESENT = 1 << 0
PF_WRITE = 1 << 1
PF_FETCH = 1 << 4


def check_boot_report(text: str, cpus: int, memory_mib: int = MEMORY_MIB) -> None:
    """Every CPU, the memory map, the IOAPICs and the VMX table are reported."""
    # CPUs: cpu0 .. cpu<n-1>, cpu0 first, distinct APIC ids.
    online = parse_cpus(text)
    assert sorted(online) == list(range(cpus)), f"CPUs reported online: {sorted(online)}"
    first = markers.CPU_ONLINE.search(text)
    assert first is not None and first[1] == "0", "cpu0 must be reported first"
    assert len(set(online.values())) == cpus, f"APIC ids not distinct: {online}"
    smp = markers.SMP.search(text)
    assert smp is not None, "no 'SMP: <n> of <m> CPUs online' line"
    assert (int(smp[1]), int(smp[2])) == (cpus, cpus), smp[0]

    # Memory map: sorted, non-overlapping, with RAM and the hypervisor image.
    mem = parse_memory_map(text)
    assert len(mem) >= 3, f"memory map too short: {mem}"
    for prev, cur in zip(mem, mem[1:]):
        assert prev.start <= prev.end, f"bad range {prev}"
        assert prev.end < cur.start, f"memory map unsorted or overlapping: {prev} / {cur}"
    kinds = {r.kind for r in mem}
    assert "RAM" in kinds and "HYPERVISOR" in kinds, f"memory map types: {sorted(kinds)}"
    usable = sum(r.size for r in mem if r.kind not in NON_RAM_TYPES)
    assert (memory_mib - 4) << 20 <= usable <= memory_mib << 20, \
        f"memory map shows {usable / 2**20:.1f} MiB of RAM, guest has {memory_mib} MiB"

    # IOAPICs: numbered from 0, the first one at GSI base 0.
    ioapics = list(markers.IOAPIC.finditer(text))
    assert ioapics, "no 'IOAPIC[<i>]: id <id> at 0x<addr>, GSI base <n>' line"
    assert [int(m[1]) for m in ioapics] == list(range(len(ioapics))), \
        [m[0] for m in ioapics]
    assert int(ioapics[0][4]) == 0, ioapics[0][0]
    assert int(ioapics[0][3], 16) == 0xFEC00000, ioapics[0][0]

    assert markers.VMX_TABLE.search(text), "no 'VMX capabilities' table"
    assert not markers.EXCEPTION.search(text), "unexpected exception during boot"


def check_cr0(cr0: int) -> None:
    """The hypervisor runs with paging, write protection and native FPU errors, and with
    caches enabled: firmware and INIT leave CD and NW set."""
    assert cr0 & (CR0_PE | CR0_PG | CR0_WP | CR0_NE) == CR0_PE | CR0_PG | CR0_WP | CR0_NE, \
        hex(cr0)
    assert cr0 & (CR0_CD | CR0_NW) == 0, f"caches disabled: CR0={cr0:#x}"


def boot_to_ready(boot: Boot, cpus: int) -> str:
    match = boot.expect(markers.END)
    text = boot.expect_end()
    assert markers.READY.search(text), f"boot ended without the ready marker: {match[0]!r}"
    ready = markers.READY.search(text)
    assert ready is not None and int(ready[1]) == cpus, ready and ready[0]
    assert re.search(rf"VMX: root operation on {cpus} CPUs \(VMCS revision 0x[0-9a-f]+\)",
                     text), "not every CPU entered VMX root operation"
    return text


@pytest.mark.bochs
def test_boot_report_bochs_1cpu(hv: E2EHarness) -> None:
    boot = hv.boot("bochs", cpus=1, model=DEFAULT_BOCHS_MODEL)
    check_boot_report(boot_to_ready(boot, 1), 1)


@pytest.mark.bochs
@pytest.mark.slow
@pytest.mark.parametrize("model", BOCHS_MODELS)
def test_boot_report_bochs_4cpus(hv: E2EHarness, model: str) -> None:
    boot = hv.boot("bochs", cpus=4, model=model)
    check_boot_report(boot_to_ready(boot, 4), 4)


@pytest.mark.qemu
def test_boot_report_qemu_q35_4cpus(hv: E2EHarness) -> None:
    """QEMU TCG has no VT-x: the report must be complete, then the hypervisor
    refuses cleanly (or, should it ever run without VMX, reports ready)."""
    boot = hv.boot("qemu", cpus=4)
    text = boot.expect_end()
    check_boot_report(text, 4)
    if not markers.READY.search(text):
        assert markers.VMX_MISSING.search(text), "no ready marker and no VMX refusal"
        assert markers.HALTED.search(text), "refusal without 'System halted.'"


@pytest.mark.bochs
def test_refuses_cpu_without_unrestricted_guest(hv: E2EHarness) -> None:
    boot = hv.boot("bochs", cpus=1, model=BOCHS_MODEL_NO_UG)
    missing = boot.expect(markers.VMX_MISSING)
    boot.expect(markers.HALTED, start=missing.end())
    text = boot.expect_end()
    assert not markers.READY.search(text), "hypervisor reported ready on a CPU without UG"
    assert not markers.EXCEPTION.search(text), "exception instead of a clean refusal"


FAULTS = {
    # kind: (error-code bits that must be set, bits that must be clear)
    "nullread": (0, PF_PRESENT | PF_WRITE | PF_FETCH),
    "wxtext": (PF_PRESENT | PF_WRITE, PF_FETCH),
    "nxexec": (PF_FETCH, PF_WRITE),
}


@pytest.mark.bochs
@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_debug_fault_dumps_and_stops(hv: E2EHarness, kind: str) -> None:
    boot = hv.boot("bochs", cpus=2, cmdline=f"debug_fault={kind}")
    exc_match = boot.expect(markers.EXCEPTION)
    trace = boot.expect(markers.STACK_TRACE, start=exc_match.end())
    boot.expect(markers.ALL_STOPPED, start=trace.end())
    text = boot.expect_end()

    exc = parse_exception(text)
    assert exc is not None
    assert exc.vector == 14, f"vector {exc.vector} ({exc.name}), expected 14 (#PF)"
    assert re.search(r"PF|page", exc.name, re.IGNORECASE), exc.name
    must_set, must_clear = FAULTS[kind]
    assert exc.error_code & must_set == must_set, \
        f"{kind}: error code {exc.error_code:#x} lacks bits {must_set:#x}"
    assert exc.error_code & must_clear == 0, \
        f"{kind}: error code {exc.error_code:#x} has unexpected bits {must_clear:#x}"

    dump = text[exc_match.start():]
    regs = parse_registers(dump)
    for reg in ("RAX", "RIP", "RSP", "CR2"):
        assert reg in regs, f"register dump lacks {reg}= (found {sorted(regs)})"
    check_cr0(regs["CR0"])
    if kind == "nullread":
        assert regs["CR2"] < 0x1000, f"CR2={regs['CR2']:#x}, expected a page-0 address"
    if kind == "nxexec":
        assert regs["CR2"] == regs["RIP"], \
            f"instruction fetch fault: CR2={regs['CR2']:#x} RIP={regs['RIP']:#x}"
    else:
        assert "<debug_fault_inject+0x" in dump, "RIP not resolved to its function"
    # The trace is symbolized from the image's own symbol table.
    trace_text = dump[dump.index("Stack trace:"):]
    for caller in ("debug_fault_run+0x", "boot_main+0x", "bsp_entry+0x"):
        assert caller in trace_text, f"stack trace lacks {caller!r}:\n{trace_text}"

    boot.stop()
    boot.assert_gone()


@pytest.mark.bochs
def test_fault_on_an_application_processor_stops_every_cpu(hv: E2EHarness) -> None:
    """A fault on an AP (raised from its IPI handler) is reported by that CPU, which
    then stops the boot CPU and the others."""
    boot = hv.boot("bochs", cpus=4, cmdline="debug_fault=wxtext@2")
    boot.expect(markers.ALL_STOPPED)
    text = boot.expect_end()
    exc = parse_exception(text)
    assert exc is not None and exc.cpu == 2, f"exception reported by {exc}"
    check_cr0(parse_registers(text[text.index("*** EXCEPTION"):])["CR0"])
    trace_text = text[text.index("Stack trace:"):]
    for frame in ("ipi_call_handler+0x", "trap_dispatch+0x", "ap_entry+0x"):
        assert frame in trace_text, f"stack trace lacks {frame!r}:\n{trace_text}"
    assert markers.HALTED.search(text)
    assert not markers.READY.search(text[text.index("debug_fault"):])


@pytest.mark.bochs
def test_rsdp_found_by_bios_area_scan(hv: E2EHarness) -> None:
    """acpi_rsdp=bios ignores GRUB's RSDP copy: the scan of the EBDA and the
    0xE0000-0xFFFFF area must find the same tables."""
    boot = hv.boot("bochs", cpus=2, cmdline="acpi_rsdp=bios")
    text = boot_to_ready(boot, 2)
    rsdp = re.search(r"ACPI: RSDP rev \d+ OEM \S+ at 0x([0-9a-f]+)", text)
    assert rsdp is not None, "RSDP not found by the BIOS-area scan"
    assert 0xE0000 <= int(rsdp[1], 16) < 0x100000 or int(rsdp[1], 16) < 0xA0000
    check_boot_report(text, 2)


@pytest.mark.qemu
def test_dmar_and_mcfg_on_qemu_q35_with_iommu(hv: E2EHarness) -> None:
    """QEMU's q35 with an Intel IOMMU has the tables Bochs lacks: MCFG, DMAR (a DRHD
    with device scopes) and a FADT reset register."""
    boot = hv.boot("qemu", cpus=2, intel_iommu=True)
    text = boot.expect_end()
    check_boot_report(text, 2)
    for table in ("MCFG", "DMAR", "FACP", "APIC"):
        assert re.search(rf"ACPI: {table} 0x[0-9a-f]+ +\d+ v\d+ \S+ +ok", text), \
            f"{table} not listed as ok"
    assert re.search(r"ACPI: MCFG segment 0 buses 00-ff at 0xb0000000", text)
    assert re.search(r"ACPI: DRHD\[0\] at 0xfed90000 segment 0", text)
    assert re.search(r"ACPI:   scope ioapic enum 0 ", text), "IOAPIC device scope missing"
    assert re.search(r"ACPI:   scope endpoint enum 0 00:1f\.0", text), "LPC endpoint missing"
    assert re.search(r"ACPI: reset register space 1 address 0xcf9 value 0x", text)


@pytest.mark.bochs
def test_stack_protector_catches_a_smashed_canary(hv: E2EHarness) -> None:
    boot = hv.boot("bochs", cpus=2, cmdline="debug_fault=stacksmash")
    boot.expect(markers.ALL_STOPPED)
    text = boot.expect_end()
    assert re.search(r"\*\*\* PANIC on cpu0: stack protector: canary overwritten in "
                     r"smash_stack\+0x[0-9a-f]+", text), text[-2000:]
    assert markers.HALTED.search(text)


@pytest.mark.bochs
@pytest.mark.parametrize("cpu", [0, 1])
def test_stack_overflow_hits_the_guard_page(hv: E2EHarness, cpu: int) -> None:
    """Every CPU's stack has an unmapped page below it: running into it cannot deliver
    the #PF on that stack, so the CPU reports a #DF from its own IST stack."""
    boot = hv.boot("bochs", cpus=2, cmdline=f"debug_fault=stackoverflow@{cpu}")
    boot.expect(markers.ALL_STOPPED)
    text = boot.expect_end()
    exc = parse_exception(text)
    assert exc is not None and exc.cpu == cpu and exc.vector == 8, exc
    regs = parse_registers(text[text.index("*** EXCEPTION"):])
    # The faulting access is just below the stack pointer, in the guard page.
    assert 0 < regs["RSP"] - regs["CR2"] <= 64, (hex(regs["RSP"]), hex(regs["CR2"]))
    assert "recurse" in text[text.index("Stack trace:"):]
