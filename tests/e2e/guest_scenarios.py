"""Scenarios that run the test guest (tests/guests/) in place of real kernels.

The e2e tests take a sample scenario from scenario_xmls/ unchanged (VMs, CPUs, memory,
vUARTs, ownership) and swap each VM's <boot> for the multiboot test guest with a command
line chosen by the test (or for the ELF64 test guest, which takes no command line), then
build the image with `make BOARD=... SCENARIO=...`.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Mapping

REPO = Path(__file__).resolve().parents[2]


def make(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Runs make in the repository; a failure shows make's output."""
    result = subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, text=True,
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"make {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def build_testguest(out: Path) -> Path:
    """Builds tests/guests into out; returns the multiboot ELF. The ELF64 image is built
    beside it: elf64_guest_of() names it."""
    make("-C", str(REPO / "tests" / "guests"), f"O={out}")
    elf = out / "testguest.elf"
    assert elf.is_file(), f"{elf} was not built"
    assert elf64_guest_of(elf).is_file(), f"{elf64_guest_of(elf)} was not built"
    return elf


def elf64_guest_of(guest: Path) -> Path:
    """The ELF64 test guest (kernel-type "elf", 64-bit entry) built with guest."""
    return guest.with_name("testguest64.elf")


def with_testguest(sample: str, guest: Path, cmdlines: Mapping[str, str], out: Path,
                   settings: Mapping[str, Mapping[str, str]] | None = None,
                   kernels: Mapping[str, tuple[str, Path]] | None = None) -> Path:
    """Writes scenario_xmls/<sample>.xml with every VM in cmdlines booting the test guest.

    cmdlines maps VM names to the guest's command line ("": no <cmdline>); VMs not named
    keep their boot. settings maps VM names to child elements to set
    ({"on-reset": "stop"}). kernels maps VM names to the kernel-type and kernel-file they
    boot instead of ("multiboot", guest), e.g. ("elf", elf64_guest_of(guest)).
    Returns the new scenario file.
    """
    tree = ET.parse(REPO / "scenario_xmls" / f"{sample}.xml")
    seen = set()
    for vm in tree.getroot().iter("vm"):
        name = vm.findtext("name", "").strip() or vm.get("name", "")
        if name not in cmdlines:
            continue
        seen.add(name)
        boot = vm.find("boot")
        assert boot is not None, f"VM {name} of {sample} has no <boot>"
        position = list(vm).index(boot)
        vm.remove(boot)
        kernel_type, kernel_file = (kernels or {}).get(name, ("multiboot", guest))
        new = ET.Element("boot", {"kernel": f"testguest-{name}", "kernel-type": kernel_type,
                                  "kernel-file": str(kernel_file)})
        if cmdlines[name]:
            ET.SubElement(new, "cmdline").text = cmdlines[name]
        new.tail = boot.tail
        vm.insert(position, new)
        for tag, text in (settings or {}).get(name, {}).items():
            element = vm.find(tag)
            if element is None:
                element = ET.SubElement(vm, tag)
            element.text = text
    assert set(kernels or {}) <= set(cmdlines), "kernels names a VM that cmdlines does not"
    missing = set(cmdlines) - seen
    assert not missing, f"{sample} has no VM named {sorted(missing)}"
    out.parent.mkdir(parents=True, exist_ok=True)
    tree.write(out, encoding="UTF-8", xml_declaration=True)
    return out


def build_image(scenario: Path, out: Path, board: str = "bochs") -> Path:
    """make O=out BOARD=board SCENARIO=scenario image; returns the hypervisor ELF."""
    make(f"O={out}", f"BOARD={board}", f"SCENARIO={scenario}", "-j2", "image")
    return out / "bulkhead.elf"
