# SPDX-License-Identifier: BSD-3-Clause
"""`bulkhead-config inspect`: a capture (tarball, directory or the live "/") to a board XML."""
from __future__ import annotations

import argparse
import re
import sys

from ..errors import EXIT_OK, ConfigError
from .acpi import parse_tables
from .capture_info import parse_capture_info
from .cpu import parse_cpus
from .devices import parse_block, parse_dmi, parse_serial
from .findings import Findings
from .memmap import parse_memmap
from .pci import parse_pci
from .source import Capture, Source
from .writer import Facts, render, write_atomically

_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def board_name(explicit: str | None, dmi: dict[str, str], info: dict[str, str]) -> str:
    """--name, else the DMI product or board name, else the capture's hostname, made safe."""
    if explicit is not None:
        if not _NAME_OK.match(explicit):
            raise ConfigError(f"--name {explicit!r}: use letters, digits, '.', '-' and '_', "
                              "starting with a letter or digit")
        return explicit
    for candidate in (dmi.get("product_name"), dmi.get("board_name"), info.get("hostname")):
        if candidate:
            name = re.sub(r"[^A-Za-z0-9._-]+", "-", candidate.strip()).strip("-._").lower()
            if name and name not in ("to-be-filled-by-o.e.m", "default-string",
                                     "system-product-name"):
                return name
    return "board"


def collect(source: Source, name: str | None = None) -> Facts:
    """Read everything the board XML describes from source."""
    findings = Findings()
    capture = parse_capture_info(source, findings)
    dmi = parse_dmi(source)
    cpus = parse_cpus(source, findings)
    memory = parse_memmap(source, findings)
    acpi = parse_tables(source, findings)
    pci = parse_pci(source, findings)
    serial, disks = parse_serial(source), parse_block(source)
    for rel in sorted(set(source.missing)):
        findings.warn("capture", f"/{rel} is missing or unreadable")
    return Facts(board_name(name, dmi, capture.info), capture, findings, cpus, memory, acpi,
                 pci, serial, disks, dmi)


def inspect_capture(capture: str, name: str | None = None,
                    output_name: str = "board.xml") -> bytes:
    """The board XML bytes for a capture path (tarball, directory or "/")."""
    with Capture(capture) as source:
        return render(collect(source, name), output_name)


def run(args: argparse.Namespace) -> int:
    data = inspect_capture(args.capture, args.name, args.output)
    write_atomically(args.output, data)
    print(f"bulkhead-config: wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "inspect", help="turn a board capture into a board XML",
        description="Read a capture made by bulkhead-collect.sh (a .tar.gz or an extracted "
        "directory), or this machine's own /proc and /sys when CAPTURE is /, and write the "
        "board XML (schema/board.xsd). Unreadable or corrupt parts become <warning> "
        "elements; the output is validated before it is written.")
    parser.add_argument("capture", metavar="CAPTURE",
                        help="capture tarball (.tar.gz), capture directory, or / for this "
                        "machine")
    parser.add_argument("-o", "--output", required=True, metavar="BOARD_XML",
                        help="board XML file to write (replaced atomically)")
    parser.add_argument("--name", help="board name (default: from DMI, else hostname)")
    parser.set_defaults(handler=run)


__all__ = ["register", "inspect_capture", "collect", "board_name"]
