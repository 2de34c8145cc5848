"""Pre-launched VMs in Bochs: the partitioned scenario with the test guest in both VMs.

scenario_xmls/partitioned.xml is used as it is (two VMs with two physical CPUs each,
static memory, vUARTs, VM linux-b's ownership table with IA32_MISC_ENABLE denied), only
the kernels are the test guest (tests/guests/), which checks from inside each VM what
the VM sees: CPUID, control-register and MSR behaviour, port I/O, its memory, accesses
outside it, XSETBV/XGETBV, hypercalls (VMCALL), starting its AP with INIT and start-up
IPIs (linux-a through the x2APIC, which the vLAPIC offers on every model, linux-b through the
xAPIC page), the vUART link between the two VMs (vUART 1 at port 0x2f8 in both), and a
guest reset. Each VM's console vUART shows on the hypervisor console as "vmN| ..." lines.

Isolation: VM linux-a pokes guest-physical addresses outside its RAM, among them
0x12200000, which is where linux-b's guest-physical 0x200000 lives in host memory (the
classic gpa == peer hpa attack); linux-b writes a pattern there first and re-checks it in
every heartbeat. VM linux-b resets itself once (by a method that varies with the CPU
model) while linux-a keeps running.

The 64-bit entry: VM linux-b boots the ELF64 build of the guest (testguest64.elf) as
kernel-type "elf", which the hypervisor enters in 64-bit mode without a command line.
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest

from guest_scenarios import build_image, build_testguest, elf64_guest_of, with_testguest
from harness import REPO, E2EHarness

# (Bochs model, how linux-b resets itself): one with APIC virtualization (haswell), the
# richest one (skylake_x), one without APIC-register virtualization (arrandale).
MODELS = [
    ("corei7_haswell_4770", "cf9"),
    ("corei7_skylake_x", "kbd"),
    ("corei5_arrandale_m520", "triple"),
]

LINUX_A = ("name=linux-a vcpus=2 isolation=0x10000000,0x12200000,0x22000000,0x100000000 "
           "pattern=0x300000 heartbeat=0 link=0x2f8 peer=linux-b")
LINUX_B = ("name=linux-b vcpus=2 deny_msrs=0x1a0 isolation=0x14000000,0x80000000 "
           "pattern=0x200000 heartbeat=0 apic=xapic reset={reset} link=0x2f8 peer=linux-a")

# Bochs models whose CPUID has no XSAVE (Westmere): the xcr checks are SKIPped there. The
# vLAPIC offers x2APIC on every model, so linux-a always starts its AP through the MSRs.
NO_XSAVE = {"corei5_arrandale_m520"}
XCR_CHECKS = ("cpuid_osxsave", "xsetbv_x87_sse", "xsetbv_x87_clear_gp", "xsetbv_ecx1_gp",
              "xsetbv_unsupported_gp", "xsetbv_avx_without_sse_gp")
SMP_CHECKS = ("ap1_started", "ap1_apic_id", "sipi_ignored_when_running")
HYPERCALL_CHECKS = ("unknown_id", "api_version_denied", "user_ud")

DONE = re.compile(r"^vm(\d)\| testguest: done: (\d+) passed, (\d+) failed", re.M)


@pytest.fixture(scope="module")
def testguest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_testguest(tmp_path_factory.mktemp("testguest"))


def vm_lines(text: str, vm: int) -> list[str]:
    prefix = f"vm{vm}| "
    return [line[len(prefix):] for line in text.splitlines() if line.startswith(prefix)]


def verdicts(lines: list[str], check: str) -> list[str]:
    """The lines that report check ("PASS smp.ap1_started (x2APIC, ...)"), in order."""
    pattern = re.compile(rf"^testguest: (PASS|FAIL|SKIP) {re.escape(check)}(:| \(|$)")
    return [line[len("testguest: "):] for line in lines if pattern.match(line)]


@pytest.mark.bochs
@pytest.mark.parametrize("model,reset", MODELS)
def test_partitioned_vms_run_isolated(tmp_path: Path, hv: E2EHarness, testguest: Path,
                                      model: str, reset: str) -> None:
    scenario = with_testguest("partitioned", testguest,
                              {"linux-a": LINUX_A, "linux-b": LINUX_B.format(reset=reset)},
                              tmp_path / "partitioned-testguest.xml")
    out = tmp_path / "out"
    hv.elf = build_image(scenario, out)
    boot = hv.boot("bochs", cpus=4, model=model, iso=out / "bulkhead.iso", budget=240)

    # linux-b: tests, reset, tests again on boot 2; then linux-a must still be alive.
    boot.expect(re.compile(rf"vm1\| testguest: PASS reset\.{reset} \(boot 2\)"))
    after_reset = len(boot.text)
    boot.expect(re.compile(r"vm0\| testguest: alive \d+ pattern ok"), start=after_reset)
    boot.expect(re.compile(r"vm1\| testguest: alive \d+ pattern ok"), start=after_reset)
    text = boot.text

    a, b = vm_lines(text, 0), vm_lines(text, 1)
    failures = [f"vm{i}: {line}" for i, lines in enumerate((a, b)) for line in lines
                if "FAIL" in line or "fatal" in line]
    assert not failures, "\n".join(failures)

    # Both VMs ran every check: linux-a once, linux-b on both boots.
    done = [(int(m.group(1)), int(m.group(2)), int(m.group(3))) for m in DONE.finditer(text)]
    assert [vm for vm, _, _ in done].count(0) == 1, done
    assert [vm for vm, _, _ in done].count(1) == 2, done
    assert all(failed == 0 and passed >= 30 for _, passed, failed in done), done

    # What the guests saw, spot-checked by name.
    for check in ("boot.long_mode", "cpuid.hv_signature", "cpuid.vmx_hidden",
                  "cpuid.topology", "cr.cr4_vmxe_gp", "cr.cr0_cd", "msr.efer_lme_lma",
                  "msr.tsc_aux", "io.unclaimed_in8", "io.serial_scratch",
                  "io.rep_outsb", "io.rep_insb", "io.insw"):
        assert f"testguest: PASS {check}" in a, check
        assert f"testguest: PASS {check}" in b, check
    assert "testguest: PASS msr.deny_rdmsr_1a0" in b  # linux-b's ownership table

    # The APs: started by INIT + two STARTUPs in each boot (linux-b boots twice), with
    # their own APIC ID; the STARTUPs that reach a running AP change nothing.
    boots = {"a": (a, 1), "b": (b, 2)}
    for vm_name, (lines, nboots) in boots.items():
        for check in [f"smp.{c}" for c in SMP_CHECKS] + \
                [f"hypercall.{c}" for c in HYPERCALL_CHECKS]:
            seen = verdicts(lines, check)
            assert len(seen) == nboots and all(v.startswith("PASS") for v in seen), \
                (vm_name, check, seen)
        for check in [f"xcr.{c}" for c in XCR_CHECKS]:
            seen = verdicts(lines, check)
            if model in NO_XSAVE:
                assert len(seen) == nboots and all(
                    v.startswith("SKIP") and "(XSAVE) is clear" in v for v in seen), \
                    (vm_name, check, seen)
            else:
                assert len(seen) == nboots and all(v.startswith("PASS") for v in seen), \
                    (vm_name, check, seen)
    assert verdicts(a, "smp.ap1_started")[0].startswith("PASS smp.ap1_started (x2APIC, ")
    assert all(v.startswith("PASS smp.ap1_started (xAPIC, ")
               for v in verdicts(b, "smp.ap1_started"))
    # The hypervisor's side: one start-up per boot, at the guest's trampoline page.
    assert len(re.findall(r"\bvm0: vcpu1 started at 0x8000 by start-up IPI", text)) == 1
    assert len(re.findall(r"\bvm1: vcpu1 started at 0x8000 by start-up IPI", text)) == 2
    assert not any("deny_rdmsr" in line for line in a)
    # Every poke outside linux-a's memory was contained, the peer's pattern included.
    for gpa in ("10000000", "12200000", "22000000", "100000000"):
        assert any(line.startswith(f"testguest: PASS mem.isolation_{gpa}") for line in a), gpa
    assert "outside its memory: #GP" in text
    assert not any("pattern CHANGED" in line for line in a + b)

    # The vUART link. Boot 1: each VM greets the other and reads the other's greeting
    # (the one that gets there first finds the line waiting in its receive buffer).
    # linux-b's reset resets its vUART, so linux-a's greeting is gone on boot 2, and
    # linux-a, done with its link test, does not greet again; its heartbeat answers
    # linux-b's new greeting instead ("hello again from linux-a"), exactly once: an
    # answer is never answered, so the link then stays quiet.
    assert verdicts(a, "link.peer_message") == [
        'PASS link.peer_message (greeting "hello from linux-b")']
    assert verdicts(b, "link.peer_message") == [
        'PASS link.peer_message (greeting "hello from linux-a")',
        'PASS link.peer_message (answer "hello again from linux-a": the peer was up before us)']
    assert verdicts(a, "link.no_overrun") == ["PASS link.no_overrun"]
    assert verdicts(b, "link.no_overrun") == ["PASS link.no_overrun"] * 2
    assert [line for line in a if line.startswith("testguest: link: ")] == [
        'testguest: link: answered "hello from linux-b"']
    assert not any(line.startswith("testguest: link: ") for line in b)

    # Only linux-b was reset, once; linux-a booted once and never stopped.
    assert text.count("vm1 (linux-b): resetting") == 1
    assert "vm0 (linux-a): resetting" not in text
    assert "vm0 (linux-a): stopped" not in text
    assert len(re.findall(r"vm0\| testguest: boot 1 ", text)) == 1
    assert re.search(r"vm1\| testguest: boot 2 ", text)


@pytest.mark.bochs
def test_elf64_kernel_entered_in_64bit_mode(tmp_path: Path, hv: E2EHarness,
                                            testguest: Path) -> None:
    """VM linux-b boots testguest64.elf as kernel-type "elf": entered at e_entry in
    64-bit mode (CS 0x10, data 0x18, the hypervisor's identity map, RSI 0), with no
    command line, so the guest names itself "elf64", takes its vCPU count from CPUID and
    skips what needs the multiboot memory map. linux-a runs the multiboot guest."""
    elf64 = elf64_guest_of(testguest)
    scenario = with_testguest(
        "partitioned", testguest,
        {"linux-a": "name=linux-a vcpus=2 pattern=0x300000 heartbeat=0", "linux-b": ""},
        tmp_path / "partitioned-elf64.xml", kernels={"linux-b": ("elf", elf64)})
    out = tmp_path / "out"
    hv.elf = build_image(scenario, out)
    boot = hv.boot("bochs", cpus=4, model="corei7_haswell_4770", iso=out / "bulkhead.iso",
                   budget=180)
    boot.expect(re.compile(r"vm1\| testguest: halted"))
    boot.expect(re.compile(r"vm0\| testguest: alive \d+ pattern ok"), start=len(boot.text))
    text = boot.text
    a, b = vm_lines(text, 0), vm_lines(text, 1)
    failures = [f"vm{i}: {line}" for i, lines in enumerate((a, b)) for line in lines
                if "FAIL" in line or "fatal" in line]
    assert not failures, "\n".join(failures)

    (e_entry,) = struct.unpack_from("<Q", elf64.read_bytes(), 24)
    assert re.search(rf'\bvm1: ELF kernel "testguest-linux-b" loaded \(\d+ bytes\), '
                     rf"entry 0x{e_entry:x}\b", text), text[-3000:]
    assert b[0] == ("testguest: boot 1 vm elf64 vcpus 2 privileged 0 "
                    "tests cpuid,cr,msr,io,mem,xcr,hypercall,smp")
    entry = next(line for line in b if line.startswith("testguest: entry64 "))
    assert re.match(r"^testguest: entry64 cs 0x10 ar 0x[0-9a-f]+ rsi 0x0 ", entry), entry
    assert "testguest: PASS boot.entry64" in b
    assert "testguest: PASS boot.long_mode" in b
    for group, least in (("cpuid", 7), ("cr", 10), ("msr", 8), ("io", 5)):
        seen = [line for line in b if re.match(rf"^testguest: (PASS|FAIL|SKIP) {group}\.", line)]
        passed = [line for line in seen if line.startswith("testguest: PASS ")]
        assert len(passed) >= least and len(passed) + sum("SKIP" in x for x in seen) == len(seen), \
            (group, seen)
    assert verdicts(b, "cpuid.topology") == ["PASS cpuid.topology"]
    assert verdicts(b, "mem.mmap")[0].startswith("SKIP mem.mmap: no memory map")
    assert verdicts(b, "smp.trampoline")[0].startswith("SKIP smp.trampoline: no memory map")
    assert b[-4:] == ["testguest: alive 1", "testguest: alive 2", "testguest: alive 3",
                      "testguest: halted"]
    assert not any(line.startswith("testguest: loader ") for line in b)
    # linux-a, the multiboot guest beside it, is unaffected.
    assert "testguest: PASS mem.mmap" in " ".join(a)
    assert len(DONE.findall(text)) == 2


@pytest.mark.bochs
def test_stop_policies_stop_only_that_vm(tmp_path: Path, hv: E2EHarness,
                                         testguest: Path) -> None:
    """With <on-bad-access>stop</on-bad-access>, linux-b's first access outside its
    memory stops it, with the address in the reason; linux-a runs on. The same scenario
    (on-reset stop) is then started again from a stopped state by nobody: it stays down."""
    scenario = with_testguest(
        "partitioned", testguest,
        {"linux-a": "name=linux-a vcpus=2 pattern=0x300000 heartbeat=0",
         "linux-b": "name=linux-b vcpus=2 tests=mem isolation=0x14000000 heartbeat=0"},
        tmp_path / "partitioned-stop.xml",
        settings={"linux-b": {"on-bad-access": "stop", "on-reset": "stop"}})
    out = tmp_path / "out"
    hv.elf = build_image(scenario, out)
    boot = hv.boot("bochs", cpus=4, iso=out / "bulkhead.iso", budget=180)
    boot.expect(re.compile(r"vm1 \(linux-b\): stopped: read of guest-physical 0x14000000 "
                           r"outside its memory"))
    stopped_at = len(boot.text)
    # linux-a keeps going after linux-b is gone.
    boot.expect(re.compile(r"vm0\| testguest: alive \d+ pattern ok"), start=stopped_at)
    boot.expect(re.compile(r"vm0\| testguest: alive \d+ pattern ok"),
                start=len(boot.text))
    text = boot.text
    assert "vm0 (linux-a): stopped" not in text
    assert not re.search(r"vm1\| testguest: (PASS|FAIL) mem\.isolation", text)
    assert "vm1 (linux-b): resetting" not in text


@pytest.mark.bochs
def test_demo_scenario_is_what_make_run_boots(tmp_path: Path, hv: E2EHarness) -> None:
    """`make run` without BOARD/SCENARIO builds scenario_xmls/demo.xml for Bochs; its
    test-guest kernels come from the build directory (kernel-file="@build/...")."""
    dry_out = tmp_path / "dry"
    dry = subprocess.run(["make", "--no-print-directory", "-n", f"O={dry_out}", "run"],
                         cwd=REPO, text=True, capture_output=True, check=True).stdout
    assert f"O={dry_out}/demo BOARD=bochs SCENARIO=demo" in dry

    out = tmp_path / "out"
    hv.elf = build_image(REPO / "scenario_xmls" / "demo.xml", out)
    assert (out / "guests" / "testguest.elf").is_file()
    boot = hv.boot("bochs", cpus=4, iso=out / "bulkhead.iso", budget=180)
    boot.expect(re.compile(r"vm1\| testguest: PASS reset\.cf9 \(boot 2\)"))
    boot.expect(re.compile(r"^vm0\| testguest: halted$", re.M))
    boot.expect(re.compile(r"^vm1\| testguest: halted$", re.M))
    text = boot.text
    assert "vm0 (left): resetting" not in text
    assert not re.search(r"vm\d\| testguest: FAIL", text), text[-3000:]
    assert "vm0| testguest: PASS mem.isolation_a200000" in text
    assert len(DONE.findall(text)) == 3  # left once, right on both boots
