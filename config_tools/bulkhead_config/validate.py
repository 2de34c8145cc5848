# SPDX-License-Identifier: BSD-3-Clause
"""bulkhead-config validate: the semantic rules a scenario must meet on its board.

The schema (schema/scenario.xsd) checks the shape of a scenario; this module checks
what needs the whole scenario and the board. check() runs every rule and returns all
findings, errors and warnings, each a Finding (an errors.Problem with a severity) that
names the file, line, element path, rule id, what is wrong and how to fix it. RULES
lists every rule id with what it checks; OWNERSHIP POLICY below says which CR0/CR4 bits
and MSRs a guest may own.

Decisions (documented here and in the schema):
- VM ids are dense: the n VMs of a scenario have the ids 0..n-1, in any file order.
- A scenario's board attribute not matching the board's name is a warning: the concrete
  incompatibilities (CPUs, memory, devices) are each checked and are errors.
- A board with more CPUs than max-pcpus is a warning (the extra CPUs stay offline).
- The hypervisor reserves HV_RESERVE_SIZE (16 MiB) from its load address (Kconfig
  HV_LOAD_ADDR, 16 MiB by default) for its image, data and page tables; its heap and
  per-CPU stacks come from the remaining RAM and count against it with the VMs' memory.
- Service and post-launched VMs' memory is allocated by the hypervisor from RAM that no
  static region uses (not carved out of the Service VM), so every VM's memory, the
  shared memory, the heap and the stacks together must fit in the board's RAM.
- Guest memory is mapped with 2 MiB pages: static region addresses and sizes, memory
  sizes, and shared-memory sizes are multiples of 2 MiB.
- Pre-launched and real-time VMs never share a physical CPU with another VM; with the
  "none" scheduler no two VMs share a physical CPU at all.
- Each multiboot2 module (kernel or initrd tag) belongs to one VM only.
- A pre-launched VM gets generated ACPI tables at guest-physical VPLAT_ACPI_GPA
  (acpi_tables.py): its memory must cover them.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any, Iterable

from . import acpi_tables
from .errors import EXIT_BAD_INPUT, EXIT_OK, ConfigError, Problem
from .ownership_policy import (CR0_POLICY, CR4_POLICY, MSR_POLICY, X2APIC_ALWAYS_TRAPPED,
                               X2APIC_MSRS)
from .pci_routing import intx_pin, intx_routes
from .scenario import MIB, PassthroughDevice, Scenario, Vm, format_size, load_scenario

HV_RESERVE_SIZE = 16 * MIB  # = HV_RESERVED_SIZE in hypervisor/include/bulkhead/layout.h
HV_LOAD_ADDR_LIMIT = 1 << 30  # Kconfig: HV_LOAD_ADDR below 1 GiB
PAGE_2M = 2 * MIB
PCPU_BITMAP_BITS = 64  # struct vm_config.pcpu_bitmap is a u64
SHMEM_MAX = 64  # struct vm_config.shmem_bitmap is a u64
VUART_PORTS = 8  # a 16550 decodes 8 I/O ports
CMDLINE_MAX = 2048
HEAP_RANGE = (64 * 1024, 256 * MIB)  # Kconfig HEAP_SIZE range
STACK_RANGE = (8 * 1024, 64 * 1024)  # Kconfig STACK_SIZE range

# ----------------------------------------------------------------------- rules

RULES: dict[str, str] = {
    "vm-id-duplicate": "two VMs have the same id",
    "vm-id-gap": "VM ids are not 0..n-1",
    "vm-name-duplicate": "two VMs have the same name",
    "vm-limit": "more VMs than max-vms",
    "service-vm-multiple": "more than one Service VM",
    "service-vm-missing": "post-launched VMs without a Service VM",
    "service-vm-real-time": "the Service VM is real-time",
    "cpu-not-on-board": "a cpu-affinity CPU the board does not have",
    "cpu-limit": "a CPU id at or above max-pcpus or 64",
    "cpu-duplicate": "a CPU listed twice in one VM",
    "cpu-shared-pre-launched": "a pre-launched VM shares a CPU with another VM",
    "cpu-shared-real-time": "a real-time VM shares a CPU with another VM",
    "cpu-shared-no-scheduler": "two VMs share a CPU under scheduler 'none'",
    "vcpu-limit": "a VM with more vCPUs than max-vcpus-per-vm",
    "board-cpus-limit": "(warning) the board has more CPUs than max-pcpus",
    "board-name": "(warning) the scenario names another board",
    "serial-console-missing": "(warning) the board has no serial port at the console port",
    "hv-load-address": "the hypervisor load address is not 2 MiB aligned, below 1 GiB, "
                       "in RAM",
    "hv-heap-size": "heap size out of Kconfig range",
    "hv-stack-size": "stack size out of Kconfig range or not 4 KiB aligned",
    "memory-kind": "static regions vs. size do not fit the load order",
    "memory-alignment": "an address or size is not a non-zero multiple of 2 MiB",
    "memory-outside-ram": "a static region is not inside the board's RAM",
    "memory-hv-overlap": "a static region overlaps the hypervisor reserve",
    "memory-overlap": "two static regions overlap in host memory",
    "memory-gpa-overlap": "two regions of a VM overlap in guest memory",
    "memory-total": "the memory needed exceeds the board's RAM",
    "acpi-tables-memory": "a pre-launched VM's memory does not cover its ACPI tables",
    "acpi-tables-size": "a pre-launched VM's ACPI tables exceed VPLAT_ACPI_MAX",
    "boot-missing": "a pre-launched or Service VM without boot",
    "boot-tag-duplicate": "a module tag used twice",
    "boot-raw-address": "raw kernel without load-address/entry, or them on another type",
    "boot-raw-initrd": "an initrd for a raw kernel",
    "boot-file-without-tag": "initrd-file without an initrd tag",
    "boot-address-outside-memory": "a raw load-address/entry outside the VM's memory",
    "boot-cmdline-length": "a command line longer than 2048 characters",
    "vuart-index-duplicate": "two vUARTs of a VM with the same index",
    "vuart-port-overlap": "two vUARTs of a VM with overlapping I/O ports",
    "vuart-console-multiple": "more than one console vUART in a VM",
    "vuart-console-target": "a console vUART with target attributes",
    "vuart-link-target": "a link without a valid target",
    "vuart-link-not-mutual": "a link whose target does not link back",
    "pci-not-on-board": "a passthrough device the board does not have",
    "pci-assigned-twice": "a device passed through twice",
    "pci-bridge": "a PCI bridge passed through",
    "pci-bar-invalid": "a BAR whose size is not a power of two or whose address is unaligned",
    "pci-intx-no-gsi": "a device with an INTx pin but no IRQ on the board",
    "pci-intx-shared-gsi": "one interrupt input used by devices of two VMs",
    "pci-intx-no-pin": "no vIOAPIC input left for a device's INTx",
    "pci-intx-lapic-passthrough": "INTx of a passthrough device in a LAPIC-passthrough VM",
    "shmem-name-duplicate": "two shared-memory regions with the same name",
    "shmem-peer-missing": "a peer VM that does not exist",
    "shmem-peer-duplicate": "a peer listed twice",
    "shmem-too-few-peers": "a region with fewer than two peers",
    "shmem-size": "size not a power of two of at least 2 MiB",
    "shmem-limit": "more than 64 shared-memory regions",
    "lapic-passthrough-not-real-time": "LAPIC passthrough on a standard VM",
    "lapic-passthrough-pcpu0": "LAPIC passthrough on physical CPU 0 (the hypervisor's timers)",
    "cr0-host-owned": "a CR0 bit that must stay host-owned is guest-owned",
    "cr4-host-owned": "a CR4 bit that must stay host-owned is guest-owned",
    "msr-duplicate": "an MSR listed twice in a VM",
    "msr-passthrough-forbidden": "an MSR the hypervisor controls is passed through",
    "msr-guest-owned-forbidden": "guest-owned bits of an MSR the hypervisor controls",
    "msr-guest-owned-policy": "guest-owned on a passthrough or deny entry",
    "msr-deny-forbidden": "deny on an MSR every guest needs emulated",
    "msr-x2apic-passthrough": "x2APIC MSRs passed through without lapic-passthrough",
    "msr-x2apic-always-trapped": "the x2APIC ICR, ID or LDR passed through (always trapped)",
}

WARNING_RULES = frozenset({"board-cpus-limit", "board-name", "serial-console-missing"})


def _bits(mask: int) -> list[int]:
    return [bit for bit in range(64) if mask >> bit & 1]


def _mib(value: int) -> str:
    """Bytes as MiB: "512 MiB", "1092.1 MiB"."""
    return f"{value // MIB} MiB" if value % MIB == 0 else f"{value / MIB:.1f} MiB"


def _ranges_text(values: Iterable[int]) -> str:
    """[0, 1, 2, 3, 6] -> "0-3, 6"."""
    out: list[str] = []
    items = sorted(set(values))
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1] == items[j] + 1:
            j += 1
        out.append(str(items[i]) if i == j else f"{items[i]}-{items[j]}")
        i = j + 1
    return ", ".join(out) if out else "none"


def _normalize_bdf(text: str) -> str | None:
    from .board import normalize_bdf
    try:
        return normalize_bdf(text)
    except (ConfigError, ValueError):
        return None


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted (start, end) ranges with adjacent and overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


class _Checker:
    def __init__(self, scenario: Scenario, board: Any) -> None:
        self.sc = scenario
        self.board = board
        self.hv = scenario.hypervisor
        self.file = scenario.file
        self.problems: list[Problem] = []
        self.board_name = str(getattr(board, "name", "?"))
        self.board_cpus = {cpu.id for cpu in getattr(board, "cpus", ())}
        memory = getattr(board, "memory", ())
        ram = memory.ram() if hasattr(memory, "ram") else [
            r for r in memory if getattr(r, "type", "") == "RAM"]
        self.ram = _merge((r.start, r.start + r.size) for r in ram if r.size > 0)

    def add(self, line: int | None, path: str, rule: str, message: str, hint: str) -> None:
        assert rule in RULES, rule
        self.problems.append(Problem(self.file, line, path, rule, message, hint))

    # ------------------------------------------------------------------ run

    def run(self) -> list[Problem]:
        self.hypervisor()
        self.vms()
        self.cpus()
        self.memory()
        for vm in self.sc.vms:
            self.acpi(vm)
            self.boot(vm)
            self.vuarts(vm)
            self.ownership(vm)
        self.boot_tags()
        self.pci()
        self.shared_memory()
        return sorted(self.problems, key=lambda p: (p.line or 0, p.path, p.rule, p.message))

    # ------------------------------------------------------------------ hypervisor

    def hypervisor(self) -> None:
        hv = self.hv
        if self.sc.board != self.board_name:
            self.add(self.sc.line, "/scenario/@board", "board-name",
                     f"the scenario is written for board '{self.sc.board}', but the board "
                     f"file describes '{self.board_name}'",
                     f"set board=\"{self.board_name}\" once the scenario has been checked "
                     "for this board")
        if len(self.board_cpus) > hv.max_pcpus:
            self.add(hv.line_of("max-pcpus"), hv.path_of("max-pcpus"), "board-cpus-limit",
                     f"board '{self.board_name}' has {len(self.board_cpus)} CPUs but "
                     f"max-pcpus is {hv.max_pcpus}; the other CPUs stay offline",
                     f"set max-pcpus to {len(self.board_cpus)} or more")
        if hv.serial_console is not None:
            ports = {getattr(p, "io_port", None) for p in getattr(self.board,
                                                                   "serial_ports", ())}
            if hv.serial_console not in ports:
                found = ", ".join(hex(p) for p in sorted(x for x in ports if x is not None))
                self.add(hv.line_of("serial-console"), hv.path_of("serial-console"),
                         "serial-console-missing",
                         f"board '{self.board_name}' has no serial port at I/O port "
                         f"{hex(hv.serial_console)} (it has: {found or 'none'})",
                         "choose one of the board's serial ports or \"none\"")
        addr = hv.load_address
        if addr % PAGE_2M or addr >= HV_LOAD_ADDR_LIMIT:
            self.add(hv.line_of("load-address"), hv.path_of("load-address"),
                     "hv-load-address",
                     f"hypervisor load address {hex(addr)} must be a multiple of 2 MiB "
                     "below 1 GiB",
                     "use the default 0x1000000 (16 MiB) or another 2 MiB multiple below "
                     "1 GiB")
        elif not self._in_ram(addr, addr + HV_RESERVE_SIZE):
            self.add(hv.line_of("load-address"), hv.path_of("load-address"),
                     "hv-load-address",
                     f"the hypervisor reserve {hex(addr)}-{hex(addr + HV_RESERVE_SIZE)} is "
                     f"not in the RAM of board '{self.board_name}'",
                     "choose a load address whose 16 MiB lie in one RAM range of the board")
        lo, hi = HEAP_RANGE
        if not lo <= hv.heap_size <= hi:
            self.add(hv.line_of("heap-size"), hv.path_of("heap-size"), "hv-heap-size",
                     f"heap size {format_size(hv.heap_size)} is outside 64K..256M",
                     "choose a heap size from 64K to 256M (default 4M)")
        lo, hi = STACK_RANGE
        if not lo <= hv.stack_size <= hi or hv.stack_size % 4096:
            self.add(hv.line_of("stack-size"), hv.path_of("stack-size"), "hv-stack-size",
                     f"stack size {format_size(hv.stack_size)} must be a multiple of 4K "
                     "from 8K to 64K",
                     "choose 8K, 16K (default), 32K or 64K")

    # ------------------------------------------------------------------ VMs

    def vms(self) -> None:
        vms = self.sc.vms
        seen_ids: dict[int, Vm] = {}
        seen_names: dict[str, Vm] = {}
        for vm in vms:
            if vm.id in seen_ids:
                self.add(vm.line, vm.path, "vm-id-duplicate",
                         f"VM id {vm.id} is already used by VM '{seen_ids[vm.id].name}' "
                         f"(line {seen_ids[vm.id].line})",
                         "give every VM its own id")
            else:
                seen_ids[vm.id] = vm
            if vm.name in seen_names:
                self.add(vm.line, vm.path, "vm-name-duplicate",
                         f"VM name '{vm.name}' is already used by VM {seen_names[vm.name].id} "
                         f"(line {seen_names[vm.name].line})",
                         "give every VM its own name")
            else:
                seen_names[vm.name] = vm
        for vm in vms:
            if vm.id >= len(vms) and seen_ids.get(vm.id) is vm:
                missing = sorted(set(range(len(vms))) - set(seen_ids))
                self.add(vm.line, vm.path, "vm-id-gap",
                         f"VM id {vm.id} leaves a gap: the {len(vms)} VMs must have ids 0 to "
                         f"{len(vms) - 1}",
                         f"renumber the VMs; id {missing[0] if missing else 0} is free")
        if len(vms) > self.hv.max_vms:
            last = vms[self.hv.max_vms]
            self.add(last.line, last.path, "vm-limit",
                     f"the scenario has {len(vms)} VMs but max-vms is {self.hv.max_vms}",
                     f"set max-vms to {len(vms)} or more in <hypervisor>")
        services = [vm for vm in vms if vm.load_order == "service"]
        for extra in services[1:]:
            self.add(extra.line_of("load-order"), extra.path_of("load-order"),
                     "service-vm-multiple",
                     f"VM '{extra.name}' is a second Service VM (VM '{services[0].name}' is "
                     "one already)",
                     "keep one Service VM; make the others pre-launched or post-launched")
        if not services:
            for vm in vms:
                if vm.load_order == "post-launched":
                    self.add(vm.line_of("load-order"), vm.path_of("load-order"),
                             "service-vm-missing",
                             f"post-launched VM '{vm.name}' needs a Service VM to launch it, "
                             "and the scenario has none",
                             "add a VM with load-order service, or make this VM "
                             "pre-launched")
        for vm in vms:
            if vm.load_order == "service" and vm.type == "real-time":
                self.add(vm.line_of("type"), vm.path_of("type"), "service-vm-real-time",
                         f"the Service VM '{vm.name}' cannot be real-time",
                         "make the Service VM standard and put real-time work in a "
                         "pre-launched or post-launched VM")
            if vm.lapic_passthrough and vm.type != "real-time":
                self.add(vm.line_of("lapic-passthrough"), vm.path_of("lapic-passthrough"),
                         "lapic-passthrough-not-real-time",
                         f"VM '{vm.name}' passes the LAPIC through but is not real-time",
                         "set <type>real-time</type> or remove lapic-passthrough")
            if vm.lapic_passthrough and 0 in vm.cpu_affinity:
                self.add(vm.line_of("cpu-affinity"), vm.path_of("cpu-affinity"),
                         "lapic-passthrough-pcpu0",
                         f"VM '{vm.name}' passes the LAPIC through on physical CPU 0, which "
                         "keeps the hypervisor's timers (device models, debug shell)",
                         "give the VM other physical CPUs")

    # ------------------------------------------------------------------ CPUs

    def cpus(self) -> None:
        hv = self.hv
        owners: dict[int, list[Vm]] = {}
        for vm in self.sc.vms:
            seen: set[int] = set()
            for n, pcpu in enumerate(vm.cpu_affinity):
                line = vm.pcpu_lines[n] if n < len(vm.pcpu_lines) else vm.line
                path = f"{vm.path}/cpu-affinity/pcpu[{n + 1}]"
                if pcpu in seen:
                    self.add(line, path, "cpu-duplicate",
                             f"VM '{vm.name}' lists physical CPU {pcpu} twice",
                             "list each physical CPU once (one vCPU per CPU)")
                    continue
                seen.add(pcpu)
                if pcpu not in self.board_cpus:
                    self.add(line, path, "cpu-not-on-board",
                             f"VM '{vm.name}' uses physical CPU {pcpu}, but board "
                             f"'{self.board_name}' has CPUs {_ranges_text(self.board_cpus)}",
                             "use CPU ids from the board's <processors>")
                elif pcpu >= hv.max_pcpus or pcpu >= PCPU_BITMAP_BITS:
                    limit = min(hv.max_pcpus, PCPU_BITMAP_BITS)
                    self.add(line, path, "cpu-limit",
                             f"VM '{vm.name}' uses physical CPU {pcpu}, but the hypervisor "
                             f"supports CPUs 0 to {limit - 1}",
                             "raise max-pcpus (at most 64 CPUs can be assigned) or use a "
                             "lower CPU id")
                for other in owners.get(pcpu, []):
                    self._shared(vm, other, pcpu, line, path)
                owners.setdefault(pcpu, []).append(vm)
            if vm.vcpu_count > hv.max_vcpus_per_vm:
                self.add(vm.line_of("cpu-affinity"), vm.path_of("cpu-affinity"),
                         "vcpu-limit",
                         f"VM '{vm.name}' has {vm.vcpu_count} vCPUs but max-vcpus-per-vm is "
                         f"{hv.max_vcpus_per_vm}",
                         f"set max-vcpus-per-vm to {vm.vcpu_count} or more, or list fewer "
                         "CPUs")

    def _shared(self, vm: Vm, other: Vm, pcpu: int, line: int | None, path: str) -> None:
        pair = f"VMs '{other.name}' and '{vm.name}' both use physical CPU {pcpu}"
        hint = "give each of them its own physical CPUs"
        if "pre-launched" in (vm.load_order, other.load_order):
            who = other if other.load_order == "pre-launched" else vm
            self.add(line, path, "cpu-shared-pre-launched",
                     f"{pair}; pre-launched VM '{who.name}' must have its CPUs to itself", hint)
        elif "real-time" in (vm.type, other.type):
            who = other if other.type == "real-time" else vm
            self.add(line, path, "cpu-shared-real-time",
                     f"{pair}; real-time VM '{who.name}' must have its CPUs to itself", hint)
        elif self.hv.scheduler == "none":
            self.add(line, path, "cpu-shared-no-scheduler",
                     f"{pair}, but scheduler 'none' runs one vCPU per physical CPU",
                     "give each VM its own physical CPUs, or set <scheduler>round-robin"
                     "</scheduler>")

    # ------------------------------------------------------------------ memory

    def _in_ram(self, start: int, end: int) -> bool:
        return any(lo <= start and end <= hi for lo, hi in self.ram)

    def memory(self) -> None:
        hv_start = self.hv.load_address
        hv_end = hv_start + HV_RESERVE_SIZE
        placed: list[tuple[int, int, Vm, int]] = []  # hpa, end, vm, region number
        for vm in self.sc.vms:
            mem_line = vm.line_of("memory")
            mem_path = vm.path_of("memory")
            if vm.load_order == "pre-launched":
                if vm.memory_size is not None:
                    self.add(mem_line, mem_path, "memory-kind",
                             f"pre-launched VM '{vm.name}' gives a memory size; pre-launched "
                             "VMs have static regions",
                             "replace the size attribute by <region hpa= gpa= size=/> "
                             "elements")
                elif not vm.regions:
                    self.add(mem_line, mem_path, "memory-kind",
                             f"pre-launched VM '{vm.name}' has no static memory regions",
                             "add <region hpa= gpa= size=/> elements to <memory>")
            else:
                if vm.regions:
                    self.add(vm.regions[0].line, vm.regions[0].path, "memory-kind",
                             f"{vm.load_order} VM '{vm.name}' has static memory regions; "
                             "only pre-launched VMs have them",
                             "remove the regions and give <memory size=\"...\"/>")
                if vm.memory_size is None:
                    self.add(mem_line, mem_path, "memory-kind",
                             f"{vm.load_order} VM '{vm.name}' gives no memory size",
                             "add a size attribute, e.g. <memory size=\"512M\"/>")
                elif vm.memory_size == 0 or vm.memory_size % PAGE_2M:
                    self.add(mem_line, f"{mem_path}/@size", "memory-alignment",
                             f"memory size {format_size(vm.memory_size)} of VM '{vm.name}' "
                             "is not a non-zero multiple of 2 MiB",
                             "round the size to a multiple of 2M")
            guest: list[tuple[int, int, int]] = []
            for n, reg in enumerate(vm.regions, start=1):
                bad = [name for name, value in (("hpa", reg.hpa), ("gpa", reg.gpa),
                                                ("size", reg.size)) if value % PAGE_2M]
                if reg.size == 0:
                    bad.append("size")
                if bad:
                    self.add(reg.line, reg.path, "memory-alignment",
                             f"region {n} of VM '{vm.name}': {', '.join(bad)} must be "
                             "a non-zero multiple of 2 MiB (0x200000)",
                             "round hpa and gpa down and size up to multiples of 2M")
                    continue
                if not self._in_ram(reg.hpa, reg.hpa_end):
                    ram = ", ".join(f"{hex(lo)}-{hex(hi)}" for lo, hi in self.ram) or "none"
                    self.add(reg.line, reg.path, "memory-outside-ram",
                             f"region {n} of VM '{vm.name}' ({hex(reg.hpa)}-"
                             f"{hex(reg.hpa_end)}) is not inside the RAM of board "
                             f"'{self.board_name}' (RAM: {ram})",
                             "move the region into one RAM range of the board's memory map")
                if reg.hpa < hv_end and hv_start < reg.hpa_end:
                    self.add(reg.line, reg.path, "memory-hv-overlap",
                             f"region {n} of VM '{vm.name}' ({hex(reg.hpa)}-"
                             f"{hex(reg.hpa_end)}) overlaps the hypervisor reserve "
                             f"({hex(hv_start)}-{hex(hv_end)})",
                             f"place the region at or above {hex(hv_end)} or below "
                             f"{hex(hv_start)}")
                for start, end, other, m in placed:
                    if reg.hpa < end and start < reg.hpa_end:
                        whose = f"its region {m}" if other is vm else \
                            f"region {m} of VM '{other.name}'"
                        self.add(reg.line, reg.path, "memory-overlap",
                                 f"region {n} of VM '{vm.name}' ({hex(reg.hpa)}-"
                                 f"{hex(reg.hpa_end)}) overlaps {whose} "
                                 f"({hex(start)}-{hex(end)}) in host memory",
                                 "give every region its own host-physical range")
                placed.append((reg.hpa, reg.hpa_end, vm, n))
                for start, end, m in guest:
                    if reg.gpa < end and start < reg.gpa_end:
                        self.add(reg.line, reg.path, "memory-gpa-overlap",
                                 f"region {n} of VM '{vm.name}' (guest {hex(reg.gpa)}-"
                                 f"{hex(reg.gpa_end)}) overlaps its region {m} (guest "
                                 f"{hex(start)}-{hex(end)})",
                                 "give the regions of a VM distinct guest-physical ranges")
                guest.append((reg.gpa, reg.gpa_end, n))
        self._memory_total()

    def _memory_total(self) -> None:
        hv = self.hv
        ram_total = sum(hi - lo for lo, hi in self.ram)
        hv_start = hv.load_address
        reserve = sum(max(0, min(hi, hv_start + HV_RESERVE_SIZE) - max(lo, hv_start))
                      for lo, hi in self.ram)
        vm_memory = sum(vm.total_memory for vm in self.sc.vms)
        shmem = sum(s.size for s in self.sc.shared_memory)
        hv_data = hv.heap_size + hv.stack_size * max(1, len(self.board_cpus))
        need = vm_memory + shmem + hv_data
        have = ram_total - reserve
        if need > have:
            self.add(self.sc.line, "/scenario", "memory-total",
                     f"the scenario needs {_mib(need)} of RAM (VMs {_mib(vm_memory)}, "
                     f"shared memory {_mib(shmem)}, hypervisor heap and stacks "
                     f"{_mib(hv_data)}) but board '{self.board_name}' has {_mib(have)} "
                     "besides the hypervisor reserve",
                     "reduce the VMs' memory sizes or shared memory")

    def acpi(self, vm: Vm) -> None:
        """The generated ACPI tables fit (a VM without regions has memory-kind already)."""
        if vm.regions:
            for p in acpi_tables.problems(vm, self.file):
                self.add(p.line, p.path, p.rule, p.message, p.hint)

    # ------------------------------------------------------------------ boot

    def boot(self, vm: Vm) -> None:
        boot = vm.boot
        if boot is None:
            if vm.load_order in ("pre-launched", "service"):
                self.add(vm.line, vm.path, "boot-missing",
                         f"{vm.load_order} VM '{vm.name}' has no <boot>: the hypervisor "
                         "would have nothing to start",
                         "add <boot kernel=\"TAG\" kernel-type=\"...\"/> naming its "
                         "multiboot2 module")
            return
        if boot.initrd_file is not None and boot.initrd is None:
            self.add(boot.line, f"{boot.path}/@initrd-file", "boot-file-without-tag",
                     f"VM '{vm.name}' gives initrd-file but no initrd tag",
                     "add initrd=\"TAG\" naming the module, or remove initrd-file")
        if boot.kernel_type == "raw":
            missing = [n for n, v in (("load-address", boot.load_address),
                                      ("entry", boot.entry)) if v is None]
            if missing:
                self.add(boot.line, boot.path, "boot-raw-address",
                         f"raw kernel of VM '{vm.name}' needs {' and '.join(missing)}",
                         "give load-address and entry (guest-physical) for a raw kernel")
            if boot.initrd is not None:
                self.add(boot.line, f"{boot.path}/@initrd", "boot-raw-initrd",
                         f"raw kernel of VM '{vm.name}' cannot take an initrd",
                         "remove the initrd attribute or use another kernel type")
            for name, value in (("load-address", boot.load_address),
                                ("entry", boot.entry)):
                if value is not None and not self._in_guest(vm, value):
                    self.add(boot.line, f"{boot.path}/@{name}",
                             "boot-address-outside-memory",
                             f"{name} {hex(value)} of VM '{vm.name}' is outside its guest "
                             "memory",
                             "use a guest-physical address inside the VM's memory")
        else:
            given = [n for n, v in (("load-address", boot.load_address),
                                    ("entry", boot.entry)) if v is not None]
            if given:
                self.add(boot.line, boot.path, "boot-raw-address",
                         f"{' and '.join(given)} of VM '{vm.name}' "
                         f"{'apply' if len(given) > 1 else 'applies'} to raw kernels "
                         f"only, not {boot.kernel_type}",
                         "remove load-address and entry; the kernel format says where it "
                         "loads")
        if len(boot.cmdline) > CMDLINE_MAX:
            self.add(boot.line, f"{boot.path}/cmdline", "boot-cmdline-length",
                     f"command line of VM '{vm.name}' has {len(boot.cmdline)} characters, "
                     f"more than {CMDLINE_MAX}",
                     "shorten the command line")

    @staticmethod
    def _in_guest(vm: Vm, gpa: int) -> bool:
        if vm.load_order == "pre-launched":
            return any(r.gpa <= gpa < r.gpa_end for r in vm.regions)
        return vm.memory_size is not None and gpa < vm.memory_size

    def boot_tags(self) -> None:
        seen: dict[str, tuple[Vm, str]] = {}
        for vm in self.sc.vms:
            if vm.boot is None:
                continue
            for role, tag in (("kernel", vm.boot.kernel), ("initrd", vm.boot.initrd)):
                if not tag:
                    continue
                if tag in seen:
                    owner, owner_role = seen[tag]
                    self.add(vm.boot.line, f"{vm.boot.path}/@{role}", "boot-tag-duplicate",
                             f"module tag '{tag}' is the {role} of VM '{vm.name}' and "
                             f"already the {owner_role} of VM '{owner.name}'",
                             "give every kernel and initrd its own multiboot2 module and tag")
                else:
                    seen[tag] = (vm, role)

    # ------------------------------------------------------------------ vUARTs

    def vuarts(self, vm: Vm) -> None:
        by_index: dict[int, Any] = {}
        consoles = 0
        for vu in vm.vuarts:
            if vu.index in by_index:
                self.add(vu.line, vu.path, "vuart-index-duplicate",
                         f"VM '{vm.name}' has two vUARTs with index {vu.index}",
                         "give every vUART of a VM its own index")
            else:
                by_index[vu.index] = vu
            for other in vm.vuarts:
                if other is vu:
                    break
                if vu.io_port < other.io_port + VUART_PORTS and \
                        other.io_port < vu.io_port + VUART_PORTS:
                    self.add(vu.line, f"{vu.path}/@io-port", "vuart-port-overlap",
                             f"vUART {vu.index} of VM '{vm.name}' at I/O port "
                             f"{hex(vu.io_port)} overlaps vUART {other.index} at "
                             f"{hex(other.io_port)} (each uses 8 ports)",
                             "use ports 8 or more apart, e.g. 0x3f8 and 0x2f8")
            if vu.type == "console":
                consoles += 1
                if consoles > 1:
                    self.add(vu.line, vu.path, "vuart-console-multiple",
                             f"VM '{vm.name}' has more than one console vUART",
                             "keep one console vUART; make the others links")
                if vu.target_vm is not None or vu.target_vuart is not None:
                    self.add(vu.line, vu.path, "vuart-console-target",
                             f"console vUART {vu.index} of VM '{vm.name}' has a target",
                             "remove target-vm and target-vuart, or set type=\"link\"")
                continue
            self._link(vm, vu)

    def _link(self, vm: Vm, vu: Any) -> None:
        name = f"link vUART {vu.index} of VM '{vm.name}'"
        if vu.target_vm is None or vu.target_vuart is None:
            self.add(vu.line, vu.path, "vuart-link-target",
                     f"{name} needs target-vm and target-vuart",
                     "name the VM and vUART index at the other end")
            return
        target_vm = self.sc.vm_by_name(vu.target_vm)
        if target_vm is None:
            self.add(vu.line, f"{vu.path}/@target-vm", "vuart-link-target",
                     f"{name} targets VM '{vu.target_vm}', which does not exist",
                     "name an existing VM in target-vm")
            return
        if target_vm is vm:
            self.add(vu.line, f"{vu.path}/@target-vm", "vuart-link-target",
                     f"{name} targets its own VM",
                     "link vUARTs of two different VMs")
            return
        target = next((t for t in target_vm.vuarts if t.index == vu.target_vuart), None)
        if target is None:
            self.add(vu.line, f"{vu.path}/@target-vuart", "vuart-link-target",
                     f"{name} targets vUART {vu.target_vuart} of VM '{target_vm.name}', "
                     "which does not exist",
                     f"add <vuart index=\"{vu.target_vuart}\" type=\"link\" "
                     f"target-vm=\"{vm.name}\" target-vuart=\"{vu.index}\" .../> to VM "
                     f"'{target_vm.name}'")
        elif target.type != "link" or target.target_vm != vm.name or \
                target.target_vuart != vu.index:
            self.add(vu.line, vu.path, "vuart-link-not-mutual",
                     f"{name} targets vUART {target.index} of VM '{target_vm.name}', which "
                     "does not link back to it",
                     f"set type=\"link\" target-vm=\"{vm.name}\" target-vuart=\"{vu.index}\" "
                     f"on vUART {target.index} of VM '{target_vm.name}'")

    # ------------------------------------------------------------------ PCI

    def pci(self) -> None:
        devices = getattr(self.board, "pci_devices", {}) or {}
        owner: dict[str, tuple[Vm, int | None]] = {}
        for vm in self.sc.vms:
            for dev in vm.pci_devices:
                bdf = _normalize_bdf(dev.bdf)
                if bdf is None or bdf not in devices:
                    self.add(dev.line, dev.path, "pci-not-on-board",
                             f"VM '{vm.name}' passes through PCI device {dev.bdf}, which "
                             f"board '{self.board_name}' does not have",
                             "use a BDF listed in the board's <pci> section")
                    continue
                if bdf in owner:
                    other, line = owner[bdf]
                    whose = "this VM" if other is vm else f"VM '{other.name}'"
                    self.add(dev.line, dev.path, "pci-assigned-twice",
                             f"PCI device {bdf} is passed through to VM '{vm.name}' and "
                             f"already to {whose} (line {line})",
                             "pass every device through to one VM only, once")
                else:
                    owner[bdf] = (vm, dev.line)
                self.pci_device(vm, dev, devices[bdf])
        self.pci_interrupts()

    def pci_device(self, vm: Vm, dev, info) -> None:
        """What the hypervisor needs of one passed-through function's board entry."""
        where = f"PCI device {dev.bdf} of VM '{vm.name}'"
        if info.is_bridge:
            self.add(dev.line, dev.path, "pci-bridge",
                     f"{where} is a bridge (board line {info.line}); only endpoints "
                     "can be passed through",
                     "pass the devices behind the bridge through instead")
        for bar in info.bars:
            if bar.size <= 0 or bar.size & (bar.size - 1) or bar.address % bar.size:
                self.add(dev.line, dev.path, "pci-bar-invalid",
                         f"{where}: BAR{bar.index} at 0x{bar.address:x} size 0x{bar.size:x} "
                         f"(board line {bar.line}) is not a power-of-two size at an "
                         "address aligned to it",
                         "capture the board again; the hypervisor maps BARs as the "
                         "PCI standard lays them out")
        if intx_pin(info) and info.irq is None:
            self.add(dev.line, dev.path, "pci-intx-no-gsi",
                     f"{where} has interrupt pin INT{info.interrupt_pin} but the board "
                     f"gives it no IRQ (board line {info.line})",
                     "capture the board with the device's driver loaded, so that its "
                     "irq is known")
        if intx_pin(info) and vm.lapic_passthrough:
            self.add(dev.line, dev.path, "pci-intx-lapic-passthrough",
                     f"{where} interrupts through INT{info.interrupt_pin}, which reaches a "
                     "VM through its vIOAPIC; a VM with lapic-passthrough does not use it",
                     "give the device to a VM without lapic-passthrough")

    def pci_interrupts(self) -> None:
        """A physical interrupt input belongs to one VM; each VM needs a free input."""
        if not hasattr(self.board, "pci_device"):
            return
        users: dict[int, tuple[Vm, PassthroughDevice]] = {}
        for vm in self.sc.vms:
            routes = intx_routes(vm, self.board)
            for dev in vm.pci_devices:
                route = routes.get(_normalize_bdf(dev.bdf) or "")
                if route is None:
                    continue
                if route.guest_gsi is None:
                    self.add(dev.line, dev.path, "pci-intx-no-pin",
                             f"PCI device {dev.bdf} of VM '{vm.name}' needs a vIOAPIC input "
                             f"for GSI {route.host_gsi}, and inputs 16-23 are all taken",
                             "pass fewer devices with distinct interrupt lines to the VM")
                other = users.setdefault(route.host_gsi, (vm, dev))
                same = _normalize_bdf(other[1].bdf) == _normalize_bdf(dev.bdf)
                if other[0] is not vm and not same:  # the same device: pci-assigned-twice
                    self.add(dev.line, dev.path, "pci-intx-shared-gsi",
                             f"PCI device {dev.bdf} of VM '{vm.name}' interrupts on GSI "
                             f"{route.host_gsi}, which device {other[1].bdf} of VM "
                             f"'{other[0].name}' (line {other[1].line}) uses too: one "
                             "physical line cannot be split between VMs",
                             "give devices that share an interrupt line to the same VM")

    # ------------------------------------------------------------------ shared memory

    def shared_memory(self) -> None:
        if len(self.sc.shared_memory) > SHMEM_MAX:
            extra = self.sc.shared_memory[SHMEM_MAX]
            self.add(extra.line, extra.path, "shmem-limit",
                     f"the scenario has {len(self.sc.shared_memory)} shared-memory regions; "
                     f"at most {SHMEM_MAX} are supported",
                     "merge regions: one region can serve several peers")
        names: dict[str, int | None] = {}
        for shm in self.sc.shared_memory:
            if shm.name in names:
                self.add(shm.line, shm.path, "shmem-name-duplicate",
                         f"shared-memory name '{shm.name}' is already used (line "
                         f"{names[shm.name]})",
                         "give every shared-memory region its own name")
            else:
                names[shm.name] = shm.line
            size = shm.size
            if size < PAGE_2M or size & (size - 1):
                self.add(shm.line, f"{shm.path}/@size", "shmem-size",
                         f"shared-memory '{shm.name}' size {format_size(size)} is not a "
                         "power of two of at least 2 MiB",
                         "use 2M, 4M, 8M, ...")
            peers: list[str] = []
            for n, peer in enumerate(shm.peers):
                line = shm.peer_lines[n] if n < len(shm.peer_lines) else shm.line
                path = f"{shm.path}/peer[{n + 1}]"
                if self.sc.vm_by_name(peer) is None:
                    self.add(line, path, "shmem-peer-missing",
                             f"shared-memory '{shm.name}' names peer VM '{peer}', which "
                             "does not exist",
                             "name an existing VM in peer/@vm")
                elif peer in peers:
                    self.add(line, path, "shmem-peer-duplicate",
                             f"shared-memory '{shm.name}' lists peer VM '{peer}' twice",
                             "list each peer once")
                else:
                    peers.append(peer)
            if len(set(shm.peers)) < 2:
                self.add(shm.line, shm.path, "shmem-too-few-peers",
                         f"shared-memory '{shm.name}' has {len(set(shm.peers))} peer; it "
                         "needs at least two",
                         "add another <peer vm=\"...\"/> or remove the region")

    # ------------------------------------------------------------------ ownership

    def ownership(self, vm: Vm) -> None:
        own = vm.ownership
        for reg, mask, table, line in (("cr0", own.cr0_guest_owned, CR0_POLICY, own.cr0_line),
                                       ("cr4", own.cr4_guest_owned, CR4_POLICY, own.cr4_line)):
            path = f"{own.path}/{reg}/@guest-owned"
            line = line or vm.line_of("ownership")
            for bit in _bits(mask):
                entry = table.get(bit)
                if entry is None:
                    self.add(line, path, f"{reg}-host-owned",
                             f"VM '{vm.name}' makes reserved {reg.upper()} bit {bit} "
                             "guest-owned",
                             f"clear bit {bit} ({hex(1 << bit)}) in the mask")
                elif entry[1] == "host":
                    self.add(line, path, f"{reg}-host-owned",
                             f"VM '{vm.name}' makes {reg.upper()}.{entry[0]} (bit {bit}) "
                             f"guest-owned, but it must stay host-owned: {entry[2]}",
                             f"clear bit {bit} ({hex(1 << bit)}) in the mask")
        seen: dict[int, int | None] = {}
        for msr in own.msrs:
            name = f"MSR {hex(msr.index)}"
            if msr.index in seen:
                self.add(msr.line, msr.path, "msr-duplicate",
                         f"VM '{vm.name}' lists {name} twice (first at line "
                         f"{seen[msr.index]})",
                         "keep one entry per MSR")
                continue
            seen[msr.index] = msr.line
            if msr.guest_owned and msr.policy != "trap":
                self.add(msr.line, f"{msr.path}/@guest-owned", "msr-guest-owned-policy",
                         f"{name} of VM '{vm.name}' has guest-owned bits but policy "
                         f"{msr.policy}; guest-owned applies to trap only",
                         "remove guest-owned or use policy=\"trap\"")
            rule = next((r for r in MSR_POLICY if r.first <= msr.index <= r.last), None)
            if rule is not None:
                name = f"{name} ({rule.name})"
                if msr.policy == "passthrough" and not rule.passthrough:
                    self.add(msr.line, f"{msr.path}/@policy", "msr-passthrough-forbidden",
                             f"VM '{vm.name}' passes {name} through, but the hypervisor "
                             f"must control it: {rule.reason}",
                             "use policy=\"trap\" (or remove the entry)")
                elif msr.policy == "deny" and not rule.deny_ok:
                    self.add(msr.line, f"{msr.path}/@policy", "msr-deny-forbidden",
                             f"VM '{vm.name}' denies {name}, which every x86-64 guest "
                             "needs",
                             "use policy=\"trap\" (or remove the entry)")
                elif msr.policy == "trap" and msr.guest_owned & ~rule.ownable:
                    bad = msr.guest_owned & ~rule.ownable
                    self.add(msr.line, f"{msr.path}/@guest-owned",
                             "msr-guest-owned-forbidden",
                             f"VM '{vm.name}' makes bits {hex(bad)} of {name} guest-owned, "
                             f"but the hypervisor must control them: {rule.reason}",
                             f"guest-owned may contain only {hex(rule.ownable)}"
                             if rule.ownable else "remove guest-owned")
            elif msr.index in X2APIC_ALWAYS_TRAPPED and msr.policy == "passthrough":
                self.add(msr.line, f"{msr.path}/@policy", "msr-x2apic-always-trapped",
                         f"VM '{vm.name}' passes x2APIC {name} through, which the "
                         "hypervisor always traps (the ICR: IPIs may reach only the VM's own "
                         "CPUs; the ID and LDR: the guest sees its vCPU index)",
                         "remove this <msr> entry: with lapic-passthrough every other "
                         "x2APIC register passes through")
            elif X2APIC_MSRS[0] <= msr.index <= X2APIC_MSRS[1] and \
                    msr.policy == "passthrough" and not vm.lapic_passthrough:
                self.add(msr.line, f"{msr.path}/@policy", "msr-x2apic-passthrough",
                         f"VM '{vm.name}' passes x2APIC {name} through without "
                         "lapic-passthrough",
                         "trap it, or give a real-time VM <lapic-passthrough>true"
                         "</lapic-passthrough>")


@dataclass(frozen=True)
class Finding(Problem):
    """A Problem with a severity: "error" (the scenario cannot be used) or "warning"."""

    severity: str = "error"

    def __str__(self) -> str:
        text = super().__str__()
        if self.severity == "error":
            return text
        return text.replace(": error [", f": {self.severity} [", 1)


def check(scenario: Scenario, board: Any) -> list[Finding]:
    """Every finding about scenario on board (errors and warnings), sorted by line."""
    return [Finding(p.file, p.line, p.path, p.rule, p.message, p.hint,
                    "warning" if p.rule in WARNING_RULES else "error")
            for p in _Checker(scenario, board).run()]


def split(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(errors, warnings) of check()'s findings, each in the original order."""
    items = list(findings)
    return ([f for f in items if f.severity == "error"],
            [f for f in items if f.severity != "error"])


def validate(scenario: Scenario, board: Any) -> list[Finding]:
    """Raises ConfigError listing every error; returns the warnings otherwise."""
    errors, warnings = split(check(scenario, board))
    if errors:
        raise ConfigError(list(errors))
    return warnings


def run(args: argparse.Namespace) -> int:
    from .board import load_board
    # Load both files before giving up, so problems in each are reported in one run.
    failures: list[ConfigError] = []
    try:
        board = load_board(args.board)
    except ConfigError as err:
        failures.append(err)
    try:
        scenario = load_scenario(args.scenario)
    except ConfigError as err:
        failures.append(err)
    if failures:
        for err in failures:
            print(f"bulkhead-config: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    errors, warnings = split(check(scenario, board))
    for warning in warnings:
        print(warning, file=sys.stderr)
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        count = len(errors)
        print(f"bulkhead-config: {args.scenario}: {count} problem{'s' * (count != 1)} "
              f"for board {args.board}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"OK: {args.scenario} is valid for {args.board}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a scenario against a board",
        description="Check a scenario XML against its schema and against a board XML; "
        "report every problem with file, line, element path, rule and fix. Exit code 0 "
        "when valid (warnings may be printed), 2 when not.")
    parser.add_argument("--board", required=True, metavar="BOARD.xml", help="the board XML")
    parser.add_argument("--scenario", required=True, metavar="SCENARIO.xml",
                        help="the scenario XML")
    parser.set_defaults(handler=run)
