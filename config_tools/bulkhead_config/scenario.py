# SPDX-License-Identifier: BSD-3-Clause
"""The scenario model: a scenario XML, schema-checked, as frozen dataclasses.

load_scenario(path) parses the file with lxml (keeping line numbers), validates it
against schema/scenario.xsd, converts every value (sizes such as "512M", hex numbers)
and applies the defaults documented in the schema. Any problem is raised as one
ConfigError listing every problem found, each with file:line and element path; no input
produces a traceback.

Every object keeps the line and element path of the XML element it came from (`line`,
`path`), so the validator and the generator can point at the source. The mapping from
hypervisor settings to Kconfig symbols is KCONFIG_MAP, the one place it is defined.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lxml import etree

from .errors import ConfigError, Problem

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "scenario.xsd"

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
U64_MAX = (1 << 64) - 1

LOAD_ORDERS = ("pre-launched", "service", "post-launched")
VM_TYPES = ("standard", "real-time")
KERNEL_TYPES = ("elf", "bzimage", "raw", "multiboot")
VUART_TYPES = ("console", "link")
MSR_POLICIES = ("passthrough", "trap", "deny")
SCHEDULERS = ("none", "round-robin")

# CR0/CR4 guest-owned masks when a VM has no <cr0>/<cr4> element (see the policy table
# in validate.py for what may and may not be guest-owned).
DEFAULT_CR0_GUEST_OWNED = 0x5001E  # MP EM TS ET WP AM
DEFAULT_CR4_GUEST_OWNED = 0x1070F  # VME PVI TSD DE PCE OSFXSR OSXMMEXCPT FSGSBASE

_NUMBER_RE = re.compile(r"\s*(?:0[xX](?P<hex>[0-9a-fA-F]+)|(?P<dec>[0-9]+)(?P<unit>[KMG]?))\s*")
_UNITS = {"": 1, "K": KIB, "M": MIB, "G": GIB}


def parse_size(text: str) -> int:
    """Parses "0x1000", "4096", "512M", "2G" (K/M/G are binary units). ValueError if bad."""
    match = _NUMBER_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"'{text}' is not a size (write e.g. 0x20000000, 512M or 2G)")
    if match.group("hex") is not None:
        value = int(match.group("hex"), 16)
    else:
        value = int(match.group("dec"), 10) * _UNITS[match.group("unit")]
    if value > U64_MAX:
        raise ValueError(f"'{text.strip()}' does not fit in 64 bits")
    return value


def format_size(value: int) -> str:
    """The shortest exact spelling of a size: "512M", "2G", "4K" or hex."""
    for unit, scale in (("G", GIB), ("M", MIB), ("K", KIB)):
        if value and value % scale == 0:
            return f"{value // scale}{unit}"
    return hex(value)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class HypervisorSettings:
    """The <hypervisor> element with defaults applied (the Kconfig defaults)."""

    build_type: str = "debug"
    console_loglevel: int = 3
    mem_loglevel: int = 4
    serial_console: int | None = 0x3F8  # None: "none"
    load_address: int = 0x01000000
    max_pcpus: int = 16
    max_vms: int = 8
    max_vcpus_per_vm: int = 8
    heap_size: int = 4 * MIB
    stack_size: int = 16 * KIB
    scheduler: str = "none"
    line: int | None = field(default=None, compare=False)
    path: str = field(default="/scenario/hypervisor", compare=False)
    # Line of each child element that was written, by element name ("max-vms": 12).
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def line_of(self, element: str) -> int | None:
        """Line of a setting's element, or of <hypervisor>, or None (all defaulted)."""
        return self.lines.get(element, self.line)

    def path_of(self, element: str) -> str:
        return f"{self.path}/{element}"

    def kconfig(self) -> dict[str, str]:
        """The Kconfig symbols these settings set, as .config values ("y", "0x3f8", "8")."""
        out: dict[str, str] = {}
        for entry in KCONFIG_MAP:
            out.update(entry.convert(getattr(self, entry.attribute)))
        return out


@dataclass(frozen=True)
class KconfigMapping:
    """One hypervisor setting and the Kconfig symbol(s) it sets."""

    element: str  # child of <hypervisor>
    attribute: str  # HypervisorSettings field
    symbols: tuple[str, ...]
    convert: Callable[[object], dict[str, str]]


def _int_symbol(name: str) -> Callable[[object], dict[str, str]]:
    return lambda value: {name: str(value)}


def _hex_symbol(name: str) -> Callable[[object], dict[str, str]]:
    return lambda value: {name: hex(int(value))}  # type: ignore[call-overload]


def _build_type(value: object) -> dict[str, str]:
    return {"BUILD_DEBUG": "y" if value == "debug" else "n",
            "BUILD_RELEASE": "y" if value == "release" else "n"}


def _serial_console(value: object) -> dict[str, str]:
    if value is None:
        return {"SERIAL_CONSOLE": "n"}
    return {"SERIAL_CONSOLE": "y", "SERIAL_PIO_BASE": hex(int(value))}  # type: ignore


# The one place the scenario -> Kconfig mapping is defined. The scheduler has no Kconfig
# symbol: it is emitted into the generated tables.
KCONFIG_MAP: tuple[KconfigMapping, ...] = (
    KconfigMapping("build-type", "build_type", ("BUILD_DEBUG", "BUILD_RELEASE"), _build_type),
    KconfigMapping("console-loglevel", "console_loglevel", ("CONSOLE_LOGLEVEL",),
                   _int_symbol("CONSOLE_LOGLEVEL")),
    KconfigMapping("mem-loglevel", "mem_loglevel", ("MEM_LOGLEVEL",),
                   _int_symbol("MEM_LOGLEVEL")),
    KconfigMapping("serial-console", "serial_console", ("SERIAL_CONSOLE", "SERIAL_PIO_BASE"),
                   _serial_console),
    KconfigMapping("load-address", "load_address", ("HV_LOAD_ADDR",),
                   _hex_symbol("HV_LOAD_ADDR")),
    KconfigMapping("max-pcpus", "max_pcpus", ("MAX_PCPUS",), _int_symbol("MAX_PCPUS")),
    KconfigMapping("max-vms", "max_vms", ("MAX_VMS",), _int_symbol("MAX_VMS")),
    KconfigMapping("max-vcpus-per-vm", "max_vcpus_per_vm", ("MAX_VCPUS_PER_VM",),
                   _int_symbol("MAX_VCPUS_PER_VM")),
    KconfigMapping("heap-size", "heap_size", ("HEAP_SIZE",), _int_symbol("HEAP_SIZE")),
    KconfigMapping("stack-size", "stack_size", ("STACK_SIZE",), _int_symbol("STACK_SIZE")),
)


@dataclass(frozen=True)
class MemoryRegion:
    """A static region of a pre-launched VM: size bytes at host hpa, guest gpa."""

    hpa: int
    gpa: int
    size: int
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)

    @property
    def hpa_end(self) -> int:
        return self.hpa + self.size

    @property
    def gpa_end(self) -> int:
        return self.gpa + self.size


@dataclass(frozen=True)
class BootImage:
    """What a VM boots: multiboot2 module tags, kernel format, command line."""

    kernel: str
    kernel_type: str
    cmdline: str = ""
    initrd: str | None = None
    load_address: int | None = None  # raw only
    entry: int | None = None  # raw only
    kernel_file: str | None = None  # image paths on the build host, as written
    initrd_file: str | None = None
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class Vuart:
    """A virtual UART; target_vm (a VM name) and target_vuart only for links."""

    index: int
    type: str
    io_port: int
    irq: int
    target_vm: str | None = None
    target_vuart: int | None = None
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class PassthroughDevice:
    """A PCI function passed through; bdf as written in the scenario."""

    bdf: str
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class MsrPolicy:
    """The policy for one MSR; guest_owned only for trap (0 when not given)."""

    index: int
    policy: str
    guest_owned: int = 0
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class Ownership:
    """Guest-owned CR0/CR4 bits and MSR policies, defaults applied."""

    cr0_guest_owned: int = DEFAULT_CR0_GUEST_OWNED
    cr4_guest_owned: int = DEFAULT_CR4_GUEST_OWNED
    msrs: tuple[MsrPolicy, ...] = ()
    cr0_line: int | None = field(default=None, compare=False)
    cr4_line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class Vm:
    """One <vm>, defaults applied."""

    id: int
    name: str
    load_order: str
    type: str = "standard"
    cpu_affinity: tuple[int, ...] = ()
    memory_size: int | None = None  # the size attribute (service / post-launched)
    regions: tuple[MemoryRegion, ...] = ()  # static regions (pre-launched)
    boot: BootImage | None = None
    vuarts: tuple[Vuart, ...] = ()
    pci_devices: tuple[PassthroughDevice, ...] = ()
    ownership: Ownership = Ownership()
    lapic_passthrough: bool = False
    on_reset: str = "reset"  # or "stop"
    on_bad_access: str = "fault"  # or "stop"
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)
    # Lines of the child elements that were written, by name ("memory": 14), and of
    # each <pcpu> in cpu_affinity order.
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    pcpu_lines: tuple[int | None, ...] = field(default=(), compare=False)

    @property
    def total_memory(self) -> int:
        """Guest RAM in bytes: the size attribute or the sum of the regions."""
        if self.memory_size is not None:
            return self.memory_size
        return sum(r.size for r in self.regions)

    @property
    def vcpu_count(self) -> int:
        return len(self.cpu_affinity)

    def line_of(self, element: str) -> int | None:
        return self.lines.get(element, self.line)

    def path_of(self, element: str) -> str:
        return f"{self.path}/{element}"


@dataclass(frozen=True)
class SharedMemory:
    """A shared-memory region and the names of its peer VMs (in file order)."""

    name: str
    size: int
    peers: tuple[str, ...]
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)
    peer_lines: tuple[int | None, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Scenario:
    """A whole scenario file."""

    name: str
    board: str
    hypervisor: HypervisorSettings
    vms: tuple[Vm, ...]
    shared_memory: tuple[SharedMemory, ...] = ()
    file: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)

    def vm_by_name(self, name: str) -> Vm | None:
        return next((vm for vm in self.vms if vm.name == name), None)

    def vm_by_id(self, vm_id: int) -> Vm | None:
        return next((vm for vm in self.vms if vm.id == vm_id), None)

    def shared_memory_of(self, vm: Vm) -> tuple[SharedMemory, ...]:
        """The shared-memory regions vm is a peer of."""
        return tuple(s for s in self.shared_memory if vm.name in s.peers)


# --------------------------------------------------------------------------- loading

_schema: etree.XMLSchema | None = None


def _load_schema() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        try:
            _schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
        except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as err:
            raise ConfigError(f"{SCHEMA_PATH}: cannot load the scenario schema: {err}") from None
    return _schema


def _parser() -> etree.XMLParser:
    # No entities, no network, no DTD loading: a scenario is plain data.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           remove_comments=True, remove_pis=True, huge_tree=False)


# Elements that may repeat: their paths always carry a position ("region[1]").
_REPEATED = frozenset({"pcpu", "region", "vuart", "device", "msr", "peer"})


def element_path(el: etree._Element) -> str:
    """The path the tool uses for an element: vm[@id='1'], shared-memory[@name='x'],
    region[2] (1-based among same-named siblings), as in every Problem."""
    steps: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        tag = str(node.tag)
        parent = node.getparent()
        vm_id = node.get("id", "") if tag == "vm" else ""
        name = node.get("name", "") if tag == "shared-memory" else ""
        if re.fullmatch(r"\s*\+?[0-9]+\s*", vm_id):
            steps.append(f"vm[@id='{int(vm_id)}']")
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]*", name.strip()):
            steps.append(f"shared-memory[@name='{name.strip()}']")
        elif parent is not None and (tag in _REPEATED or tag in ("vm", "shared-memory") or
                                     len(parent.findall(tag)) > 1):
            same = [s for s in parent if s.tag == node.tag]
            steps.append(f"{tag}[{same.index(node) + 1}]")
        else:
            steps.append(tag)
        node = parent
    return "/" + "/".join(reversed(steps))


def _schema_path(root: etree._Element, path: str | None) -> str:
    """The tool's path for lxml's XPath of an error ("/scenario/vm[2]/memory")."""
    if not path:
        return "/"
    try:
        found = root.getroottree().xpath(path)
    except etree.XPathError:
        return path
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return element_path(found[0])
    return path


def _element_name(message: str) -> str:
    match = re.match(r"Element '([^']+)'", message)
    return match.group(1) if match else ""


class _Converter:
    """Turns the schema-valid element tree into the model, collecting problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, el: etree._Element, path: str, rule: str, message: str,
                hint: str) -> None:
        self.problems.append(Problem(self.file, el.sourceline, path, rule, message, hint))

    def number(self, el: etree._Element, attr: str | None, path: str,
               default: int | None = None, maximum: int = U64_MAX) -> int | None:
        text = el.get(attr) if attr else el.text
        if text is None:
            return default
        where = f"{path}/@{attr}" if attr else path
        try:
            value = parse_size(text)
        except ValueError as err:
            self.problem(el, where, "value-range", str(err),
                         "write a value that fits in 64 bits")
            return default
        if value > maximum:
            self.problem(el, where, "value-range",
                         f"{text.strip()} is larger than the maximum {hex(maximum)}",
                         f"write a value of at most {hex(maximum)}")
            return default
        return value

    def hypervisor(self, el: etree._Element | None) -> HypervisorSettings:
        if el is None:
            return HypervisorSettings()
        values: dict[str, object] = {}
        lines: dict[str, int] = {}
        path = "/scenario/hypervisor"
        for child in el:
            tag = child.tag
            text = (child.text or "").strip()
            lines[tag] = child.sourceline
            cpath = f"{path}/{tag}"
            if tag in ("console-loglevel", "mem-loglevel", "max-pcpus", "max-vms",
                       "max-vcpus-per-vm"):
                values[tag.replace("-", "_")] = int(text)
            elif tag in ("build-type", "scheduler"):
                values[tag.replace("-", "_")] = text
            elif tag == "serial-console":
                values["serial_console"] = None if text == "none" else int(text, 16)
            elif tag in ("heap-size", "stack-size", "load-address"):
                number = self.number(child, None, cpath)
                if number is not None:
                    values[tag.replace("-", "_")] = number
        return HypervisorSettings(line=el.sourceline, lines=lines,
                                  **values)  # type: ignore[arg-type]

    def vm(self, el: etree._Element) -> Vm:
        vm_id = int(el.get("id", "0"))
        path = f"/scenario/vm[@id='{vm_id}']"
        lines: dict[str, int] = {}
        for child in el:
            lines[child.tag] = child.sourceline
        load_order = el.findtext("load-order", "").strip()
        vm_type = (el.findtext("type") or "standard").strip()
        pcpus: list[int] = []
        pcpu_lines: list[int | None] = []
        for pcpu in el.iterfind("cpu-affinity/pcpu"):
            pcpus.append(int((pcpu.text or "").strip()))
            pcpu_lines.append(pcpu.sourceline)
        memory_size: int | None = None
        regions: list[MemoryRegion] = []
        mem = el.find("memory")
        if mem is not None:
            memory_size = self.number(mem, "size", f"{path}/memory")
            for n, reg in enumerate(mem.iterfind("region"), start=1):
                rpath = f"{path}/memory/region[{n}]"
                hpa = self.number(reg, "hpa", rpath, 0)
                gpa = self.number(reg, "gpa", rpath, 0)
                size = self.number(reg, "size", rpath, 0)
                regions.append(MemoryRegion(hpa or 0, gpa or 0, size or 0,
                                            reg.sourceline, rpath))
        boot = self.boot(el.find("boot"), f"{path}/boot")
        vuarts = []
        for n, vu in enumerate(el.iterfind("vuarts/vuart"), start=1):
            target = vu.get("target-vuart")
            vuarts.append(Vuart(
                index=int(vu.get("index", "0")), type=vu.get("type", "").strip(),
                io_port=int(vu.get("io-port", "0"), 16), irq=int(vu.get("irq", "0")),
                target_vm=vu.get("target-vm", "").strip() or None,
                target_vuart=int(target) if target is not None else None,
                line=vu.sourceline, path=f"{path}/vuarts/vuart[{n}]"))
        devices = tuple(
            PassthroughDevice(dev.get("bdf", "").strip(), dev.sourceline,
                              f"{path}/pci-passthrough/device[{n}]")
            for n, dev in enumerate(el.iterfind("pci-passthrough/device"), start=1))
        ownership = self.ownership(el.find("ownership"), f"{path}/ownership")
        lapic = (el.findtext("lapic-passthrough") or "false").strip() in ("true", "1")
        return Vm(id=vm_id, name=el.get("name", "").strip(), load_order=load_order,
                  type=vm_type, cpu_affinity=tuple(pcpus), memory_size=memory_size,
                  regions=tuple(regions), boot=boot, vuarts=tuple(vuarts),
                  pci_devices=devices, ownership=ownership, lapic_passthrough=lapic,
                  on_reset=(el.findtext("on-reset") or "reset").strip(),
                  on_bad_access=(el.findtext("on-bad-access") or "fault").strip(),
                  line=el.sourceline, path=path, lines=lines,
                  pcpu_lines=tuple(pcpu_lines))

    def boot(self, el: etree._Element | None, path: str) -> BootImage | None:
        if el is None:
            return None
        return BootImage(
            kernel=el.get("kernel", "").strip(), kernel_type=el.get("kernel-type", "").strip(),
            cmdline=(el.findtext("cmdline") or "").strip(),
            initrd=(el.get("initrd") or "").strip() or None,
            load_address=self.number(el, "load-address", path),
            entry=self.number(el, "entry", path),
            kernel_file=el.get("kernel-file") or None, initrd_file=el.get("initrd-file") or None,
            line=el.sourceline, path=path)

    def ownership(self, el: etree._Element | None, path: str) -> Ownership:
        if el is None:
            return Ownership(path=path)
        cr0 = el.find("cr0")
        cr4 = el.find("cr4")
        cr0_mask = DEFAULT_CR0_GUEST_OWNED
        cr4_mask = DEFAULT_CR4_GUEST_OWNED
        if cr0 is not None:
            cr0_mask = self.number(cr0, "guest-owned", f"{path}/cr0", cr0_mask) or 0
        if cr4 is not None:
            cr4_mask = self.number(cr4, "guest-owned", f"{path}/cr4", cr4_mask) or 0
        msrs = []
        for n, msr in enumerate(el.iterfind("msr"), start=1):
            mpath = f"{path}/msr[{n}]"
            index = self.number(msr, "index", mpath, 0, maximum=0xFFFFFFFF) or 0
            owned = self.number(msr, "guest-owned", mpath, 0) or 0
            msrs.append(MsrPolicy(index, msr.get("policy", "").strip(), owned,
                                  msr.sourceline, mpath))
        return Ownership(cr0_mask, cr4_mask, tuple(msrs),
                         cr0.sourceline if cr0 is not None else None,
                         cr4.sourceline if cr4 is not None else None, path)

    def shared_memory(self, el: etree._Element) -> SharedMemory:
        name = el.get("name", "").strip()
        path = f"/scenario/shared-memory[@name='{name}']"
        size = self.number(el, "size", path, 0) or 0
        peers = [p for p in el.iterfind("peer")]
        return SharedMemory(name, size, tuple(p.get("vm", "").strip() for p in peers),
                            el.sourceline, path, tuple(p.sourceline for p in peers))


def parse_scenario(data: bytes, file: str) -> Scenario:
    """Parses scenario XML bytes; `file` names the source in messages."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        line = err.lineno if isinstance(err.lineno, int) and err.lineno > 0 else None
        msg = err.msg if isinstance(err.msg, str) and err.msg else str(err)
        raise ConfigError([Problem(file, line, "/", "xml-syntax", f"not well-formed XML: {msg}",
                                   "fix the XML syntax at this line")]) from None
    except ValueError as err:  # e.g. an encoding declaration lxml refuses
        raise ConfigError([Problem(file, None, "/", "xml-syntax", f"not readable XML: {err}",
                                   "save the file as UTF-8 XML")]) from None
    if root.getroottree().docinfo.internalDTD is not None or \
            any(isinstance(node, etree._Entity) for node in root.iter()):
        line = root.getroottree().docinfo.internalDTD is None and root.sourceline or 1
        raise ConfigError([Problem(file, line, "/", "xml-syntax",
                                   "a scenario may not contain a DOCTYPE or entities",
                                   "remove the <!DOCTYPE ...> declaration and write the "
                                   "values out")])
    schema = _load_schema()
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError as err:
        raise ConfigError([Problem(file, None, "/", "schema", f"cannot be checked: {err}",
                                   "see config_tools/schema/scenario.xsd for the scenario "
                                   "format")]) from None
    if not valid:
        problems = []
        for entry in schema.error_log:
            element = _element_name(entry.message)
            if "not expected" in entry.message:
                hint = (f"remove <{element}> or move it to where the scenario format "
                        "allows it (config_tools/schema/scenario.xsd)")
            elif element:
                hint = (f"see the documentation of <{element}> in "
                        "config_tools/schema/scenario.xsd")
            else:
                hint = "see config_tools/schema/scenario.xsd for the scenario format"
            problems.append(Problem(file, entry.line or None, _schema_path(root, entry.path),
                                    "schema", entry.message.strip(), hint))
        problems.sort(key=lambda p: (p.line or 0))
        raise ConfigError(problems)
    conv = _Converter(file)
    hypervisor = conv.hypervisor(root.find("hypervisor"))
    vms = tuple(conv.vm(el) for el in root.iterfind("vm"))
    shmem = tuple(conv.shared_memory(el) for el in root.iterfind("shared-memory"))
    if conv.problems:
        raise ConfigError(sorted(conv.problems, key=lambda p: (p.line or 0)))
    return Scenario(name=root.get("name", "").strip(), board=root.get("board", "").strip(),
                    hypervisor=hypervisor, vms=vms, shared_memory=shmem, file=file,
                    line=root.sourceline)


def load_scenario(path: str | Path) -> Scenario:
    """Loads and schema-checks a scenario XML file; ConfigError on any problem."""
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        reason = err.strerror or str(err)
        raise ConfigError([Problem(file, None, "/", "scenario-unreadable",
                                   f"cannot read the scenario: {reason}",
                                   "check the path given with --scenario")]) from None
    return parse_scenario(data, file)
