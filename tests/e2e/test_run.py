"""`make run`'s console: the emulator launcher in interactive mode on a terminal.
The hypervisor's serial console reaches the terminal, Ctrl-A X ends the session,
and no emulator process survives it."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness import REPO, markers

PYTHON = "/usr/bin/python3"
EMULATOR = REPO / "misc" / "emulator.py"


def emulator_pids(workdir: Path) -> set[int]:
    """Emulators running in workdir (the other test worker may run its own)."""
    out = subprocess.run(["pgrep", "-f", "bochs-bin|qemu-system-x86_64"], text=True,
                         capture_output=True, check=False).stdout
    pids = set()
    for pid in map(int, out.split()):
        try:
            if Path(os.readlink(f"/proc/{pid}/cwd")).is_relative_to(workdir):
                pids.add(pid)
        except OSError:
            pass
    return pids


def read_until(fd: int, pattern: re.Pattern[str], budget: float) -> str:
    text = ""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        text += chunk.decode("utf-8", "replace")
        if pattern.search(text):
            return text
    pytest.fail(f"{pattern.pattern!r} not seen within {budget:.0f} s; output tail:\n"
                f"{text[-3000:]}", pytrace=False)


@pytest.mark.bochs
def test_console_on_a_terminal_and_clean_exit(tmp_path: Path, hypervisor_elf: Path,
                                              default_iso: Path) -> None:
    workdir = tmp_path / "w"
    pid, fd = pty.fork()
    if pid == 0:  # child: the launcher on a terminal, as `make run` starts it
        os.execv(PYTHON, [PYTHON, str(EMULATOR), "run", "--emu", "bochs", "--iso",
                          str(default_iso), "--cpus", "2", "--workdir", str(workdir)])
    try:
        read_until(fd, markers.READY, 120)
        assert emulator_pids(workdir), "no emulator found running in the work directory"
        os.write(fd, b"\x01x")  # Ctrl-A X
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            try:
                select.select([fd], [], [], 0.2)
                os.read(fd, 4096)
            except OSError:
                pass
        assert status is not None and os.WIFEXITED(status), "launcher did not exit"
        assert os.WEXITSTATUS(status) == 0
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
    time.sleep(0.5)
    left = emulator_pids(workdir)
    assert not left, f"emulator processes left behind: {sorted(left)}"
