# SPDX-License-Identifier: BSD-3-Clause
"""The test guest, built once per session into a temporary directory (both test modules
boot it in QEMU)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def guest_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("guests")
    res = subprocess.run(
        ["make", "-C", str(HERE), f"O={out}", f"-j{os.cpu_count() or 1}"],
        capture_output=True, text=True, check=False,
    )
    assert res.returncode == 0, f"build failed:\n{res.stdout}\n{res.stderr}"
    assert "warning" not in (res.stdout + res.stderr).lower(), res.stdout + res.stderr
    return out


@pytest.fixture(scope="session")
def guest_elf(guest_build: Path) -> Path:
    elf = guest_build / "testguest.elf"
    assert elf.is_file()
    return elf


@pytest.fixture(scope="session")
def guest_elf64(guest_build: Path) -> Path:
    elf = guest_build / "testguest64.elf"
    assert elf.is_file()
    return elf
