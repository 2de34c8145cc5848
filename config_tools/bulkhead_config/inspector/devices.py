# SPDX-License-Identifier: BSD-3-Clause
"""Serial ports, block devices and DMI identification strings."""
from __future__ import annotations

from dataclasses import dataclass

from .findings import parse_uint
from .source import Source

TTY_DIR = "sys/class/tty"
BLOCK_DIR = "sys/block"
DMI_DIR = "sys/class/dmi/id"
DMI_SKIP = ("serial", "uuid", "modalias", "uevent")
BLOCK_SKIP = ("loop", "ram", "zram")


@dataclass(frozen=True)
class SerialPort:
    name: str
    io_port: int | None
    iomem: int | None
    irq: int | None
    type: str | None
    io_type: str | None


@dataclass(frozen=True)
class Disk:
    name: str
    size: int | None
    removable: bool | None
    model: str | None
    vendor: str | None


def _int(text: str | None, base: int = 0) -> int | None:
    return parse_uint(text, base)


def parse_serial(source: Source) -> list[SerialPort]:
    ports = []
    names = [e for e in source.listdir(TTY_DIR)
             if e.startswith("ttyS") and parse_uint(e[4:]) is not None]
    for name in sorted(names, key=lambda n: parse_uint(n[4:]) or 0):
        base = f"{TTY_DIR}/{name}"
        kind = source.read_value(f"{base}/type")
        io_port = _int(source.read_value(f"{base}/port"))
        iomem = _int(source.read_value(f"{base}/iomem_base"))
        if kind in (None, "0") or not (io_port or iomem):
            continue  # no UART behind this minor
        ports.append(SerialPort(name, io_port or None, iomem or None,
                                _int(source.read_value(f"{base}/irq"), 10), kind,
                                source.read_value(f"{base}/io_type")))
    return ports


def parse_block(source: Source) -> list[Disk]:
    disks = []
    for name in source.listdir(BLOCK_DIR):
        if name.startswith(BLOCK_SKIP):
            continue
        base = f"{BLOCK_DIR}/{name}"
        sectors = _int(source.read_value(f"{base}/size"), 10)
        removable = source.read_value(f"{base}/removable")
        disks.append(Disk(name, sectors * 512 if sectors is not None else None,
                          removable == "1" if removable in ("0", "1") else None,
                          source.read_value(f"{base}/device/model") or None,
                          source.read_value(f"{base}/device/vendor") or None))
    return disks


def parse_dmi(source: Source) -> dict[str, str]:
    entries = {}
    for name in source.listdir(DMI_DIR):
        if any(skip in name for skip in DMI_SKIP) or source.is_dir(f"{DMI_DIR}/{name}"):
            continue
        value = source.read_text(f"{DMI_DIR}/{name}", record=False)
        if value is not None and value.strip():
            entries[name] = value.strip()
    return entries
