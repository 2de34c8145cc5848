"""The emulated PC platform of a pre-launched VM, checked from inside by the test guest.

scenario_xmls/partitioned.xml with the test guest in both VMs. VM linux-a (2 vCPUs)
runs every platform group of the guest (tests/guests/README.md, "Platform checks"):
its ACPI tables (generated from the scenario), the ACPI PM timer, the local APIC in
xAPIC and x2APIC mode (timer one-shot/periodic/TSC-deadline, TPR/PPR/ISR/IRR, EOI,
self-IPIs), IPIs between its vCPUs (physical, logical, shorthands, NMI), the IOAPIC
(PIT on GSI 2), the 8259 pair (ExtINT through LINT0), the CMOS RTC and the SCI
(level-triggered, remote IRR); then it powers itself off through ACPI S5. VM linux-b
keeps printing heartbeats, before and after linux-a stops.

The same groups pass in QEMU (tests/guests), the reference models. Here they run once
with APIC virtualization (haswell: APIC-register virtualization, virtual-interrupt
delivery) and once on the software path (arrandale, which has neither).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from guest_scenarios import build_image, build_testguest, with_testguest
from harness import E2EHarness

MODELS = ["corei7_haswell_4770", "corei5_arrandale_m520"]
GROUPS = "acpi,pmtimer,lapic,ipi,ioapic,pic,rtc,sci"
PLATFORM = f"name=linux-a vcpus=2 tests={GROUPS} heartbeat=1 shutdown=s5"
MONITOR = "name=linux-b vcpus=2 tests=cpuid heartbeat=0"
# Checks every run must PASS (the groups print more; none may FAIL or SKIP).
MUST_PASS = [
    "acpi.checksums", "acpi.madt_cpus", "acpi.fadt", "acpi.s5", "pmtimer.rate",
    "ioapic.pit_interrupts", "ioapic.masked", "pic.extint_interrupts", "pic.eoi_clears_isr",
    "rtc.time", "rtc.periodic", "sci.level_remote_irr",
] + [f"lapic.{mode}_{check}" for mode in ("xapic", "x2apic") for check in (
    "tpr_holds_irr", "isr_in_handler", "eoi_clears_isr", "ppr", "nested_preempts",
    "timer_oneshot", "timer_periodic", "timer_masked", "tsc_deadline",
    "tsc_deadline_cleared")] + [f"ipi.{mode}_{check}" for mode in ("xapic", "x2apic")
                                for check in ("fixed_to_ap", "fixed_from_ap", "logical",
                                              "all_excluding_self", "nmi")]
VERDICT = re.compile(r"^vm0\| testguest: (PASS|FAIL|SKIP) ([\w.]+)(.*)$", re.M)


@pytest.fixture(scope="module")
def testguest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_testguest(tmp_path_factory.mktemp("testguest"))


@pytest.mark.parametrize("model", MODELS)
def test_platform_devices_from_inside_a_vm(tmp_path: Path, hv: E2EHarness, testguest: Path,
                                           model: str) -> None:
    scenario = with_testguest("partitioned", testguest,
                              {"linux-a": PLATFORM, "linux-b": MONITOR}, tmp_path / "s.xml")
    build_image(scenario, tmp_path / "out")
    boot = hv.boot(cpus=4, model=model, iso=tmp_path / "out" / "bulkhead.iso", budget=300)
    boot.expect(r"vm0 \(linux-a\): stopped: powered off \(ACPI S5\)")
    after = len(boot.text)
    for _ in range(2):  # linux-b goes on
        after = boot.expect(r"vm1\| testguest: alive \d+", start=after).end()
    boot.stop()
    text = boot.text

    assert "PANIC" not in text and " E: " not in text, text[-3000:]
    verdicts = VERDICT.findall(text)
    bad = [f"{v} {name}{rest}" for v, name, rest in verdicts if v != "PASS"]
    assert not bad, "\n".join(bad)
    passed = {name for v, name, _ in verdicts if v == "PASS"}
    missing = [name for name in MUST_PASS if name not in passed]
    assert not missing, missing
    assert re.search(r"^vm0\| testguest: done: \d+ passed, 0 failed", text, re.M)
    assert re.search(r"^vm0\| testguest: shutdown: requesting S5", text, re.M)
    assert not re.search(r"vm1 \(linux-b\): stopped", text)
