"""The hypervisor debug shell on the serial console, in Bochs with two VMs.

scenario_xmls/partitioned.xml with the test guest (tests/guests/) in both VMs, and COM1 on
a pty: the test types as a terminal would (byte by byte, CR for Enter) and reads the
answers between the echo of its line and the next prompt. One boot goes through every
command: information, register and memory dumps, argument errors, line editing, the log,
switching the console to a VM and back with Ctrl-], stopping, starting and resetting VMs.
A second, one-CPU boot reboots the machine from the shell.

The guests of the first test print a few heartbeats and halt, so that the output the test
reads is quiet. Bochs 2.7 makes no external-interrupt VM exit while a guest runs with
RFLAGS.IF=0 (real VT-x does, SDM Vol 3C 25.2); the hypervisor's VMX-preemption timer
backstop (arch/x86/vmx/vmcs.c) still gets every CPU out of such a guest every 10 ms, which
the last test checks with guests that spin forever with interrupts off.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from guest_scenarios import build_image, build_testguest, with_testguest
from harness import Boot, E2EHarness, markers

PROMPT = "bulkhead> "
CTRL_RIGHT_BRACKET = b"\x1d"
# The console UART's receive FIFO holds 16 bytes and the shell polls it every 10 ms:
# typing one byte every 10 ms keeps far below that even when Bochs runs slower than
# real time.
TYPE_DELAY = 0.01
COMMAND_TIMEOUT = 30.0

# A short, fixed set of the guest's checks: the shell is under test here, not the VMs.
CMDLINES = {
    "linux-a": "name=linux-a vcpus=2 tests=cpuid,io heartbeat=2",
    "linux-b": "name=linux-b vcpus=2 tests=cpuid,io heartbeat=2",
}
COMMANDS = ("help", "version", "vm_list", "vcpu_list", "vcpu_dumpreg", "pci_list", "dumpmem",
            "loglevel", "log", "vm_console", "vm_stop", "vm_start", "vm_reset", "reboot")
VM_LINE = re.compile(r"^vm\d+\| ")
LOG_LINE = re.compile(r"^\[\s*\d+\.\d{6}\] cpu(\d+) ([EWIDT]): ")
# A VM console line or a log line, wherever it starts (inside an echo, too).
INTERLEAVED = re.compile(r"vm\d+\| [^\n]*\n|\[\s*\d+\.\d{6}\] cpu\d+ [EWIDT]: [^\n]*\n")
STARTING = re.compile(r"\bBulkhead \S+ \((?:debug|release) build\) starting")


def shell_scenario(guest: Path, out: Path) -> Path:
    """partitioned.xml with the test guest in both VMs (two heartbeats, then halt)."""
    return with_testguest("partitioned", guest, CMDLINES, out)


class Shell:
    """Types into the hypervisor console and collects what each command printed."""

    def __init__(self, boot: Boot) -> None:
        self.boot = boot

    def type(self, data: bytes) -> None:
        for byte in data:
            self.boot.emu.send_serial(bytes([byte]))
            time.sleep(TYPE_DELAY)

    def mark(self) -> int:
        return len(self.boot.text)

    def expect(self, pattern: str | re.Pattern[str], start: int,
               timeout: float = COMMAND_TIMEOUT) -> re.Match[str]:
        return self.boot.expect(re.compile(pattern, re.M) if isinstance(pattern, str)
                                else pattern, timeout=timeout, start=start)

    def run(self, line: str) -> str:
        """Types line and Enter; returns what the shell printed for it, up to the prompt.

        VM console lines and log lines from other CPUs come between the shell's lines,
        never inside one, but they may split the echo of the typed line (each byte is
        echoed as it arrives): they are cut out wherever they start, then the echo (the
        first line) is dropped.
        """
        start = self.mark()
        self.type(line.encode() + b"\r")
        prompt = self.expect(re.escape(PROMPT), start)
        text = INTERLEAVED.sub("", self.boot.text[start:prompt.start()])
        return "\n".join(l for l in text.split("\n")[1:] if l)

    def log_lines(self, start: int) -> str:
        return "\n".join(l for l in self.boot.text[start:].splitlines() if LOG_LINE.match(l))


def vm_console_lines(text: str, vm: int) -> list[str]:
    prefix = f"vm{vm}| "
    return [line[len(prefix):] for line in text.splitlines() if line.startswith(prefix)]


@pytest.fixture(scope="module")
def testguest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_testguest(tmp_path_factory.mktemp("testguest"))


@pytest.mark.bochs
def test_debug_shell_drives_two_vms(tmp_path: Path, hv: E2EHarness, testguest: Path) -> None:
    out = tmp_path / "out"
    hv.elf = build_image(shell_scenario(testguest, tmp_path / "shell.xml"), out)
    boot = hv.boot("bochs", cpus=4, iso=out / "bulkhead.iso", serial="pty", budget=240)
    sh = Shell(boot)

    boot.expect(markers.READY)
    boot.expect(re.compile(r"shell: debug shell on the console"))
    boot.expect(re.compile(r"^vm0\| testguest: halted$", re.M))
    boot.expect(re.compile(r"^vm1\| testguest: halted$", re.M))

    # An empty line gives the prompt; help and version.
    assert sh.run("") == ""
    text = sh.run("help")
    for name in COMMANDS:
        assert re.search(rf"^  {name}\b", text, re.M), f"help lacks {name}:\n{text}"
    text = sh.run("version")
    assert re.search(r"^Bulkhead \S+ \((debug|release) build\)$", text, re.M), text
    assert "2 VM(s); 4 CPU(s) online" in text, text

    # vm_list and vcpu_list.
    text = sh.run("vm_list")
    assert re.search(r"^\s+0 linux-a\s+pre-launched\s+running\s+2\s+1\s+-$", text, re.M), text
    assert re.search(r"^\s+1 linux-b\s+pre-launched\s+running\s+2\s+1\s+-$", text, re.M), text
    text = sh.run("vcpu_list")
    rows = re.findall(r"^\s+(\d)\s+(\d)\s+(\d)\s+(\w+)\s+(\d+)$", text, re.M)
    assert [(vm, vcpu, pcpu) for vm, vcpu, pcpu, _, _ in rows] == [
        ("0", "0", "0"), ("0", "1", "1"), ("1", "0", "2"), ("1", "1", "3")], text
    assert all(state == "running" and int(exits) > 0
               for vm, vcpu, _, state, exits in rows if vcpu == "0"), text

    # pci_list: linux-a owns the e1000; its guest never enabled decoding.
    text = sh.run("pci_list")
    assert re.search(r"^vm0 00:02\.0 8086:100e command 0x0000, INTA: GSI 9 -> 10, "
                     r"0 interrupt\(s\)$", text, re.M), text
    assert re.search(r"^    BAR0 mem32 0xc0000000 size 0x20000: off, guest has 0xc0000000$",
                     text, re.M), text
    assert not re.search(r"^vm1 ", text, re.M), text

    # Registers: vm0's vCPU 0 runs on CPU 0 itself (the shell's CPU), vm1's on CPU 2.
    for vm, cpu in ((0, 0), (1, 2)):
        start = sh.mark()
        sh.run(f"vcpu_dumpreg {vm} 0")
        dump = sh.log_lines(start)
        assert re.search(rf"cpu{cpu} I: vm{vm} vcpu0: rip [0-9a-f]{{16}} rsp", dump), dump
        assert re.search(rf"cpu{cpu} I:\s+cr0 [0-9a-f]{{16}}", dump), dump

    # Guest memory: the test guest's boot counter at 0x1000 starts with its magic.
    text = sh.run("dumpmem 1 0x1000 24")
    assert re.search(r"^0000000000001000: 31 54 4f 4f 42 55 47 54  [0-9a-f ]{23}  "
                     r"\|1TOOBUGT.{8}\|$", text, re.M), text
    assert re.search(r"^0000000000001010: ([0-9a-f]{2} ){8}\s+\|.{8}\|$", text, re.M), text
    assert len(text.splitlines()) == 2, text

    # Bad arguments are messages with the usage; the shell goes on.
    for line, message in (
            ("vm_stop 2", "vm_stop: no VM 2; VM ids are 0-1 (see vm_list)"),
            ("vcpu_dumpreg 0 2", "vcpu_dumpreg: vm0 has no vCPU 2; its vCPUs are 0-1"),
            ("vcpu_dumpreg 0x100000000 0", "vcpu_dumpreg: no VM 4294967296"),
            ("dumpmem 0 0x10000000 16",
             "dumpmem: 0x10000000-0x1000000f is not all in vm0's RAM"),
            ("dumpmem 0 0 5000", "dumpmem: length 5000 is out of range: 1-4096 bytes"),
            ("dumpmem 0 zero", "dumpmem: address \"zero\" is not a number"),
            ("loglevel 9", "loglevel: level 9 is out of range: 0 (none) to 5 (trace)"),
            ("vm_console", "vm_console: missing argument"),
            ("frobnicate", "unknown command \"frobnicate\"; \"help\" lists the commands")):
        text = sh.run(line)
        assert message in text, f"{line!r}: {text}"
        if not line.startswith("frob"):
            assert "usage: " + line.split()[0] in text, f"{line!r}: {text}"

    # Line editing: backspace, and Ctrl-C dropping a typed line.
    assert "linux-b" in sh.run("vm_lisx\x7ft")
    start = sh.mark()
    sh.type(b"vm_stop 0\x03")
    sh.expect(re.escape("^C\n" + PROMPT), start)
    assert sh.run("vm_list").count("running") == 2

    # Log level and the log ring.
    assert "console log level 3 (info)" in sh.run("loglevel")
    assert "console log level 4 (debug)" in sh.run("loglevel 4")
    assert "console log level 3 (info)" in sh.run("loglevel 3")
    start = sh.mark()
    sh.run("log 5")
    ring = [l for l in boot.text[start:].splitlines() if LOG_LINE.match(l)]
    assert len(ring) >= 5, boot.text[start:]

    # The console goes to vm1, which starts again: its output comes raw, input goes to
    # its vUART, and Ctrl-] gives the console back.
    assert "vm1 (linux-b): reset requested" in sh.run("vm_reset 1")
    start = sh.mark()
    sh.type(b"vm_console 1\r")
    # Raw output may reach the console a moment before the notice, in the same line.
    switched = sh.expect(r"vm1 console; press Ctrl-\] to return$", start).end()
    sh.expect(r"^testguest: halted$", switched)
    sh.type(b"hello\r")
    back = sh.mark()
    sh.type(CTRL_RIGHT_BRACKET)
    returned = sh.expect(r"vm1 console closed; back in the hypervisor shell\n"
                         + re.escape(PROMPT), back)
    focused = boot.text[switched:returned.start()]
    # How much of the restarted guest's output comes after the switch depends on timing;
    # whatever comes is raw (no "vm1| " tag).
    assert re.search(r"^testguest: (PASS|done|alive|halted)", focused, re.M), focused
    assert not vm_console_lines(focused, 1), focused
    assert "linux-b" in sh.run("vm_list")

    # Stop vm1, start it again; reset vm0 (whose vCPU 0 is on the shell's own CPU).
    start = sh.mark()
    assert "vm1 (linux-b): stop requested" in sh.run("vm_stop 1")
    sh.expect(r"vm1 \(linux-b\): stopped: stopped from the debug shell", start)
    text = sh.run("vm_list")
    assert re.search(r"^\s+1 linux-b\s+pre-launched\s+stopped\s+2\s+2\s+stopped from the "
                     r"debug shell$", text, re.M), text
    assert "vm1 (linux-b) is stopped: only a running VM can be stopped" in sh.run("vm_stop 1")

    start = sh.mark()
    assert "vm1 (linux-b): start requested" in sh.run("vm_start 1")
    sh.expect(r"vm1 \(linux-b\): started on 2 vCPU\(s\), boot 3", start)
    sh.expect(r"^vm1\| testguest: boot 3 vm linux-b", start)
    sh.expect(r"^vm1\| testguest: halted$", start)

    start = sh.mark()
    assert "vm0 (linux-a): reset requested" in sh.run("vm_reset 0")
    sh.expect(r"vm0 \(linux-a\): resetting: reset from the debug shell", start)
    sh.expect(r"^vm0\| testguest: boot 2 vm linux-a", start)
    sh.expect(r"^vm0\| testguest: halted$", start)
    text = sh.run("vm_list")
    assert re.search(r"^\s+0 linux-a\s+pre-launched\s+running\s+2\s+2\s+-$", text, re.M), text
    assert re.search(r"^\s+1 linux-b\s+pre-launched\s+running\s+2\s+3\s+-$", text, re.M), text


@pytest.mark.bochs
def test_reboot_restarts_the_machine(hv: E2EHarness) -> None:
    """reboot resets the machine: firmware, boot loader and hypervisor run again.

    One CPU: Bochs 2.7 with more than one CPU fails its own BIOS keyboard check after a
    hardware reset (the emulated clock stops while the BIOS waits for the keyboard:
    "Keyboard error:21"; measured with the built-in configuration on 1 and 4 CPUs).
    """
    boot = hv.boot("bochs", cpus=1, serial="pty")
    sh = Shell(boot)
    boot.expect(markers.READY)
    assert "rebooting the machine" not in sh.run("version")
    start = sh.mark()
    sh.type(b"reboot\r")
    sh.expect(r"^rebooting the machine$", start)
    sh.expect(STARTING, start, timeout=boot.remaining())
    sh.expect(markers.READY, start, timeout=boot.remaining())
    assert len(STARTING.findall(boot.text)) == 2
    # The shell is back after the reboot.
    assert "Bulkhead" in sh.run("version")


@pytest.mark.bochs
def test_shell_answers_while_guests_spin(tmp_path: Path, hv: E2EHarness,
                                         testguest: Path) -> None:
    """Guests that spin forever with interrupts off (heartbeat=0) on every CPU, the
    shell's included: the VMX-preemption timer backstop still gets the shell its timer
    ticks and the other CPUs their IPIs (vcpu_dumpreg of a vCPU on CPU 2, a reset)."""
    spin = {name: line.replace("heartbeat=2", "heartbeat=0") for name, line in CMDLINES.items()}
    out = tmp_path / "out"
    hv.elf = build_image(with_testguest("partitioned", testguest, spin, tmp_path / "spin.xml"),
                         out)
    boot = hv.boot("bochs", cpus=4, iso=out / "bulkhead.iso", serial="pty", budget=240)
    sh = Shell(boot)
    boot.expect(re.compile(r"shell: debug shell on the console"))
    boot.expect(re.compile(r"^vm0\| testguest: alive 2$", re.M))
    boot.expect(re.compile(r"^vm1\| testguest: alive 2$", re.M))

    assert sh.run("vm_list").count("running") == 2
    start = sh.mark()
    sh.run("vcpu_dumpreg 1 0")
    assert re.search(r"cpu2 I: vm1 vcpu0: rip [0-9a-f]{16}", sh.log_lines(start))
    assert "vm1 (linux-b): reset requested" in sh.run("vm_reset 1")
    boot.expect(re.compile(r"vm1 \(linux-b\): started on 2 vCPU\(s\), boot 2"),
                start=start)
    # vm0 never stopped beating.
    boot.expect(re.compile(r"^vm0\| testguest: alive \d+$", re.M), start=len(boot.text))
