#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The interactive serial console of `make run`: the user's terminal relayed to the
emulator's COM1 (a pty), with Ctrl-A X / Ctrl-C to quit. Process management lives in
emulator.py; this module only adds the terminal side.
"""

from __future__ import annotations

import os
import re
import select
import sys
import termios
import time
import tty

from emulator import Emulator, EmulatorConfig

CTRL_A = 0x01
CTRL_C = 0x03


class _Console:
    """Relays the user's terminal to a pty-mode emulator's COM1."""

    HINT = ("[bulkhead] serial console: Ctrl-A X or Ctrl-C quits, "
            "Ctrl-A Ctrl-A sends Ctrl-A\r\n")

    def __init__(self, emu: Emulator, stdin_fd: int) -> None:
        self.emu = emu
        self.stdin_fd = stdin_fd
        self.is_tty = os.isatty(stdin_fd)
        self.saved: list | None = None
        self.pending_ctrl_a = False

    def __enter__(self) -> "_Console":
        if self.is_tty:
            self.saved = termios.tcgetattr(self.stdin_fd)
            tty.setraw(self.stdin_fd)
            # Keep output post-processing so "\n" still returns the carriage.
            mode = termios.tcgetattr(self.stdin_fd)
            mode[1] |= termios.OPOST | termios.ONLCR
            termios.tcsetattr(self.stdin_fd, termios.TCSANOW, mode)
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        if self.saved is not None:
            try:
                termios.tcsetattr(self.stdin_fd, termios.TCSAFLUSH, self.saved)
            except termios.error:
                pass
            self.saved = None

    def filter_input(self, data: bytes) -> tuple[bytes, bool]:
        """Handle the escape keys; returns (bytes for the guest, quit?)."""
        if not self.is_tty:
            return data, False
        out = bytearray()
        for byte in data:
            if self.pending_ctrl_a:
                self.pending_ctrl_a = False
                if byte in (ord("x"), ord("X")):
                    return bytes(out), True
                if byte == CTRL_A:
                    out.append(CTRL_A)
                continue  # unknown escape: dropped
            if byte == CTRL_A:
                self.pending_ctrl_a = True
            elif byte == CTRL_C:
                return bytes(out), True
            else:
                out.append(byte)
        return bytes(out), False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [], 0.1)


def run_console(config: EmulatorConfig, timeout: float | None = None,
                until: str | None = None, quiet: bool = False) -> int:
    """Run an emulator with COM1 on this process's stdin/stdout.

    Returns the CLI exit status: 0 when the emulator ended, the user quit
    or `until` matched; 1 on timeout, on an emulator killed by a signal, or
    when the emulator ended before `until` matched.
    """
    config.serial = "pty"
    stdout_fd = sys.stdout.fileno()
    stdin_fd = sys.stdin.fileno()
    regex = re.compile(until, re.MULTILINE) if until else None

    def note(msg: str) -> None:
        if not quiet:
            sys.stderr.write(f"[bulkhead] {msg}\r\n")
            sys.stderr.flush()

    emu = Emulator(config, on_output=lambda data: _write_all(stdout_fd, data))
    status = 0
    try:
        emu.start()
        console = _Console(emu, stdin_fd)
        if console.is_tty and not quiet:
            sys.stderr.write(_Console.HINT)
        note(f"started {emu.describe()}")
        stdin_open = True
        deadline = time.monotonic() + timeout if timeout else None
        with console:
            while True:
                if emu.returncode is not None:
                    code = emu.returncode
                    reason = emu.failure_reason()  # before stop() removes the work dir
                    emu.stop()  # drains the relay
                    if regex and regex.search(emu.serial_text()):
                        note("pattern matched")
                        break
                    note(f"{config.emu} exited with status {code}"
                         + (f": {reason}" if reason else ""))
                    status = 1 if code < 0 or regex or reason else 0
                    break
                if regex and regex.search(emu.serial_text()):
                    note("pattern matched")
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    note(f"timeout after {timeout:g} s")
                    status = 1
                    break
                rlist = [stdin_fd] if stdin_open else []
                ready, _, _ = select.select(rlist, [], [], 0.1)
                if ready:
                    data = os.read(stdin_fd, 4096)
                    if not data:
                        stdin_open = False
                        continue
                    data, quit_now = console.filter_input(data)
                    if data:
                        emu.send_serial(data)
                    if quit_now:
                        note("quit")
                        break
    except KeyboardInterrupt:
        note("interrupted")
        status = 1
    finally:
        emu.stop()
    return status
