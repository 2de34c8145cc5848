# SPDX-License-Identifier: BSD-3-Clause
"""Semantic rules of `bulkhead-config validate` (config_tools/bulkhead_config/validate.py).

Every file in invalid_scenarios/ breaks exactly one rule; INVALID says which rule, the
line and element path reported and the exact message. The sample scenarios in
scenario_xmls/ are valid for the Bochs board (4 CPUs, 1024 MiB as misc/emulator.py runs
it): BOCHS_BOARD_XML below, and board_xmls/bochs.xml once it exists.
"""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config import validate as validate_mod  # noqa: E402
from bulkhead_config.board import Board, load_board  # noqa: E402
from bulkhead_config.errors import ConfigError, Problem  # noqa: E402
from bulkhead_config.pci_routing import intx_routes  # noqa: E402
from bulkhead_config.scenario import (DEFAULT_CR0_GUEST_OWNED,  # noqa: E402
                                      DEFAULT_CR4_GUEST_OWNED, Vuart, load_scenario,
                                      parse_scenario)
from bulkhead_config.validate import (CR0_POLICY, CR4_POLICY, MSR_POLICY,  # noqa: E402
                                      RULES, WARNING_RULES, Finding, check, split,
                                      validate)

TOOL = REPO / "config_tools" / "bulkhead-config"
PYTHON = "/usr/bin/python3"
INVALID_DIR = Path(__file__).resolve().parent / "invalid_scenarios"
SAMPLES = [REPO / "scenario_xmls" / f"{name}.xml" for name in ("partitioned", "shared",
                                                                 "hybrid")]
REAL_BOCHS = REPO / "board_xmls" / "bochs.xml"

# The Bochs machine as captured in board_xmls/bochs.xml, reduced to what the validator
# reads: 4 CPUs, 1024 MiB (RAM to 0x3fff0000, ACPI tables above), i440FX host bridge,
# PIIX ISA/IDE/USB/ACPI functions, an e1000 NIC at 00:02.0, and COM1. A copy here keeps
# the expected messages independent of later re-captures of the real board.
BOCHS_BOARD_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<board name="bochs">
  <processors>
    <cpu id="0" apic-id="0" package="0" core="0" thread="0"/>
    <cpu id="1" apic-id="1" package="0" core="1" thread="0"/>
    <cpu id="2" apic-id="2" package="0" core="2" thread="0"/>
    <cpu id="3" apic-id="3" package="0" core="3" thread="0"/>
  </processors>
  <memory>
    <range start="0x0" size="0x9f000" type="RAM"/>
    <range start="0x9f000" size="0x61000" type="RESERVED"/>
    <range start="0x100000" size="0x3fef0000" type="RAM"/>
    <range start="0x3fff0000" size="0x10000" type="ACPI"/>
  </memory>
  <pci>
    <device bdf="0000:00:00.0" vendor="0x8086" device="0x1237" class="0x060000"/>
    <device bdf="0000:00:01.0" vendor="0x8086" device="0x7000" class="0x060100"/>
    <device bdf="0000:00:01.1" vendor="0x8086" device="0x7010" class="0x010180"/>
    <device bdf="0000:00:01.2" vendor="0x8086" device="0x7020" class="0x0c0300"/>
    <device bdf="0000:00:01.3" vendor="0x8086" device="0x7113" class="0x068000"/>
    <device bdf="0000:00:02.0" vendor="0x8086" device="0x100e" class="0x020000" irq="10" interrupt-pin="A"/>
  </pci>
  <serial-ports>
    <port name="ttyS0" io-port="0x3f8" irq="4"/>
  </serial-ports>
</board>
"""

# file stem -> (rule, line, element path, exact message) of the one error it causes.
INVALID: dict[str, tuple[str, int, str, str]] = {
    "acpi_tables_outside_memory": (
        "acpi-tables-memory", 7, "/scenario/vm[@id='0']/memory",
        "pre-launched VM 'alpha' gets its ACPI tables at guest-physical 0xf2400-0xf26ca "
        "(VPLAT_ACPI_GPA), but its memory regions do not cover that range"),
    "boot_address_not_raw": (
        "boot-raw-address", 8, "/scenario/vm[@id='0']/boot",
        "load-address of VM 'alpha' applies to raw kernels only, not elf"),
    "boot_address_outside": (
        "boot-address-outside-memory", 8, "/scenario/vm[@id='0']/boot/@entry",
        "entry 0x8000000 of VM 'alpha' is outside its guest memory"),
    "boot_file_without_tag": (
        "boot-file-without-tag", 8, "/scenario/vm[@id='0']/boot/@initrd-file",
        "VM 'alpha' gives initrd-file but no initrd tag"),
    "boot_missing": (
        "boot-missing", 4, "/scenario/vm[@id='0']",
        "pre-launched VM 'alpha' has no <boot>: the hypervisor would have nothing to "
        "start"),
    "boot_raw_initrd": (
        "boot-raw-initrd", 8, "/scenario/vm[@id='0']/boot/@initrd",
        "raw kernel of VM 'alpha' cannot take an initrd"),
    "boot_raw_no_entry": (
        "boot-raw-address", 8, "/scenario/vm[@id='0']/boot",
        "raw kernel of VM 'alpha' needs entry"),
    "boot_tag_duplicate": (
        "boot-tag-duplicate", 14, "/scenario/vm[@id='1']/boot/@kernel",
        "module tag 'linux' is the kernel of VM 'sos' and already the kernel of VM "
        "'alpha'"),
    "cpu_duplicate": (
        "cpu-duplicate", 12, "/scenario/vm[@id='1']/cpu-affinity/pcpu[2]",
        "VM 'sos' lists physical CPU 1 twice"),
    "cpu_limit": (
        "cpu-limit", 7, "/scenario/vm[@id='0']/cpu-affinity/pcpu[1]",
        "VM 'alpha' uses physical CPU 3, but the hypervisor supports CPUs 0 to 2"),
    "cpu_not_on_board": (
        "cpu-not-on-board", 6, "/scenario/vm[@id='0']/cpu-affinity/pcpu[2]",
        "VM 'alpha' uses physical CPU 7, but board 'bochs' has CPUs 0-3"),
    "cpu_shared_no_scheduler": (
        "cpu-shared-no-scheduler", 12, "/scenario/vm[@id='1']/cpu-affinity/pcpu[1]",
        "VMs 'sos' and 'guest' both use physical CPU 2, but scheduler 'none' runs one "
        "vCPU per physical CPU"),
    "cpu_shared_pre_launched": (
        "cpu-shared-pre-launched", 13, "/scenario/vm[@id='1']/cpu-affinity/pcpu[1]",
        "VMs 'alpha' and 'sos' both use physical CPU 0; pre-launched VM 'alpha' must "
        "have its CPUs to itself"),
    "cpu_shared_real_time": (
        "cpu-shared-real-time", 14, "/scenario/vm[@id='1']/cpu-affinity/pcpu[1]",
        "VMs 'sos' and 'rt' both use physical CPU 2; real-time VM 'rt' must have its "
        "CPUs to itself"),
    "cr0_pg": (
        "cr0-host-owned", 9, "/scenario/vm[@id='0']/ownership/cr0/@guest-owned",
        "VM 'alpha' makes CR0.PG (bit 31) guest-owned, but it must stay host-owned: "
        "paging-mode switches must be emulated (IA-32e mode, EFER.LMA)"),
    "cr0_reserved": (
        "cr0-host-owned", 9, "/scenario/vm[@id='0']/ownership/cr0/@guest-owned",
        "VM 'alpha' makes reserved CR0 bit 6 guest-owned"),
    "cr4_vmxe": (
        "cr4-host-owned", 9, "/scenario/vm[@id='0']/ownership/cr4/@guest-owned",
        "VM 'alpha' makes CR4.VMXE (bit 13) guest-owned, but it must stay host-owned: "
        "VMX belongs to the hypervisor; nested VMX is not supported"),
    "hv_heap_size": (
        "hv-heap-size", 4, "/scenario/hypervisor/heap-size",
        "heap size 512M is outside 64K..256M"),
    "hv_load_address": (
        "hv-load-address", 4, "/scenario/hypervisor/load-address",
        "hypervisor load address 0x1100000 must be a multiple of 2 MiB below 1 GiB"),
    "hv_stack_size": (
        "hv-stack-size", 4, "/scenario/hypervisor/stack-size",
        "stack size 6K must be a multiple of 4K from 8K to 64K"),
    "lapic_passthrough_standard": (
        "lapic-passthrough-not-real-time", 9, "/scenario/vm[@id='0']/lapic-passthrough",
        "VM 'alpha' passes the LAPIC through but is not real-time"),
    "lapic_passthrough_pcpu0": (
        "lapic-passthrough-pcpu0", 7, "/scenario/vm[@id='0']/cpu-affinity",
        "VM 'alpha' passes the LAPIC through on physical CPU 0, which keeps the "
        "hypervisor's timers (device models, debug shell)"),
    "memory_gpa_overlap": (
        "memory-gpa-overlap", 8, "/scenario/vm[@id='0']/memory/region[2]",
        "region 2 of VM 'alpha' (guest 0x2000000-0x6000000) overlaps its region 1 "
        "(guest 0x0-0x4000000)"),
    "memory_hv_overlap": (
        "memory-hv-overlap", 7, "/scenario/vm[@id='0']/memory/region[1]",
        "region 1 of VM 'alpha' (0x1800000-0x5800000) overlaps the hypervisor reserve "
        "(0x1000000-0x2000000)"),
    "memory_outside_ram": (
        "memory-outside-ram", 7, "/scenario/vm[@id='0']/memory/region[1]",
        "region 1 of VM 'alpha' (0x3fe00000-0x43e00000) is not inside the RAM of board "
        "'bochs' (RAM: 0x0-0x9f000, 0x100000-0x3fff0000)"),
    "memory_overlap_own": (
        "memory-overlap", 8, "/scenario/vm[@id='0']/memory/region[2]",
        "region 2 of VM 'alpha' (0x4000000-0x8000000) overlaps its region 1 "
        "(0x2000000-0x6000000) in host memory"),
    "memory_overlap_vms": (
        "memory-overlap", 13, "/scenario/vm[@id='1']/memory/region[1]",
        "region 1 of VM 'beta' (0x4000000-0x8000000) overlaps region 1 of VM 'alpha' "
        "(0x2000000-0x6000000) in host memory"),
    "memory_post_launched_regions": (
        "memory-kind", 13, "/scenario/vm[@id='1']/memory/region[1]",
        "service VM 'sos' has static memory regions; only pre-launched VMs have them"),
    "memory_pre_launched_no_regions": (
        "memory-kind", 7, "/scenario/vm[@id='0']/memory",
        "pre-launched VM 'alpha' has no static memory regions"),
    "memory_pre_launched_size": (
        "memory-kind", 7, "/scenario/vm[@id='0']/memory",
        "pre-launched VM 'alpha' gives a memory size; pre-launched VMs have static "
        "regions"),
    "memory_region_alignment": (
        "memory-alignment", 7, "/scenario/vm[@id='0']/memory/region[1]",
        "region 1 of VM 'alpha': hpa must be a non-zero multiple of 2 MiB (0x200000)"),
    "memory_service_no_size": (
        "memory-kind", 13, "/scenario/vm[@id='1']/memory",
        "service VM 'sos' gives no memory size"),
    "memory_size_alignment": (
        "memory-alignment", 13, "/scenario/vm[@id='1']/memory/@size",
        "memory size 100K of VM 'sos' is not a non-zero multiple of 2 MiB"),
    "memory_total": (
        "memory-total", 3, "/scenario",
        "the scenario needs 1092.1 MiB of RAM (VMs 1088 MiB, shared memory 0 MiB, "
        "hypervisor heap and stacks 4.1 MiB) but board 'bochs' has 1007.6 MiB besides "
        "the hypervisor reserve"),
    "msr_deny_apic_base": (
        "msr-deny-forbidden", 9, "/scenario/vm[@id='0']/ownership/msr[1]/@policy",
        "VM 'alpha' denies MSR 0x1b (IA32_APIC_BASE), which every x86-64 guest needs"),
    "msr_duplicate": (
        "msr-duplicate", 11, "/scenario/vm[@id='0']/ownership/msr[2]",
        "VM 'alpha' lists MSR 0x1d9 twice (first at line 10)"),
    "msr_efer_lme": (
        "msr-guest-owned-forbidden", 9, "/scenario/vm[@id='0']/ownership/msr[1]/@guest-owned",
        "VM 'alpha' makes bits 0x100 of MSR 0xc0000080 (IA32_EFER) guest-owned, but the"
        " hypervisor must control them: LME/LMA must match the VM-entry controls (only "
        "SCE and NXE may be guest-owned)"),
    "msr_feature_control": (
        "msr-passthrough-forbidden", 9, "/scenario/vm[@id='0']/ownership/msr[1]/@policy",
        "VM 'alpha' passes MSR 0x3a (IA32_FEATURE_CONTROL) through, but the hypervisor "
        "must control it: it enables and locks VMX for the hypervisor"),
    "msr_guest_owned_policy": (
        "msr-guest-owned-policy", 9, "/scenario/vm[@id='0']/ownership/msr[1]/@guest-owned",
        "MSR 0x1d9 of VM 'alpha' has guest-owned bits but policy passthrough; "
        "guest-owned applies to trap only"),
    "msr_vmx_passthrough": (
        "msr-passthrough-forbidden", 9, "/scenario/vm[@id='0']/ownership/msr[1]/@policy",
        "VM 'alpha' passes MSR 0x485 (IA32_VMX_* (VMX capabilities)) through, but the "
        "hypervisor must control it: VMX belongs to the hypervisor; nested VMX is not "
        "supported"),
    "msr_x2apic": (
        "msr-x2apic-passthrough", 9, "/scenario/vm[@id='0']/ownership/msr[1]/@policy",
        "VM 'alpha' passes x2APIC MSR 0x808 through without lapic-passthrough"),
    "msr_x2apic_icr": (
        "msr-x2apic-always-trapped", 10, "/scenario/vm[@id='0']/ownership/msr[1]/@policy",
        "VM 'alpha' passes x2APIC MSR 0x830 through, which the hypervisor always traps (the "
        "ICR: IPIs may reach only the VM's own CPUs; the ID and LDR: the guest sees its "
        "vCPU index)"),
    "pci_assigned_twice": (
        "pci-assigned-twice", 16, "/scenario/vm[@id='1']/pci-passthrough/device[1]",
        "PCI device 0000:00:02.0 is passed through to VM 'sos' and already to VM "
        "'alpha' (line 9)"),
    "pci_intx_lapic_passthrough": (
        "pci-intx-lapic-passthrough", 10, "/scenario/vm[@id='0']/pci-passthrough/device[1]",
        "PCI device 00:02.0 of VM 'alpha' interrupts through INTA, which reaches a VM "
        "through its vIOAPIC; a VM with lapic-passthrough does not use it"),
    "pci_not_on_board": (
        "pci-not-on-board", 9, "/scenario/vm[@id='0']/pci-passthrough/device[1]",
        "VM 'alpha' passes through PCI device 00:1f.2, which board 'bochs' does not "
        "have"),
    "schema_bad_size": (
        "schema", 13, "/scenario/vm[@id='1']/memory",
        "Element 'memory', attribute 'size': [facet 'pattern'] The value '12X' is not "
        "accepted by the pattern '0[xX][0-9a-fA-F]{1,16}|[0-9]{1,20}[KMG]?'."),
    "schema_missing_load_order": (
        "schema", 4, "/scenario/vm[@id='0']",
        "Element 'vm': Missing child element(s). Expected is one of ( load-order, type,"
        " vuarts, pci-passthrough, ownership, lapic-passthrough, on-reset, on-bad-access )."),
    "schema_unknown_element": (
        "schema", 9, "/scenario/vm[@id='0']/priority",
        "Element 'priority': This element is not expected."),
    "service_vm_missing": (
        "service-vm-missing", 11, "/scenario/vm[@id='1']/load-order",
        "post-launched VM 'guest' needs a Service VM to launch it, and the scenario has"
        " none"),
    "service_vm_multiple": (
        "service-vm-multiple", 11, "/scenario/vm[@id='1']/load-order",
        "VM 'sos2' is a second Service VM (VM 'sos' is one already)"),
    "service_vm_real_time": (
        "service-vm-real-time", 12, "/scenario/vm[@id='1']/type",
        "the Service VM 'sos' cannot be real-time"),
    "shmem_name_duplicate": (
        "shmem-name-duplicate", 17, "/scenario/shared-memory[@name='shm']",
        "shared-memory name 'shm' is already used (line 16)"),
    "shmem_limit": (
        "shmem-limit", 80, "/scenario/shared-memory[@name='s64']",
        "the scenario has 65 shared-memory regions; at most 64 are supported"),
    "shmem_one_peer": (
        "shmem-too-few-peers", 16, "/scenario/shared-memory[@name='shm']",
        "shared-memory 'shm' has 1 peer; it needs at least two"),
    "shmem_peer_duplicate": (
        "shmem-peer-duplicate", 17, "/scenario/shared-memory[@name='shm']/peer[3]",
        "shared-memory 'shm' lists peer VM 'sos' twice"),
    "shmem_peer_missing": (
        "shmem-peer-missing", 17, "/scenario/shared-memory[@name='shm']/peer[3]",
        "shared-memory 'shm' names peer VM 'gamma', which does not exist"),
    "shmem_size": (
        "shmem-size", 16, "/scenario/shared-memory[@name='shm']/@size",
        "shared-memory 'shm' size 3M is not a power of two of at least 2 MiB"),
    "shmem_too_small": (
        "shmem-size", 16, "/scenario/shared-memory[@name='shm']/@size",
        "shared-memory 'shm' size 4K is not a power of two of at least 2 MiB"),
    "value_too_large": (
        "value-range", 13, "/scenario/vm[@id='1']/memory/@size",
        "'99999999999999999999G' does not fit in 64 bits"),
    "vcpu_limit": (
        "vcpu-limit", 13, "/scenario/vm[@id='1']/cpu-affinity",
        "VM 'sos' has 3 vCPUs but max-vcpus-per-vm is 2"),
    "vm_id_duplicate": (
        "vm-id-duplicate", 10, "/scenario/vm[@id='0']",
        "VM id 0 is already used by VM 'alpha' (line 4)"),
    "vm_id_gap": (
        "vm-id-gap", 10, "/scenario/vm[@id='2']",
        "VM id 2 leaves a gap: the 2 VMs must have ids 0 to 1"),
    "vm_limit": (
        "vm-limit", 11, "/scenario/vm[@id='1']",
        "the scenario has 2 VMs but max-vms is 1"),
    "vm_name_duplicate": (
        "vm-name-duplicate", 10, "/scenario/vm[@id='1']",
        "VM name 'alpha' is already used by VM 0 (line 4)"),
    "vuart_console_multiple": (
        "vuart-console-multiple", 11, "/scenario/vm[@id='0']/vuarts/vuart[2]",
        "VM 'alpha' has more than one console vUART"),
    "vuart_console_target": (
        "vuart-console-target", 10, "/scenario/vm[@id='0']/vuarts/vuart[1]",
        "console vUART 0 of VM 'alpha' has a target"),
    "vuart_index_duplicate": (
        "vuart-index-duplicate", 11, "/scenario/vm[@id='0']/vuarts/vuart[2]",
        "VM 'alpha' has two vUARTs with index 1"),
    "vuart_link_missing_vm": (
        "vuart-link-target", 10, "/scenario/vm[@id='0']/vuarts/vuart[1]/@target-vm",
        "link vUART 1 of VM 'alpha' targets VM 'gamma', which does not exist"),
    "vuart_link_missing_vuart": (
        "vuart-link-target", 10, "/scenario/vm[@id='0']/vuarts/vuart[1]/@target-vuart",
        "link vUART 1 of VM 'alpha' targets vUART 1 of VM 'sos', which does not exist"),
    "vuart_link_no_target": (
        "vuart-link-target", 10, "/scenario/vm[@id='0']/vuarts/vuart[1]",
        "link vUART 1 of VM 'alpha' needs target-vm and target-vuart"),
    "vuart_link_not_mutual": (
        "vuart-link-not-mutual", 10, "/scenario/vm[@id='0']/vuarts/vuart[1]",
        "link vUART 1 of VM 'alpha' targets vUART 1 of VM 'sos', which does not link "
        "back to it"),
    "vuart_link_self": (
        "vuart-link-target", 10, "/scenario/vm[@id='0']/vuarts/vuart[1]/@target-vm",
        "link vUART 1 of VM 'alpha' targets its own VM"),
    "vuart_port_overlap": (
        "vuart-port-overlap", 11, "/scenario/vm[@id='0']/vuarts/vuart[2]/@io-port",
        "vUART 1 of VM 'alpha' at I/O port 0x3fc overlaps vUART 0 at 0x3f8 (each uses 8"
        " ports)"),
    "xml_syntax": (
        "xml-syntax", 5, "/",
        "not well-formed XML: Opening and ending tag mismatch: vm line 4 and scenario, "
        "line 5, column 12"),
}

# Invalid files that also cause a warning, which is expected: stem -> warning rules.
EXPECTED_WARNINGS = {"cpu_limit": ["board-cpus-limit"]}


@pytest.fixture(scope="session")
def board_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("board") / "bochs.xml"
    path.write_text(BOCHS_BOARD_XML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def board(board_path: Path) -> Board:
    return load_board(board_path)


def problems_of(path: Path, board: Board) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings); loading errors count as errors."""
    try:
        scenario = load_scenario(path)
    except ConfigError as err:
        return err.problems, []
    return split(check(scenario, board))


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, str(TOOL), *args], capture_output=True, text=True,
                          timeout=60, check=False)


# ------------------------------------------------------------------ invalid scenarios


def test_at_least_thirty_invalid_scenarios() -> None:
    files = sorted(p.stem for p in INVALID_DIR.glob("*.xml"))
    assert len(files) >= 30
    assert files == sorted(INVALID), "every invalid scenario needs a table entry"


@pytest.mark.parametrize("stem", sorted(INVALID))
def test_invalid_scenario(stem: str, board: Board) -> None:
    rule, line, path, message = INVALID[stem]
    file = INVALID_DIR / f"{stem}.xml"
    errors, warnings = problems_of(file, board)
    assert [(p.rule, p.line, p.path, p.message) for p in errors] == \
        [(rule, line, path, message)]
    assert [w.rule for w in warnings] == EXPECTED_WARNINGS.get(stem, [])
    problem = errors[0]
    assert problem.file == str(file)
    assert problem.hint, "every problem says how to fix it"
    assert rule in RULES or rule in ("schema", "xml-syntax", "value-range",
                                      "scenario-unreadable")
    text = str(problem)
    assert text.startswith(f"{file}:{line}: {path}: error [{rule}]: {message}")
    assert "\n    fix: " in text


def test_invalid_scenarios_on_real_bochs_board() -> None:
    """The copy above stands for the real capture: same findings on both."""
    real = load_board(REAL_BOCHS)
    for stem, (rule, line, path, message) in sorted(INVALID.items()):
        errors, _ = problems_of(INVALID_DIR / f"{stem}.xml", real)
        assert [(p.rule, p.line, p.path, p.message) for p in errors] == \
            [(rule, line, path, message)], stem


# Rules about a board's PCI functions that the Bochs board cannot break: each is shown on
# a copy of it with one function changed (test_pci_board_rules).
PCI_BOARD_RULES = {
    "pci-bridge": ('header-type="0" multifunction="false" irq="10"',
                   'header-type="1" multifunction="false" irq="10"',
                   "PCI device 00:02.0 of VM 'alpha' is a bridge"),
    "pci-bar-invalid": ('address="0xc0000000" size="0x20000"',
                        'address="0xc0000000" size="0x30000"',
                        "BAR0 at 0xc0000000 size 0x30000"),
    "pci-intx-no-gsi": (' irq="10" interrupt-pin="A" driver="e1000"',
                        ' interrupt-pin="A" driver="e1000"',
                        "has interrupt pin INTA but the board gives it no IRQ"),
    "pci-intx-shared-gsi": ('irq="11" interrupt-pin="D"', 'irq="10" interrupt-pin="D"',
                            "PCI device 00:01.2 of VM 'beta' interrupts on GSI 10, which "
                            "device 00:02.0 of VM 'alpha'"),
}
PCI_BOARD_SCENARIO = """<?xml version="1.0" encoding="UTF-8"?>
<scenario name="pci-board" board="bochs">
  <vm id="0" name="alpha">
    <load-order>pre-launched</load-order>
    <cpu-affinity><pcpu>0</pcpu></cpu-affinity>
    <memory><region hpa="0x2000000" gpa="0x0" size="64M"/></memory>
    <boot kernel="alpha-kernel" kernel-type="bzimage"/>
    <pci-passthrough><device bdf="00:02.0"/></pci-passthrough>
  </vm>
  <vm id="1" name="beta">
    <load-order>pre-launched</load-order>
    <cpu-affinity><pcpu>1</pcpu></cpu-affinity>
    <memory><region hpa="0x6000000" gpa="0x0" size="64M"/></memory>
    <boot kernel="beta-kernel" kernel-type="bzimage"/>
    <pci-passthrough><device bdf="00:01.2"/></pci-passthrough>
  </vm>
</scenario>
"""


@pytest.mark.parametrize("rule", sorted(PCI_BOARD_RULES))
def test_pci_board_rules(tmp_path: Path, rule: str) -> None:
    old, new, message = PCI_BOARD_RULES[rule]
    text = REAL_BOCHS.read_text()
    assert text.count(old) == 1, old
    board_file = tmp_path / "bochs.xml"
    board_file.write_text(text.replace(old, new))
    scenario = tmp_path / "pci-board.xml"
    scenario.write_text(PCI_BOARD_SCENARIO)
    # The unchanged board passes.
    errors, _ = problems_of(scenario, load_board(REAL_BOCHS))
    assert errors == []
    errors, _ = problems_of(scenario, load_board(board_file))
    assert [p.rule for p in errors] == [rule], errors
    assert message in errors[0].message, errors[0].message
    assert errors[0].path.endswith("/pci-passthrough/device[1]")


def test_pci_no_free_vioapic_input() -> None:
    """GSI 10 taken by a vUART and inputs 16-23 by others: no guest GSI is left."""
    board = load_board(REAL_BOCHS)
    vuarts = tuple(Vuart(index=i, type="console" if i == 0 else "link", io_port=0x3f8 - i * 8,
                         irq=irq) for i, irq in enumerate([10] + list(range(16, 24))))
    vm = replace(load_scenario(REPO / "scenario_xmls" / "partitioned.xml").vms[0],
                 vuarts=vuarts)
    route = intx_routes(vm, board)["0000:00:02.0"]
    assert (route.pin, route.host_gsi, route.active_low, route.guest_gsi) == (1, 10, False, None)
    vm = replace(vm, vuarts=vuarts[:1])  # only 10 taken: the first input from 16
    assert intx_routes(vm, board)["0000:00:02.0"].guest_gsi == 16
    vm = replace(vm, vuarts=())
    assert intx_routes(vm, board)["0000:00:02.0"].guest_gsi == 10


def test_every_rule_is_exercised() -> None:
    """Each semantic rule except the warnings, the command-line length and the ACPI table
    size (more vCPUs than a scenario can give; test_acpi_tables.py checks it) has a file,
    or a board variant (PCI_BOARD_RULES), or its own test (pci-intx-no-pin: vUARTs cannot
    take inputs 16-23 in a valid scenario; intx_routes() is tested directly)."""
    covered = {rule for rule, _, _, _ in INVALID.values()} | set(PCI_BOARD_RULES)
    untested = set(RULES) - covered - WARNING_RULES - {"boot-cmdline-length",
                                                        "acpi-tables-size", "pci-intx-no-pin"}
    assert not untested


def test_invalid_via_command_line(board_path: Path) -> None:
    file = INVALID_DIR / "memory_overlap_vms.xml"
    result = run_tool("validate", "--board", str(board_path), "--scenario", str(file))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    rule, line, path, message = INVALID["memory_overlap_vms"]
    assert f"{file}:{line}: {path}: error [{rule}]: {message}" in result.stderr
    assert "fix: give every region its own host-physical range" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("stem", ["xml_syntax", "schema_bad_size", "value_too_large"])
def test_loading_errors_via_command_line(stem: str, board_path: Path) -> None:
    file = INVALID_DIR / f"{stem}.xml"
    result = run_tool("validate", "--board", str(board_path), "--scenario", str(file))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    rule, line, _, _ = INVALID[stem]
    assert f"{file}:{line}: " in result.stderr and f"[{rule}]" in result.stderr


def test_missing_scenario_file(board_path: Path, tmp_path: Path) -> None:
    result = run_tool("validate", "--board", str(board_path), "--scenario",
                      str(tmp_path / "nope.xml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot read the scenario" in result.stderr


# ------------------------------------------------------------------ several problems


def test_all_problems_reported_together_sorted(board: Board) -> None:
    text = SAMPLES[0].read_text(encoding="utf-8")
    text = text.replace('<pcpu>3</pcpu>', '<pcpu>1</pcpu>')  # linux-b shares CPU 1
    text = text.replace('size="2M"', 'size="3M"')  # shared memory not a power of two
    text = text.replace('target-vm="linux-a"', 'target-vm="linux-c"')
    text = text.replace('<device bdf="00:02.0"/>', '<device bdf="00:09.0"/>')
    scenario = parse_scenario(text.encode(), "multi.xml")
    errors, warnings = split(check(scenario, board))
    assert warnings == []
    rules = [p.rule for p in errors]
    assert sorted(rules) == sorted(["pci-not-on-board", "cpu-shared-pre-launched",
                                    "vuart-link-target", "vuart-link-not-mutual",
                                    "shmem-size"])
    lines = [p.line for p in errors]
    assert lines == sorted(lines)
    with pytest.raises(ConfigError) as info:
        validate(scenario, board)
    assert len(info.value.problems) == len(errors)
    assert str(info.value).count("fix: ") == len(errors)


def test_validator_never_raises_other_than_config_error(board: Board) -> None:
    """A scenario that is schema-valid but nonsense everywhere still gives problems."""
    text = """<scenario name="x" board="other">
      <hypervisor><max-vms>1</max-vms><heap-size>0</heap-size><stack-size>0x0</stack-size>
        <load-address>0xffffffffffe00000</load-address><serial-console>0x2e8</serial-console>
      </hypervisor>
      <vm id="63" name="a"><load-order>post-launched</load-order>
        <cpu-affinity><pcpu>63</pcpu><pcpu>63</pcpu></cpu-affinity>
        <memory size="0xffffffffffffffff"><region hpa="0xffffffffffe00000" gpa="0xffffffffffe00000"
          size="0xffffffffffe00000"/></memory>
        <boot kernel="k" kernel-type="raw" initrd="k" entry="0xffffffffffffffff"/>
        <vuarts><vuart index="0" type="link" io-port="0xffff" irq="23" target-vm="a"
          target-vuart="0"/></vuarts>
        <ownership><cr0 guest-owned="0xffffffffffffffff"/><cr4 guest-owned="0xffffffffffffffff"/>
          <msr index="0xffffffff" policy="deny" guest-owned="0xffffffffffffffff"/></ownership>
        <lapic-passthrough>1</lapic-passthrough>
      </vm>
      <vm id="63" name="a"><load-order>service</load-order><type>real-time</type>
        <cpu-affinity><pcpu>63</pcpu></cpu-affinity><memory/></vm>
      <shared-memory name="s" size="0"><peer vm="q"/></shared-memory>
    </scenario>"""
    scenario = parse_scenario(text.encode(), "nonsense.xml")
    errors, warnings = split(check(scenario, board))
    assert len(errors) > 15
    assert {w.rule for w in warnings} == {"board-name", "serial-console-missing"}
    for problem in errors + warnings:
        assert problem.file == "nonsense.xml" and problem.line and problem.hint
        assert problem.path.startswith("/scenario")


# ------------------------------------------------------------------ valid scenarios


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_is_valid(sample: Path, board: Board) -> None:
    errors, warnings = split(check(load_scenario(sample), board))
    assert errors == [] and warnings == []


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_valid_on_real_bochs_board(sample: Path) -> None:
    errors, _ = split(check(load_scenario(sample), load_board(REAL_BOCHS)))
    assert errors == []


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_via_command_line(sample: Path, board_path: Path) -> None:
    result = run_tool("validate", "--board", str(board_path), "--scenario", str(sample))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"OK: {sample} is valid for {board_path}\n"
    assert result.stderr == ""


def test_warnings_keep_exit_code_zero(board_path: Path, tmp_path: Path) -> None:
    text = SAMPLES[2].read_text(encoding="utf-8")
    text = text.replace('board="bochs"', 'board="qemu-q35"')
    text = text.replace("<max-pcpus>4</max-pcpus>", "<max-pcpus>3</max-pcpus>")
    text = text.replace("<pcpu>3</pcpu>", "<pcpu>2</pcpu>").replace(
        "<pcpu>2</pcpu>\n    </cpu-affinity>\n    <memory size", "</cpu-affinity>\n    "
        "<memory size")
    file = tmp_path / "warn.xml"
    file.write_text(text, encoding="utf-8")
    result = run_tool("validate", "--board", str(board_path), "--scenario", str(file))
    assert result.returncode == 0, result.stderr
    assert "warning [board-name]: the scenario is written for board 'qemu-q35', but the " \
        "board file describes 'bochs'" in result.stderr
    assert "warning [board-cpus-limit]: board 'bochs' has 4 CPUs but max-pcpus is 3" \
        in result.stderr
    assert result.stdout.startswith("OK: ")


def test_serial_console_warning(board: Board) -> None:
    scenario = load_scenario(SAMPLES[1])
    scenario = replace(scenario, hypervisor=replace(scenario.hypervisor,
                                                    serial_console=0x2F8))
    errors, warnings = split(check(scenario, board))
    assert errors == []
    assert [(w.rule, w.message) for w in warnings] == [(
        "serial-console-missing",
        "board 'bochs' has no serial port at I/O port 0x2f8 (it has: 0x3f8)")]
    no_console = replace(scenario, hypervisor=replace(scenario.hypervisor,
                                                      serial_console=None))
    assert check(no_console, board) == []


# ------------------------------------------------------------------ policy table


def test_default_masks_follow_the_policy() -> None:
    for default, table in ((DEFAULT_CR0_GUEST_OWNED, CR0_POLICY),
                           (DEFAULT_CR4_GUEST_OWNED, CR4_POLICY)):
        guest = sum(1 << bit for bit, (_, policy, _) in table.items() if policy == "guest")
        assert default == guest
        for bit, (name, policy, reason) in table.items():
            assert policy in ("guest", "either", "host")
            assert bool(reason) == (policy == "host"), name


def test_security_bits_stay_with_the_hypervisor() -> None:
    host = {name for table in (CR0_POLICY, CR4_POLICY)
            for name, policy, _ in table.values() if policy == "host"}
    assert {"PE", "PG", "VMXE", "SMXE", "MCE"} <= host
    names = {rule.name for rule in MSR_POLICY}
    assert {"IA32_FEATURE_CONTROL", "IA32_EFER", "IA32_APIC_BASE"} <= names
    assert not any(rule.passthrough for rule in MSR_POLICY)
    efer = next(rule for rule in MSR_POLICY if rule.name == "IA32_EFER")
    assert not efer.ownable & ((1 << 8) | (1 << 10))  # LME, LMA


def test_msr_ranges_do_not_overlap() -> None:
    ranges = sorted((rule.first, rule.last) for rule in MSR_POLICY)
    for (_, last), (first, _) in zip(ranges, ranges[1:]):
        assert last < first


def test_rule_ids_are_documented() -> None:
    assert WARNING_RULES <= set(RULES)
    doc = validate_mod.__doc__ or ""
    assert "dense" in doc and "warning" in doc


def test_command_line_length(board: Board) -> None:
    scenario = load_scenario(SAMPLES[1])
    vm = scenario.vms[0]
    assert vm.boot is not None
    long_boot = replace(vm.boot, cmdline="x" * 2049)
    scenario = replace(scenario, vms=(replace(vm, boot=long_boot),) + scenario.vms[1:])
    errors, _ = split(check(scenario, board))
    assert [(p.rule, p.message) for p in errors] == [(
        "boot-cmdline-length", "command line of VM 'service' has 2049 characters, more "
        "than 2048")]


def test_broken_board_and_scenario_reported_together(tmp_path: Path) -> None:
    board_file = tmp_path / "board.xml"
    board_file.write_text("<board name='x'>", encoding="utf-8")
    result = run_tool("validate", "--board", str(board_file), "--scenario",
                      str(INVALID_DIR / "xml_syntax.xml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(board_file) in result.stderr
    assert f"{INVALID_DIR / 'xml_syntax.xml'}:5: /: error [xml-syntax]" in result.stderr


def test_usage_errors_exit_two() -> None:
    result = run_tool("validate", "--scenario", str(SAMPLES[0]))
    assert result.returncode == 2 and "--board" in result.stderr


def test_findings_carry_severity(board: Board) -> None:
    scenario = replace(load_scenario(SAMPLES[0]), board="other-board")
    scenario = replace(scenario, vms=(replace(scenario.vms[0], cpu_affinity=(0, 9)),)
                       + scenario.vms[1:])
    findings = check(scenario, board)
    assert all(isinstance(f, Finding) and isinstance(f, Problem) for f in findings)
    assert [(f.rule, f.severity) for f in findings] == [("board-name", "warning"),
                                                        ("cpu-not-on-board", "error")]
    assert ": warning [board-name]: " in str(findings[0])
    assert ": error [cpu-not-on-board]: " in str(findings[1])
    with pytest.raises(ConfigError) as info:
        validate(scenario, board)
    assert [p.rule for p in info.value.problems] == ["cpu-not-on-board"]
    assert validate(replace(scenario, vms=load_scenario(SAMPLES[0]).vms), board) == \
        [findings[0]]
