# SPDX-License-Identifier: BSD-3-Clause
"""bulkhead-config generate: board + scenario -> the hypervisor's configuration tables.

Output, in the build directory given with --out:
  vm_configs.c      the VM table, shared-memory table and board facts
                    (hypervisor/include/bulkhead/vm_config.h), clang-formatted, with
                    each pre-launched VM's ACPI tables as a byte array (acpi_tables.py)
  scenario.config   a Kconfig fragment with the scenario's hypervisor settings
  modules.list      the guest images to put on the boot ISO: "<path> <tag>" per line
  acpi/vmN/         for each pre-launched VM N, its ACPI tables for people and tools:
                    rsdp.dat, facs.dat, xsdt.dat, rsdt.dat, facp.dat, dsdt.dat,
                    apic.dat (`iasl -d` disassembles all but the RSDP) and layout.txt

The inputs are validated first; on any problem nothing is written. The output is
byte-for-byte deterministic.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from . import acpi_tables, cemit
from .acpi_tables import AcpiTables
from .board import Board, load_board
from .scenario import Scenario
from .errors import EXIT_OK, ConfigError
from .output import clang_format, write_all
from .pci_routing import intx_routes


def cpu_index(board: Board) -> dict[int, int]:
    """Board CPU id -> hypervisor CPU index (the boot CPU first, then MADT order, as
    the inspector lists them; board_check() verifies this at boot)."""
    return {cpu.id: index for index, cpu in enumerate(sorted(board.cpus, key=lambda c: c.id))}


def board_tables(board: Board) -> str:
    """C definitions of board_config and its arrays."""
    cpus = sorted(board.cpus, key=lambda c: c.id)
    out = []
    fields = [("name", cemit.c_string(board.name)), ("cpu_count", str(len(cpus)))]
    if cpus:
        out.append(cemit.c_array("u32", "board_apic_ids", [str(c.apic_id) for c in cpus]))
        fields.append(("apic_ids", "board_apic_ids"))
    if board.ioapics:
        out.append(cemit.c_array("struct board_ioapic", "board_ioapics", [
            cemit.c_designated([("id", str(io.id)), ("address", cemit.c_hex(io.address)),
                                ("gsi_base", str(io.gsi_base))])
            for io in sorted(board.ioapics, key=lambda i: i.gsi_base)]))
        fields += [("ioapic_count", str(len(board.ioapics))), ("ioapics", "board_ioapics")]
    if board.iommu_units:
        out.append(cemit.c_array("struct board_iommu", "board_iommus", [
            cemit.c_designated([("address", cemit.c_hex(u.address)),
                                ("segment", str(u.segment)),
                                ("include_pci_all", cemit.c_bool(u.include_pci_all))])
            for u in sorted(board.iommu_units, key=lambda u: (u.segment, u.address))]))
        fields += [("iommu_count", str(len(board.iommu_units))), ("iommus", "board_iommus")]
    ports = sorted((p.name, p.io_port) for p in board.serial_ports if p.io_port)
    if ports:
        fields.append(("serial_port", f"0x{ports[0][1]:x}"))
    out.append(f"const struct board_config board_config = {cemit.c_designated(fields)};\n")
    return "\n".join(out)


LOAD_ORDER_ENUM = {"pre-launched": "VM_PRE_LAUNCHED", "service": "VM_SERVICE",
                   "post-launched": "VM_POST_LAUNCHED"}
VM_TYPE_ENUM = {"standard": "VM_STANDARD", "real-time": "VM_REAL_TIME"}
KERNEL_TYPE_ENUM = {"elf": "KERNEL_ELF", "bzimage": "KERNEL_BZIMAGE", "raw": "KERNEL_RAW",
                    "multiboot": "KERNEL_MULTIBOOT"}
VUART_TYPE_ENUM = {"console": "VUART_CONSOLE", "link": "VUART_LINK"}
BAR_TYPE_ENUM = {"io": "PCI_BAR_IO", "mem32": "PCI_BAR_MEM32", "mem64": "PCI_BAR_MEM64"}
MSR_POLICY_ENUM = {"passthrough": "MSR_PASSTHROUGH", "trap": "MSR_TRAP", "deny": "MSR_DENY"}


def _bdf_fields(bdf: str) -> list[tuple[str, str]]:
    """'SSSS:BB:DD.F' (normalized) -> segment, bus and devfn initializers."""
    segment, bus, devfn = bdf.split(":")
    dev, func = devfn.split(".")
    return [("segment", str(int(segment, 16))), ("bus", str(int(bus, 16))),
            ("devfn", f"0x{(int(dev, 16) << 3) | int(func, 16):02x}")]


def acpi_array(name: str, tables: AcpiTables) -> str:
    """The C byte array of one VM's ACPI blob, each table under a comment."""
    chunks: list[tuple[str, bytes]] = []
    end = 0
    for table in sorted(tables.tables, key=lambda t: t.offset):
        if table.offset > end:
            chunks.append(("padding", bytes(table.offset - end)))
        chunks.append((f"{table.offset:#05x}: {table.title} at GPA {table.gpa:#x}, "
                       f"{len(table.data)} bytes", table.data))
        end = table.offset + len(table.data)
    return cemit.c_byte_array(name, chunks)


def vplatform_asserts() -> str:
    """Compile-time checks that the tables were generated for the vplatform.h the
    hypervisor is built with."""
    lines = ["/*\n * The ACPI tables below describe this virtual platform: the copy of\n"
             " * bulkhead/vplatform.h in config_tools/bulkhead_config/acpi_tables.py.\n */"]
    for macro, value in acpi_tables.VPLATFORM.items():
        lines.append(f"_Static_assert({macro} == {value:#x}, \"{macro} differs from "
                     "acpi_tables.py\");")
    return "\n".join(lines) + "\n"


def vm_tables(scenario: Scenario, board: Board, acpi: dict[int, AcpiTables]) -> str:
    """C definitions of vm_configs[], shmem_configs[] and their counts; acpi holds the
    ACPI tables by VM index (pre-launched VMs only)."""
    from .board import normalize_bdf

    cpus = cpu_index(board)
    vms = sorted(scenario.vms, key=lambda v: v.id)
    index_of = {vm.name: i for i, vm in enumerate(vms)}
    shmems = sorted(scenario.shared_memory, key=lambda s: s.name)
    out: list[str] = []
    entries: list[str] = []
    for i, vm in enumerate(vms):
        prefix = f"vm{i}"
        fields = [
            ("name", cemit.c_string(vm.name)),
            ("load_order", LOAD_ORDER_ENUM[vm.load_order]),
            ("type", VM_TYPE_ENUM[vm.type]),
            ("pcpu_bitmap", cemit.c_hex(cemit.bitmap(cpus[p] for p in vm.cpu_affinity))),
            ("vcpu_count", str(vm.vcpu_count)),
            ("lapic_passthrough", cemit.c_bool(vm.lapic_passthrough)),
            ("memory_size", cemit.c_hex(vm.total_memory)),
        ]
        if vm.regions:
            out.append(cemit.c_array("struct vm_mem_region", f"{prefix}_mem_regions", [
                cemit.c_designated([("gpa", cemit.c_hex(r.gpa)), ("hpa", cemit.c_hex(r.hpa)),
                                    ("size", cemit.c_hex(r.size))])
                for r in sorted(vm.regions, key=lambda r: r.gpa)]))
            fields += [("mem_regions", f"{prefix}_mem_regions"),
                       ("mem_region_count", str(len(vm.regions)))]
        if vm.boot is not None:
            boot = [("kernel_type", KERNEL_TYPE_ENUM[vm.boot.kernel_type]),
                    ("kernel_tag", cemit.c_string(vm.boot.kernel)),
                    ("initrd_tag", cemit.c_string(vm.boot.initrd)),
                    ("cmdline", cemit.c_string(vm.boot.cmdline))]
            if vm.boot.load_address is not None:
                boot.append(("load_addr", cemit.c_hex(vm.boot.load_address)))
            if vm.boot.entry is not None:
                boot.append(("entry", cemit.c_hex(vm.boot.entry)))
            fields.append(("boot", cemit.c_designated(boot)))
        if vm.vuarts:
            items = []
            for u in sorted(vm.vuarts, key=lambda u: u.index):
                vfields = [("index", str(u.index)), ("type", VUART_TYPE_ENUM[u.type]),
                           ("io_port", f"0x{u.io_port:x}"), ("irq", str(u.irq))]
                if u.type == "link":
                    vfields += [("target_vm", str(index_of[u.target_vm])),
                                ("target_vuart", str(u.target_vuart))]
                items.append(cemit.c_designated(vfields))
            out.append(cemit.c_array("struct vuart_config", f"{prefix}_vuarts", items))
            fields += [("vuarts", f"{prefix}_vuarts"), ("vuart_count", str(len(items)))]
        if vm.pci_devices:
            bdfs = sorted(normalize_bdf(d.bdf) for d in vm.pci_devices)
            routes = intx_routes(vm, board)
            items = []
            for n, bdf in enumerate(bdfs):
                info = board.pci_device(bdf)
                dfields = _bdf_fields(bdf) + [("vendor", f"0x{info.vendor:04x}"),
                                              ("device", f"0x{info.device:04x}")]
                if info.bars:
                    name = f"{prefix}_pci{n}_bars"
                    out.append(cemit.c_array("struct pci_bar_config", name, [
                        cemit.c_designated([
                            ("index", str(b.index)), ("type", BAR_TYPE_ENUM[b.type]),
                            ("prefetchable", cemit.c_bool(b.prefetchable)),
                            ("address", cemit.c_hex(b.address)), ("size", cemit.c_hex(b.size))])
                        for b in sorted(info.bars, key=lambda b: b.index)]))
                    dfields += [("bars", name), ("bar_count", str(len(info.bars)))]
                route = routes.get(bdf)
                if route is not None and route.guest_gsi is not None:
                    dfields += [("intx_pin", str(route.pin)), ("host_gsi", str(route.host_gsi)),
                                ("host_gsi_active_low", cemit.c_bool(route.active_low)),
                                ("guest_gsi", str(route.guest_gsi))]
                items.append(cemit.c_designated(dfields))
            out.append(cemit.c_array("struct pci_passthrough_config", f"{prefix}_pci_devices",
                                     items))
            fields += [("pci_devices", f"{prefix}_pci_devices"),
                       ("pci_device_count", str(len(bdfs)))]
        shm_bits = cemit.bitmap(j for j, s in enumerate(shmems) if vm.name in s.peers)
        fields.append(("shmem_bitmap", cemit.c_hex(shm_bits)))
        own = [("cr0_guest_owned", cemit.c_hex(vm.ownership.cr0_guest_owned)),
               ("cr4_guest_owned", cemit.c_hex(vm.ownership.cr4_guest_owned))]
        if vm.ownership.msrs:
            out.append(cemit.c_array("struct msr_policy_config", f"{prefix}_msrs", [
                cemit.c_designated([("index", f"0x{m.index:x}"),
                                    ("policy", MSR_POLICY_ENUM[m.policy]),
                                    ("guest_owned_mask", cemit.c_hex(m.guest_owned))])
                for m in sorted(vm.ownership.msrs, key=lambda m: m.index)]))
            own += [("msrs", f"{prefix}_msrs"), ("msr_count", str(len(vm.ownership.msrs)))]
        fields.append(("ownership", cemit.c_designated(own)))
        # The defaults (reset, fault) are VM_POLICY_DEFAULT, the zero value: only
        # "stop" is written out.
        if vm.on_reset == "stop":
            fields.append(("reset_policy", "VM_POLICY_STOP"))
        if vm.on_bad_access == "stop":
            fields.append(("bad_access_policy", "VM_POLICY_STOP"))
        if i in acpi:
            out.append(acpi_array(f"{prefix}_acpi_tables", acpi[i]))
            out.append(f"_Static_assert(sizeof({prefix}_acpi_tables) <= VPLAT_ACPI_MAX, "
                       f"\"the ACPI tables of VM {i} exceed VPLAT_ACPI_MAX\");\n")
            fields += [("acpi_tables", f"{prefix}_acpi_tables"),
                       ("acpi_tables_size", f"sizeof({prefix}_acpi_tables)")]
        entries.append(cemit.c_designated(fields))

    if entries:
        out.append(cemit.c_array("struct vm_config", "vm_configs", entries, static=False))
    else:
        out.append("const struct vm_config vm_configs[1];\n")
    out.append(f"const size_t vm_configs_count = {len(entries)};\n")
    # Compile-time checks against the Kconfig capacities the tables are built with.
    out.append(f"_Static_assert({len(entries)} <= CONFIG_MAX_VMS, "
               f"\"more VMs than CONFIG_MAX_VMS\");\n")
    if entries:
        most = max(vm.vcpu_count for vm in vms)
        out.append(f"_Static_assert({most} <= CONFIG_MAX_VCPUS_PER_VM, "
                   f"\"a VM has more vCPUs than CONFIG_MAX_VCPUS_PER_VM\");\n")
    if shmems:
        # hpa 0: the hypervisor allocates the region at boot.
        out.append(cemit.c_array("struct shmem_config", "shmem_configs", [
            cemit.c_designated([("name", cemit.c_string(s.name)), ("hpa", "0"),
                                ("size", cemit.c_hex(s.size)),
                                ("peer_bitmap", cemit.c_hex(cemit.bitmap(
                                    index_of[p] for p in s.peers)))])
            for s in shmems], static=False))
    else:
        out.append("const struct shmem_config shmem_configs[1];\n")
    out.append(f"const size_t shmem_configs_count = {len(shmems)};\n")
    return "\n".join(out)


def kconfig_fragment(scenario: Scenario) -> str:
    lines = [f"# Generated by bulkhead-config from scenario {scenario.name}: do not edit."]
    for symbol, value in sorted(scenario.hypervisor.kconfig().items()):
        lines.append(f"# CONFIG_{symbol} is not set" if value == "n"
                     else f"CONFIG_{symbol}={value}")
    return "\n".join(lines) + "\n"


BUILD_DIR_PREFIX = "@build/"
ACPI_DIR = "acpi"


def module_list(scenario: Scenario) -> str:
    """The guest images for the ISO, one 'PATH TAG' per line, for images the scenario
    gives a file for (paths are resolved against the scenario file's folder; paths that
    start with @build/ are left for the ISO builder to resolve in the build directory)."""
    base = Path(scenario.file).resolve().parent
    lines = ["# Generated by bulkhead-config: guest images for the boot ISO."]
    seen = set()
    for vm in sorted(scenario.vms, key=lambda v: v.id):
        boot = vm.boot
        if boot is None:
            continue
        for tag, file in ((boot.kernel, getattr(boot, "kernel_file", None)),
                          (boot.initrd, getattr(boot, "initrd_file", None))):
            if tag and file and tag not in seen:
                seen.add(tag)
                path = file if file.startswith(BUILD_DIR_PREFIX) else (base / file).resolve()
                lines.append(f"{path} {tag}")
    return "\n".join(lines) + "\n"


def vm_acpi_tables(scenario: Scenario) -> dict[int, AcpiTables]:
    """The ACPI tables of each pre-launched VM, by VM index; ConfigError naming the VM
    when its tables do not fit (the validator has normally said so already)."""
    vms = sorted(scenario.vms, key=lambda v: v.id)
    return {i: acpi_tables.vm_tables(vm, scenario.file)
            for i, vm in enumerate(vms) if acpi_tables.wants_tables(vm)}


def acpi_files(acpi: dict[int, AcpiTables]) -> dict[str, str | bytes]:
    """acpi/vmN/<table>.dat (the raw tables) and acpi/vmN/layout.txt per VM."""
    files: dict[str, str | bytes] = {}
    for i, tables in sorted(acpi.items()):
        lines = [f"# ACPI tables of VM {i}, copied by the hypervisor to guest-physical "
                 f"{acpi_tables.VPLAT_ACPI_GPA:#x}: {len(tables.blob)} bytes.",
                 "# file      table  offset  guest-physical  length"]
        for table in sorted(tables.tables, key=lambda t: t.offset):
            files[f"{ACPI_DIR}/vm{i}/{table.name}.dat"] = table.data
            lines.append(f"{table.name + '.dat':<10}  {table.title:<5}  {table.offset:#06x}  "
                         f"{table.gpa:#14x}  {len(table.data):6}")
        files[f"{ACPI_DIR}/vm{i}/layout.txt"] = "\n".join(lines) + "\n"
    return files


def generate(board_path: str, scenario_path: str) -> dict[str, str | bytes]:
    """Validates and returns the output files (relative path -> text, or bytes for the
    binary ACPI tables); raises ConfigError."""
    from .scenario import load_scenario
    from .validate import check

    board = load_board(board_path)
    scenario = load_scenario(scenario_path)
    problems = [p for p in check(scenario, board) if getattr(p, "severity", "error") == "error"]
    if problems:
        raise ConfigError(problems)
    acpi = vm_acpi_tables(scenario)
    sources = f"{Path(board_path).name} and {Path(scenario_path).name}"
    origin = f"scenario {scenario.name} on board {board.name}"
    c_text = "\n".join([
        cemit.GENERATED_HEADER.format(sources=sources),
        "#include <bulkhead/vm_config.h>",
        *(["#include <bulkhead/vplatform.h>"] if acpi else []),
        "",
        f"const char vm_config_origin[] = {cemit.c_string(origin)};\n",
        board_tables(board),
        *([vplatform_asserts()] if acpi else []),
        vm_tables(scenario, board, acpi),
    ])
    return {
        "vm_configs.c": clang_format(c_text, "vm_configs.c"),
        "scenario.config": kconfig_fragment(scenario),
        "modules.list": module_list(scenario),
        **acpi_files(acpi),
    }


def run(args: argparse.Namespace) -> int:
    files = generate(args.board, args.scenario)
    # acpi/ holds the tables of the current pre-launched VMs only: older vmN/ go.
    write_all(Path(args.out), files, prune=ACPI_DIR)
    names = sorted({name.rsplit("/", 1)[0] + "/" if "/" in name else name
                    for name in files}, key=lambda n: ("/" in n, n))
    print(f"generated {', '.join(names)} in {args.out}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate", help="validate a scenario against a board and write the C tables "
        "(with the ACPI tables of pre-launched VMs)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Validate SCENARIO against BOARD, then write into OUT:\n"
        "  vm_configs.c     the hypervisor's configuration tables, with the ACPI tables\n"
        "                   of every pre-launched VM as a byte array (the hypervisor\n"
        "                   copies them to guest-physical "
        f"{acpi_tables.VPLAT_ACPI_GPA:#x}, VPLAT_ACPI_GPA)\n"
        "  scenario.config  the Kconfig fragment of the scenario's <hypervisor>\n"
        "  modules.list     the guest images for the boot ISO\n"
        "  acpi/vmN/        the same ACPI tables of pre-launched VM N as files, for\n"
        "                   reading: rsdp.dat facs.dat xsdt.dat rsdt.dat facp.dat\n"
        "                   dsdt.dat apic.dat (disassemble with `iasl -d`; iasl cannot\n"
        "                   read a lone RSDP) and layout.txt (offset and address of each)\n"
        "Nothing is written if any check fails; acpi/vmN/ of VMs that are no longer\n"
        "pre-launched are removed.")
    parser.add_argument("--board", required=True, help="board XML (board_xmls/*.xml)")
    parser.add_argument("--scenario", required=True, help="scenario XML (scenario_xmls/*.xml)")
    parser.add_argument("--out", required=True, help="output directory (the build's generated/)")
    parser.set_defaults(handler=run)
