"""Linux as a pre-launched VM in Bochs, beside a VM that keeps running.

scenario_xmls/linux.xml as it is: VM "linux" boots the kernel and busybox initramfs that
`make linux` built into the main build directory (misc/linux/; `make e2e-test` builds
them first) on 2 vCPUs; VM "monitor" runs the test guest with heartbeats forever. The
kernel gets "bulkhead.selftest", so its /init (misc/linux/init) reports what the tests
check and powers off through ACPI S5 (the generated DSDT's \\_S5 and the VM's PM1 control
register); the hypervisor runs with "vm_console_time", so every VM console line carries
the hypervisor's time (emulated time in Bochs) at its first byte.

Checked, once with APIC virtualization (haswell) and once on the software path
(arrandale, no APIC-register virtualization):
- both vCPUs online ("0-1"), both took local APIC timer interrupts, the TSC is the
  clocksource and the LAPIC (TSC-deadline) the clock event device; the PIT (IOAPIC pin
  2), the serial port (pin 4) and the SCI (pin 9) are routed through the vIOAPIC;
- "sleep 1" takes one second of the hypervisor's time (the guest's timer is right);
- poweroff stops that VM alone ("powered off (ACPI S5)") while the monitor VM keeps
  printing heartbeats afterwards; no hypervisor panic or error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from guest_scenarios import build_image, build_testguest
from harness import REPO, E2EHarness

MODELS = ["corei7_haswell_4770", "corei5_arrandale_m520"]
LINE_TIME = re.compile(r"^vm(\d)\| \[ *(\d+)\.(\d{6})\] (.*)$", re.M)
# Emulated seconds a "sleep 1" may take: the sleep itself, plus forking busybox twice
# and the echo lines around it (measured: under 0.05 s).
SLEEP_MIN, SLEEP_MAX = 1.0, 1.25


@pytest.fixture(scope="module")
def testguest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_testguest(tmp_path_factory.mktemp("testguest"))


def linux_files() -> tuple[Path, Path]:
    build = Path(os.environ.get("BULKHEAD_BUILD", REPO / "build"))
    kernel, initrd = build / "linux" / "bzImage", build / "linux" / "initramfs.cpio.lz4"
    assert kernel.is_file() and initrd.is_file(), \
        f"no Linux guest in {build / 'linux'}: run `make linux` (make e2e-test does)"
    return kernel, initrd


def linux_image(tmp_path: Path, guest: Path) -> Path:
    """The linux sample with absolute image paths and the self-test; returns its ISO."""
    kernel, initrd = linux_files()
    xml = (REPO / "scenario_xmls" / "linux.xml").read_text()
    xml = xml.replace("@build/linux/bzImage", str(kernel))
    xml = xml.replace("@build/linux/initramfs.cpio.lz4", str(initrd))
    xml = xml.replace("@build/guests/testguest.elf", str(guest))
    xml = xml.replace("<cmdline>console=ttyS0,115200</cmdline>",
                      "<cmdline>console=ttyS0,115200 bulkhead.selftest</cmdline>")
    assert "bulkhead.selftest" in xml and "@build" not in xml
    scenario = tmp_path / "linux.xml"
    scenario.write_text(xml)
    out = tmp_path / "out"
    elf = build_image(scenario, out)
    iso = tmp_path / "linux.iso"
    subprocess.run([sys.executable, str(REPO / "misc" / "mkiso.py"), "--out", str(iso),
                    "--hypervisor", str(elf), "--build-dir", str(out),
                    "--cmdline", "vm_console_time",
                    "--modules-from", str(out / "generated" / "modules.list")],
                   check=True, capture_output=True, text=True)
    return iso


def timed_lines(text: str, vm: int) -> list[tuple[float, str]]:
    return [(int(s) + int(us) / 1e6, line) for v, s, us, line in LINE_TIME.findall(text)
            if int(v) == vm]


def when(lines: list[tuple[float, str]], marker: str) -> float:
    found = [t for t, line in lines if line == marker]
    assert len(found) == 1, (marker, found)
    return found[0]


@pytest.mark.parametrize("model", MODELS)
def test_linux_boots_keeps_time_and_powers_off_alone(tmp_path: Path, hv: E2EHarness,
                                                      testguest: Path, model: str) -> None:
    iso = linux_image(tmp_path, testguest)
    boot = hv.boot(cpus=4, model=model, iso=iso, budget=240)
    boot.expect(r"vm0 \(linux\): stopped: powered off \(ACPI S5\)")
    stopped = len(boot.text)
    # The monitor VM goes on: two more heartbeats after the stop.
    for _ in range(2):
        match = boot.expect(r"vm1\| \[ *[\d.]+\] testguest: alive \d+", start=stopped)
        stopped = match.end()
    boot.stop()
    text = boot.text

    assert "PANIC" not in text and " E: " not in text, text[-3000:]
    linux = timed_lines(text, 0)
    said = [line for _, line in linux if line.startswith("bulkhead-linux: ")]
    assert "bulkhead-linux: init" in said, said
    assert "bulkhead-linux: cpus online 0-1" in said, said
    # tsc-early until Linux's delayed TSC work runs (a second after boot): TSC either way.
    assert {"bulkhead-linux: clocksource tsc", "bulkhead-linux: clocksource tsc-early"} & \
        set(said), said
    assert "bulkhead-linux: clockevent lapic-deadline" in said, said
    loc = [line for line in said if re.match(r"bulkhead-linux: interrupts LOC:", line)]
    assert len(loc) == 1, said
    counts = [int(n) for n in loc[0].split(":", 2)[2].split()[:2]]
    assert len(counts) == 2 and all(n > 0 for n in counts), loc  # both CPUs' timers ran
    for pin, name in (("2-edge", "timer"), ("4-edge", "ttyS0"), ("9-fasteoi", "acpi")):
        assert any("IO-APIC" in line and pin in line and line.endswith(name)
                   for line in said), (pin, name, said)
    # The PIT's interrupts arrived (Linux counts them while it checks the timer path).
    pit = [line for line in said if line.endswith("2-edge      timer")]
    assert pit and int(pit[0].split()[3]) > 0, pit

    slept = when(linux, "bulkhead-linux: sleep 1 ends") - \
        when(linux, "bulkhead-linux: sleep 1 begins")
    assert SLEEP_MIN <= slept <= SLEEP_MAX, f"sleep 1 took {slept:.6f} s of hypervisor time"

    assert "bulkhead-linux: poweroff" in said, said
    assert "bulkhead-linux: still running after poweroff" not in said, said
    assert re.search(r"vm0 \(linux\): stopped: powered off \(ACPI S5\)", text)
    assert not re.search(r"vm1 \(monitor\): stopped", text)
