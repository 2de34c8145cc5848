#!/usr/bin/python3
"""Start Bochs or QEMU on a Bulkhead ISO and manage the emulator process.

Library use (tests):

    from emulator import Emulator, EmulatorConfig
    cfg = EmulatorConfig(emu="bochs", iso=iso, cpus=4, serial_log=log)
    with Emulator(cfg) as emu:
        emu.wait_for_serial(r"Bulkhead ready", timeout=120)
    # the emulator (its whole process group) is gone here

Command line (make run):

    emulator.py run --emu bochs --iso build/bulkhead.iso

The emulator runs in its own session/process group and is killed as a group
(by PID) on stop, timeout, exception, SIGINT, SIGTERM, SIGHUP and at
interpreter exit; on Linux it also gets SIGKILL if the Python thread that
started it dies (PR_SET_PDEATHSIG), so a killed test runner leaves nothing
behind.

Bochs runs headless with the rfb display (`timeout=0`: it never waits for a
VNC client).  The rfb display listens on TCP port 5900 or the next free one,
so several instances can run at once.  `sound: driver=dummy` is always set:
on a host without a sound card Bochs 2.7 otherwise aborts ("buffer overflow
detected") while initialising ALSA.
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

BOCHS_BIN = "bochs-bin"
QEMU_BIN = "qemu-system-x86_64"
BOCHS_BIOS = Path("/usr/share/bochs/BIOS-bochs-latest")
BOCHS_VGABIOS = Path("/usr/share/bochs/VGABIOS-lgpl-latest")

DEFAULT_BOCHS_MODEL = "corei7_haswell_4770"
# Bochs models with the VMX features Bulkhead needs (EPT, VPID, unrestricted
# guest) and one without unrestricted guest (refusal tests).
SUPPORTED_BOCHS_MODELS = (
    "corei7_haswell_4770",
    "corei7_skylake_x",
    "corei7_icelake_u",
    "corei5_arrandale_m520",
)
UNSUPPORTED_BOCHS_MODELS = ("corei5_lynnfield_750",)
DEFAULT_MEMORY_MIB = 1024
BOCHS_IPS = 50_000_000
BOCHS_TIME0 = 946684800  # 2000-01-01 00:00:00 UTC: runs are repeatable


_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHM]")


class EmulatorError(Exception):
    """Any emulator failure; the message is meant for the user.

    exit_code: 1 for run-time failures, 2 for bad input (missing ISO,
    bad option values).
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def clean_serial_text(raw: bytes | str) -> str:
    """Decode serial output, drop ANSI escape sequences, NULs and CRs."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = _ANSI_RE.sub("", text)
    return text.replace("\r", "").replace("\x00", "")


def tail_lines(text: str, count: int) -> str:
    """The last `count` lines of `text`."""
    return "\n".join(text.splitlines()[-count:])


@dataclass
class EmulatorConfig:
    """What to start and how.

    serial: "file" writes COM1 output to serial_log (output only); "pty"
    connects COM1 to a pseudo-terminal created by the launcher: output is
    copied to serial_log (and to on_output) by a relay thread and
    Emulator.send_serial() types into the guest.
    """

    emu: str
    iso: Path
    cpus: int = 1
    model: str | None = None  # Bochs CPU model (ignored by QEMU)
    memory: int = DEFAULT_MEMORY_MIB
    serial_log: Path | None = None
    serial: str = "file"
    workdir: Path | None = None
    keep_workdir: bool = False
    intel_iommu: bool = False
    qemu_accel: str = "tcg"
    qemu_cpu: str | None = None  # QEMU -cpu value (default: QEMU's)
    # QEMU -d items logged to qemu.log ("cpu_reset" helps with triple faults).
    qemu_log_items: str = "guest_errors"
    extra_bochs_lines: list[str] = field(default_factory=list)
    extra_qemu_args: list[str] = field(default_factory=list)
    die_with_parent: bool = True

    def validate(self) -> None:
        if self.emu not in ("bochs", "qemu"):
            raise EmulatorError(f"unknown emulator {self.emu!r} (bochs or qemu)", 2)
        if self.serial not in ("file", "pty"):
            raise EmulatorError(f"unknown serial mode {self.serial!r} (file or pty)", 2)
        if not 1 <= self.cpus <= 64:
            raise EmulatorError(f"--cpus must be 1..64, not {self.cpus}", 2)
        if not 16 <= self.memory <= 65536:
            raise EmulatorError(f"--memory must be 16..65536 MiB, not {self.memory}", 2)
        for name in (self.model, self.qemu_cpu):
            if name is not None and not re.fullmatch(r"[A-Za-z0-9_.,=+-]+", name):
                raise EmulatorError(f"bad CPU model name {name!r}", 2)
        iso = Path(self.iso)
        if not iso.is_file():
            raise EmulatorError(f"ISO image not found: {iso}", 2)


# --------------------------------------------------------------------------
# Process-group bookkeeping shared by all emulators of this interpreter.

_LIVE: set["Emulator"] = set()
_LIVE_LOCK = threading.Lock()
_PR_SET_PDEATHSIG = 1
try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
    _PRCTL = _LIBC.prctl
except (OSError, AttributeError):
    _LIBC = None


def _child_setup() -> None:
    """Runs in the child between fork and exec (new session already set)."""
    if _LIBC is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # Restore default dispositions the parent may have changed.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)


def kill_process_group(pid: int, grace: float = 2.0,
                       proc: subprocess.Popen[bytes] | None = None,
                       first: signal.Signals = signal.SIGTERM) -> None:
    """Signal the process group `pid` with `first`, then SIGTERM, then SIGKILL.

    Each step waits up to `grace` seconds (SIGKILL: 5 s) for the group to
    disappear.  `proc`, when given, is the group leader's Popen: it is reaped
    through Popen so that its exit status stays available.
    """
    steps = [first] + [sig for sig in (signal.SIGTERM,) if sig != first] + [signal.SIGKILL]
    for sig in steps:
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + (5.0 if sig == signal.SIGKILL else grace)
        while time.monotonic() < deadline:
            if proc is not None:
                proc.poll()  # reap the leader (a zombie still counts as a member)
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)


def stop_all() -> None:
    """Stop every emulator this interpreter started (atexit, signals)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for emu in live:
        try:
            emu.stop()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


atexit.register(stop_all)


class _Terminated(BaseException):
    """Raised in the main thread by the SIGTERM/SIGHUP handler."""


def install_signal_handlers() -> None:
    """Make SIGTERM and SIGHUP unwind the main thread like Ctrl-C does.

    With the default disposition Python dies without running finally blocks
    or atexit handlers; with these handlers KeyboardInterrupt is raised, so
    `with Emulator(...)`, fixtures and atexit clean up.  Main thread only;
    handlers set by someone else are left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, handler)


# --------------------------------------------------------------------------


class Emulator:
    """One running Bochs or QEMU instance."""

    def __init__(self, config: EmulatorConfig,
                 on_output: Callable[[bytes], None] | None = None) -> None:
        config.validate()
        self.config = config
        self.on_output = on_output
        self.proc: subprocess.Popen[bytes] | None = None
        self.workdir: Path | None = None
        self._own_workdir = False
        self.serial_log: Path | None = None
        self.emulator_log: Path | None = None  # Bochs log / QEMU -D log
        self.console_log: Path | None = None  # emulator's stdout+stderr
        self.command: list[str] = []
        self.started_at = 0.0
        self._master_fd: int | None = None
        self._slave_fd: int | None = None
        self._relay: threading.Thread | None = None
        self._relay_stop = threading.Event()
        self._out_file: BinaryIO | None = None
        self._stopped = False

    # ---- context manager -------------------------------------------------

    def __enter__(self) -> "Emulator":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- properties ------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # ---- configuration ---------------------------------------------------

    def _prepare_workdir(self) -> Path:
        cfg = self.config
        if cfg.workdir is not None:
            workdir = Path(cfg.workdir)
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(tempfile.mkdtemp(prefix=f"bulkhead-{cfg.emu}-"))
            self._own_workdir = True
        return workdir.resolve()

    def _link(self, name: str, target: Path) -> str:
        """Name `target` inside the work dir by a simple relative name.

        Emulator configuration syntaxes split at commas and blanks; a symlink
        with a plain name side-steps quoting.
        """
        assert self.workdir is not None
        link = self.workdir / name
        target = target.resolve()
        if link.resolve() == target:
            return name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
        return name

    def bochsrc(self, iso_name: str, com1: str) -> str:
        cfg = self.config
        model = cfg.model or DEFAULT_BOCHS_MODEL
        lines = [
            "# generated by misc/emulator.py",
            f"cpu: model={model}, count={cfg.cpus}, ips={BOCHS_IPS}, "
            "reset_on_triple_fault=0, ignore_bad_msrs=1",
            f"memory: guest={cfg.memory}, host={cfg.memory}",
            f"romimage: file={BOCHS_BIOS}",
            f"vgaromimage: file={BOCHS_VGABIOS}",
            # The PCI devices of board_xmls/bochs.xml: an e1000 NIC in slot 1 (00:02.0),
            # with no network behind it.
            "pci: enabled=1, chipset=i440fx, slot1=e1000",
            "e1000: enabled=1, mac=52:54:00:12:34:56, ethmod=null",
            "boot: cdrom",
            f"ata0-master: type=cdrom, path={iso_name}, status=inserted",
            f"clock: sync=none, time0={BOCHS_TIME0}",
            "speaker: enabled=0",
            "sound: driver=dummy",
            "mouse: enabled=0",
            "panic: action=fatal",
            'display_library: rfb, options="timeout=0"',
            "log: bochs.log",
            com1,
        ]
        lines += cfg.extra_bochs_lines
        return "\n".join(lines) + "\n"

    def _bochs_command(self, iso_name: str) -> list[str]:
        assert self.workdir is not None
        for path in (BOCHS_BIOS, BOCHS_VGABIOS):
            if not path.exists():
                raise EmulatorError(f"{path} missing: install bochsbios and vgabios "
                                    "(misc/setup.sh)")
        if self.config.serial == "pty":
            assert self._slave_fd is not None
            com1 = f"com1: enabled=1, mode=term, dev={os.ttyname(self._slave_fd)}"
        else:
            com1 = f"com1: enabled=1, mode=file, dev={self._link('serial.log', self.serial_log)}"
        (self.workdir / "bochsrc").write_text(self.bochsrc(iso_name, com1), encoding="utf-8")
        (self.workdir / "bochs.rc").write_text("continue\nquit\n", encoding="utf-8")
        self.emulator_log = self.workdir / "bochs.log"
        return [BOCHS_BIN, "-q", "-f", "bochsrc", "-rc", "bochs.rc"]

    def _qemu_command(self, iso_name: str) -> list[str]:
        assert self.workdir is not None
        cfg = self.config
        if cfg.serial == "pty":
            assert self._slave_fd is not None
            serial = os.ttyname(self._slave_fd)
        else:
            serial = "file:" + self._link("serial.log", self.serial_log)
        self.emulator_log = self.workdir / "qemu.log"
        cmd = [QEMU_BIN, "-M", "q35", "-accel", cfg.qemu_accel,
               "-smp", str(cfg.cpus), "-m", str(cfg.memory),
               "-cdrom", iso_name, "-serial", serial,
               "-display", "none", "-monitor", "none", "-no-reboot",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-D", "qemu.log"]
        if cfg.qemu_log_items:
            cmd += ["-d", cfg.qemu_log_items]
        if cfg.qemu_cpu:
            cmd += ["-cpu", cfg.qemu_cpu]
        if cfg.intel_iommu:
            cmd += ["-device", "intel-iommu"]
        cmd += cfg.extra_qemu_args
        return cmd

    def describe(self) -> str:
        """Human-readable summary of what was started."""
        return (f"{self.config.emu} pid={self.pid} workdir={self.workdir} "
                f"serial={self.serial_log} log={self.emulator_log}")

    # ---- start/stop ------------------------------------------------------

    def start(self) -> None:
        if self.proc is not None:
            raise EmulatorError("emulator already started")
        cfg = self.config
        binary = BOCHS_BIN if cfg.emu == "bochs" else QEMU_BIN
        if shutil.which(binary) is None:
            pkg = "bochs" if cfg.emu == "bochs" else "qemu-system-x86"
            raise EmulatorError(f"{binary} not found: install {pkg} (misc/setup.sh)")
        try:
            self.workdir = self._prepare_workdir()
            self.serial_log = (Path(cfg.serial_log).resolve() if cfg.serial_log
                               else self.workdir / "serial.log")
            self.serial_log.parent.mkdir(parents=True, exist_ok=True)
            self.serial_log.write_bytes(b"")  # exists (empty) from the start
            self.console_log = self.workdir / f"{cfg.emu}.out"
            if cfg.serial == "pty":
                self._master_fd, self._slave_fd = os.openpty()
                tty.setraw(self._slave_fd)
                os.set_blocking(self._master_fd, False)
            iso_name = self._link("cdrom.iso", Path(cfg.iso))
            if cfg.emu == "bochs":
                self.command = self._bochs_command(iso_name)
            else:
                self.command = self._qemu_command(iso_name)
            out = open(self.console_log, "wb")  # noqa: SIM115 - closed in stop()
            self._out_file = out
            with _LIVE_LOCK:
                self.proc = subprocess.Popen(
                    self.command, cwd=self.workdir, stdin=subprocess.DEVNULL,
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_child_setup if cfg.die_with_parent else None,
                    close_fds=True)
                _LIVE.add(self)
            self.started_at = time.monotonic()
            if cfg.serial == "pty":
                self._relay = threading.Thread(target=self._relay_output,
                                               name=f"serial-relay-{self.pid}", daemon=True)
                self._relay.start()
        except OSError as err:
            self.stop()
            raise EmulatorError(f"cannot start {cfg.emu}: {err}") from err
        except BaseException:
            self.stop()
            raise

    def _relay_output(self) -> None:
        """pty mode: copy COM1 output to the serial log (and on_output)."""
        assert self._master_fd is not None and self.serial_log is not None
        fd = self._master_fd
        with open(self.serial_log, "ab", buffering=0) as log:
            while True:
                stopping = self._relay_stop.is_set()
                try:
                    ready, _, _ = select.select([fd], [], [], 0.05)
                except (OSError, ValueError):
                    return
                if not ready:
                    if stopping:
                        return
                    continue
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                log.write(data)
                if self.on_output is not None:
                    try:
                        self.on_output(data)
                    except Exception:  # noqa: BLE001 - keep relaying to the log
                        pass

    def send_serial(self, data: bytes | str) -> None:
        """pty mode: type `data` into the guest's COM1."""
        if self._master_fd is None:
            raise EmulatorError("serial input needs serial='pty'")
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._master_fd, view)
            except BlockingIOError:
                select.select([], [self._master_fd], [], 0.1)
                continue
            view = view[written:]

    def stop(self) -> int | None:
        """Kill the emulator's whole process group; idempotent.

        Returns the emulator's exit status (negative: killed by that signal).
        """
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                # Bochs quits cleanly on SIGINT (its debugger reads the
                # exhausted rc file and stdin=/dev/null): logs are flushed
                # and the CPU state is dumped to bochs.log.  QEMU does the
                # same on SIGTERM.
                first = signal.SIGINT if self.config.emu == "bochs" else signal.SIGTERM
                kill_process_group(proc.pid, proc=proc, first=first)
            else:
                # The leader is gone; make sure no group member is left.
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        with _LIVE_LOCK:
            _LIVE.discard(self)
        if self._relay is not None:
            self._relay_stop.set()
            self._relay.join(timeout=2)
            self._relay = None
        for attr in ("_master_fd", "_slave_fd"):
            fd = getattr(self, attr)
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                setattr(self, attr, None)
        if self._out_file is not None:
            self._out_file.close()
            self._out_file = None
        if (self._own_workdir and not self.config.keep_workdir and self.workdir
                and not self._stopped):
            shutil.rmtree(self.workdir, ignore_errors=True)
        self._stopped = True
        return proc.returncode if proc is not None else None

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the emulator to exit; None if still running at timeout."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    # ---- output ----------------------------------------------------------

    def serial_bytes(self) -> bytes:
        if self.serial_log is None:
            return b""
        try:
            return self.serial_log.read_bytes()
        except FileNotFoundError:
            return b""

    def serial_text(self) -> str:
        """COM1 output so far, without ANSI escapes and CRs."""
        return clean_serial_text(self.serial_bytes())

    def emulator_log_text(self) -> str:
        """The emulator's stdout/stderr followed by its log file."""
        parts = []
        for path in (self.console_log, self.emulator_log):
            if path is not None and path.exists():
                parts.append(f"--- {path.name} ---\n"
                             + path.read_bytes().decode("utf-8", errors="replace"))
        return "\n".join(parts)

    def failure_reason(self) -> str | None:
        """Why the emulator itself failed (not the guest), if it says so.

        Bochs: `>>PANIC<<` lines (bad configuration, or a guest triple fault
        with `panic: action=fatal`), except the guest's own shutdown request.
        QEMU: its own error messages.
        """
        lines: list[str] = []
        for path in (self.console_log, self.emulator_log):
            if path is None or not path.exists():
                continue
            text = path.read_bytes().decode("utf-8", errors="replace")
            for line in text.splitlines():
                if (self.config.emu == "bochs" and ">>PANIC<<" in line
                        and "shutdown requested" not in line):  # guest wrote "Shutdown" to 0x8900
                    lines.append(line.strip())
                elif (self.config.emu == "qemu" and line.startswith(f"{QEMU_BIN}:")
                      and "terminating on signal" not in line):
                    lines.append(line.strip())
        return "; ".join(dict.fromkeys(lines)) if lines else None

    def wait_for_serial(self, pattern: str | re.Pattern[str], timeout: float,
                        start: int = 0, poll: float = 0.1) -> re.Match[str]:
        """Wait until `pattern` (re.MULTILINE) matches the cleaned serial text.

        Searches from offset `start` of the cleaned text.  Raises
        EmulatorError on timeout or when the emulator exits without a match.
        """
        regex = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            running = self.is_running()
            text = self.serial_text()
            match = regex.search(text, start)
            if match:
                return match
            if not running:
                reason = self.failure_reason()
                raise EmulatorError(
                    f"{self.config.emu} exited (status {self.returncode}) before serial "
                    f"output matched /{regex.pattern}/"
                    + (f": {reason}" if reason else ""))
            if time.monotonic() >= deadline:
                raise EmulatorError(
                    f"timeout after {timeout:.0f} s waiting for serial output "
                    f"/{regex.pattern}/")
            time.sleep(poll)


# --------------------------------------------------------------------------
# CLI


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit status 2 for bad usage
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        description="Start Bochs or QEMU on a Bulkhead ISO and manage the process "
                    "(own process group, killed as a whole on exit, timeout, "
                    "Ctrl-C, SIGTERM).",
        epilog="Exit status: 0 emulator ended / user quit / --until matched; "
               "1 failure or timeout; 2 bad arguments.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run", help="boot an ISO with COM1 on this terminal",
        description="Boot an ISO. COM1 is connected to this terminal through a pty: "
                    "output goes to stdout, keyboard input to the guest. On a "
                    "terminal Ctrl-A X or Ctrl-C quits (Ctrl-A Ctrl-A sends Ctrl-A). "
                    "When stdin is not a terminal its bytes are forwarded as they "
                    "are and output is relayed until the emulator exits, --until "
                    "matches or --timeout expires.",
        epilog="Exit status: 0 emulator ended / user quit / --until matched; "
               "1 failure, timeout or emulator killed by a signal; 2 bad arguments.")
    run.add_argument("--emu", choices=("bochs", "qemu"), default="bochs",
                     help="emulator (default: bochs; QEMU TCG has no VT-x)")
    run.add_argument("--iso", required=True, type=Path, help="bootable ISO image")
    run.add_argument("--cpus", type=int, default=4, help="number of CPUs (default: 4)")
    run.add_argument("--model", default=None,
                     help=f"Bochs CPU model (default: {DEFAULT_BOCHS_MODEL}; tested: "
                          f"{', '.join(SUPPORTED_BOCHS_MODELS)}); ignored with qemu")
    run.add_argument("--qemu-cpu", default=None, metavar="CPU",
                     help="QEMU -cpu value (default: QEMU's own); ignored with bochs")
    run.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MIB, metavar="MIB",
                     help=f"guest RAM in MiB (default: {DEFAULT_MEMORY_MIB})")
    run.add_argument("--timeout", type=_positive_float, default=None, metavar="SECONDS",
                     help="kill the emulator after this many seconds (exit status 1)")
    run.add_argument("--until", default=None, metavar="REGEX",
                     help="stop with exit status 0 as soon as the serial output "
                          "matches REGEX (multi-line mode)")
    run.add_argument("--serial-log", type=Path, default=None, metavar="FILE",
                     help="also write COM1 output to FILE")
    run.add_argument("--workdir", type=Path, default=None, metavar="DIR",
                     help="directory for bochsrc and emulator logs (default: a temporary "
                          "directory, removed afterwards)")
    run.add_argument("--keep-workdir", action="store_true",
                     help="do not remove the temporary work directory")
    run.add_argument("--intel-iommu", action="store_true",
                     help="qemu: add -device intel-iommu")
    run.add_argument("--bochs-line", action="append", default=[], metavar="LINE",
                     help="extra bochsrc line (repeatable)")
    run.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                     help="extra QEMU argument (repeatable; use --qemu-arg=-foo)")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="no status messages on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from console import run_console  # the terminal side; imports this module

    args = build_parser().parse_args(argv)
    install_signal_handlers()
    config = EmulatorConfig(
        emu=args.emu, iso=args.iso, cpus=args.cpus, model=args.model,
        qemu_cpu=args.qemu_cpu,
        memory=args.memory, serial_log=args.serial_log, serial="pty",
        workdir=args.workdir, keep_workdir=args.keep_workdir,
        intel_iommu=args.intel_iommu, extra_bochs_lines=args.bochs_line,
        extra_qemu_args=args.qemu_arg)
    try:
        config.validate()
        return run_console(config, timeout=args.timeout, until=args.until,
                           quiet=args.quiet)
    except EmulatorError as err:
        print(f"emulator: error: {err}", file=sys.stderr)
        return err.exit_code
    except re.error as err:
        print(f"emulator: error: bad --until regex: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # Run as the importable module `emulator`, so console.py and this CLI share one
    # registry of running emulators (which the signal handlers stop).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import emulator

    sys.exit(emulator.main())
