"""End-to-end test harness: build ISOs, boot them in Bochs/QEMU, read COM1.

Tests normally use the `hv` fixture (see conftest.py), an E2EHarness:

    def test_x(hv):
        boot = hv.boot("bochs", cpus=4, model="corei7_skylake_x")
        boot.expect(markers.READY)

Every boot gets a wall-clock budget (Bochs ~120 s, QEMU 60 s; scaled with
--e2e-budget-scale); every expect() waits at most until the budget is used
up.  Emulators are killed (process group, by PID) when the test ends, and
a failing test's report gets the last lines of each serial log and of each
emulator log.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "misc"))

import emulator  # noqa: E402  (misc/ is put on sys.path above)
import mkiso  # noqa: E402

# The Bochs CPU models the boot tests run on: one place (misc/emulator.py).
BOCHS_MODELS: tuple[str, ...] = emulator.SUPPORTED_BOCHS_MODELS
DEFAULT_BOCHS_MODEL = emulator.DEFAULT_BOCHS_MODEL
# Lacks unrestricted guest: the hypervisor must refuse to run.
BOCHS_MODEL_NO_UG = "corei5_lynnfield_750"

# Wall-clock budget of one boot (ISO build, emulator start, all waits).
DEFAULT_BUDGET = {"bochs": 120.0, "qemu": 60.0}

SERIAL_TAIL_LINES = 60
EMULATOR_TAIL_LINES = 40
CONSOLE_TAIL_LINES = 12


def default_elf() -> Path:
    """The hypervisor image: $BULKHEAD_ELF or <repo>/build/bulkhead.elf."""
    env = os.environ.get("BULKHEAD_ELF")
    return Path(env) if env else REPO / "build" / "bulkhead.elf"


class markers:  # noqa: N801 - a namespace of compiled regexes
    """Serial-console markers the hypervisor prints (log prefixes allowed)."""

    CPU_ONLINE = re.compile(r"\bcpu(\d+): online, APIC id (\d+)")
    SMP = re.compile(r"\bSMP: (\d+) of (\d+) CPUs online")
    MEM = re.compile(r"\bmem: 0x([0-9a-fA-F]{16})-0x([0-9a-fA-F]{16}) ([A-Z][A-Z0-9_]*)")
    IOAPIC = re.compile(r"\bIOAPIC\[(\d+)\]: id (\d+) at 0x([0-9a-fA-F]+), GSI base (\d+)")
    VMX_TABLE = re.compile(r"\bVMX capabilities\b")
    READY = re.compile(r"\bBulkhead ready: (\d+) CPUs online")
    VMX_MISSING = re.compile(r"\bVMX: required feature missing")
    HALTED = re.compile(r"\bSystem halted\.")
    EXCEPTION = re.compile(
        r"\*\*\* EXCEPTION on cpu(\d+): vector (\d+) \(([^)]*)\) error code 0x([0-9a-fA-F]+)")
    REGISTER = re.compile(r"\b([A-Z][A-Z0-9]{1,5})=0x([0-9a-fA-F]+)")
    STACK_TRACE = re.compile(r"\bStack trace:")
    ALL_STOPPED = re.compile(r"\bAll CPUs stopped\.")
    # Any of these ends a boot: nothing more is going to happen.
    END = re.compile(r"\bBulkhead ready: \d+ CPUs online|\bSystem halted\.|\bAll CPUs stopped\.")


class BootFailure(AssertionError):
    """A boot did not produce the expected serial output in time."""


@dataclass(frozen=True)
class MemRange:
    start: int
    end: int  # inclusive
    kind: str

    @property
    def size(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class CpuException:
    cpu: int
    vector: int
    name: str
    error_code: int


def parse_memory_map(text: str) -> list[MemRange]:
    return [MemRange(int(m[1], 16), int(m[2], 16), m[3]) for m in markers.MEM.finditer(text)]


def parse_cpus(text: str) -> dict[int, int]:
    """cpu number -> APIC id, from the `cpuN: online, APIC id X` lines."""
    cpus: dict[int, int] = {}
    for match in markers.CPU_ONLINE.finditer(text):
        cpu, apic = int(match[1]), int(match[2])
        if cpu in cpus:
            raise BootFailure(f"cpu{cpu} reported online twice")
        cpus[cpu] = apic
    return cpus


def parse_exception(text: str) -> CpuException | None:
    match = markers.EXCEPTION.search(text)
    if match is None:
        return None
    return CpuException(int(match[1]), int(match[2]), match[3], int(match[4], 16))


def parse_registers(text: str) -> dict[str, int]:
    return {m[1]: int(m[2], 16) for m in markers.REGISTER.finditer(text)}


def _tail_file(path: Path | None, lines: int) -> str:
    if path is None or not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 256 * 1024))
        data = handle.read()
    return emulator.tail_lines(data.decode("utf-8", errors="replace"), lines)


class Boot:
    """One emulator run with its deadline."""

    def __init__(self, name: str, emu: emulator.Emulator, deadline: float,
                 budget: float) -> None:
        self.name = name
        self.emu = emu
        self.deadline = deadline
        self.budget = budget

    # -- output -----------------------------------------------------------

    @property
    def text(self) -> str:
        """COM1 output so far (cleaned: no ANSI escapes, no CRs)."""
        return self.emu.serial_text()

    @property
    def pid(self) -> int | None:
        return self.emu.pid

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def serial_tail(self, lines: int = SERIAL_TAIL_LINES) -> str:
        return emulator.tail_lines(self.text, lines) or "(no serial output)"

    def emulator_tail(self, lines: int = EMULATOR_TAIL_LINES) -> str:
        parts = []
        # The emulator's stdout/stderr: start-up noise, fatal errors last.
        for path, count in ((self.emu.console_log, CONSOLE_TAIL_LINES),
                            (self.emu.emulator_log, lines)):
            tail = _tail_file(path, count)
            if tail:
                parts.append(f"--- {path} (last {count} lines) ---\n{tail}")
        status = self.emu.returncode
        parts.append(f"--- {self.emu.config.emu} pid {self.pid}, "
                     f"{'running' if status is None else f'exit status {status}'}; "
                     f"work dir {self.emu.workdir}")
        return "\n".join(parts)

    # -- waiting ----------------------------------------------------------

    def expect(self, pattern: str | re.Pattern[str], timeout: float | None = None,
               start: int = 0) -> re.Match[str]:
        """Wait for `pattern` in the serial output, within the boot budget."""
        __tracebackhide__ = True
        wait = self.remaining() if timeout is None else min(timeout, self.remaining())
        try:
            return self.emu.wait_for_serial(pattern, timeout=wait, start=start)
        except emulator.EmulatorError as err:
            raise BootFailure(
                f"{self.name}: {err} (budget {self.budget:.0f} s)\n"
                f"last serial lines:\n{emulator.tail_lines(self.text, 15)}") from None

    def expect_end(self, settle: float = 1.0) -> str:
        """Wait for a final marker (ready / halted / stopped); return the text.

        After the first final marker, waits until the output has not changed
        for `settle` seconds (bounded by the budget) so that trailing lines
        such as `System halted.` are included.
        """
        __tracebackhide__ = True
        self.expect(markers.END)
        text = self.text
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle and self.remaining() > 0:
            time.sleep(0.1)
            now = self.text
            if now != text:
                text, quiet_since = now, time.monotonic()
            if not self.emu.is_running():
                break
        return self.text

    # -- process ------------------------------------------------------------

    def stop(self) -> int | None:
        """Kill the emulator (whole process group, by PID)."""
        return self.emu.stop()

    def assert_gone(self) -> None:
        """The emulator process group no longer exists."""
        pid = self.pid
        if pid is None:
            return
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        raise BootFailure(f"{self.name}: emulator process group {pid} still exists")


class E2EHarness:
    """Per-test helper: builds ISOs into the test's tmp dir and boots them."""

    def __init__(self, tmp_path: Path, elf: Path, default_iso: Path | None,
                 budget_scale: float = 1.0) -> None:
        self.tmp_path = tmp_path
        self.elf = elf
        self.default_iso = default_iso
        self.budget_scale = budget_scale
        self.boots: list[Boot] = []
        self._isos = 0

    def build_iso(self, cmdline: str = "",
                  modules: Sequence[tuple[Path, str, Sequence[str]]] = ()) -> Path:
        """An ISO of the hypervisor with `cmdline` and modules (path, tag, args)."""
        self._isos += 1
        out = self.tmp_path / f"bulkhead-{self._isos}.iso"
        mods = [mkiso.Module(Path(p), tag, list(args)) for p, tag, args in modules]
        try:
            return mkiso.build_iso(out, self.elf, cmdline, mods)
        except mkiso.MkisoError as err:
            raise BootFailure(f"cannot build the ISO: {err}") from None

    def boot(self, emu: str = "bochs", cpus: int = 1, model: str | None = None,
             cmdline: str | None = None, iso: Path | None = None,
             memory: int = emulator.DEFAULT_MEMORY_MIB, budget: float | None = None,
             serial: str = "file", **extra: object) -> Boot:
        """Start an emulator; the budget starts now (including the ISO build)."""
        budget = (budget or DEFAULT_BUDGET[emu]) * self.budget_scale
        deadline = time.monotonic() + budget
        if iso is None:
            if cmdline is None and self.default_iso is not None:
                iso = self.default_iso
            else:
                iso = self.build_iso(cmdline or "")
        if emu == "bochs" and model is None:
            model = DEFAULT_BOCHS_MODEL
        index = len(self.boots) + 1
        name = f"{emu}-{model or 'default'}-{cpus}cpu" + (f"-{index}" if index > 1 else "")
        workdir = self.tmp_path / name
        config = emulator.EmulatorConfig(
            emu=emu, iso=iso, cpus=cpus, model=model, memory=memory,
            serial_log=workdir / "serial.log", serial=serial, workdir=workdir,
            **extra)  # type: ignore[arg-type]
        emu_obj = emulator.Emulator(config)
        boot = Boot(name, emu_obj, deadline, budget)
        self.boots.append(boot)
        try:
            emu_obj.start()
        except emulator.EmulatorError as err:
            raise BootFailure(f"{name}: {err}") from None
        return boot

    def stop_all(self) -> None:
        for boot in self.boots:
            boot.stop()
