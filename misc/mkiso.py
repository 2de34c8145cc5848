#!/usr/bin/python3
"""Build a GRUB (BIOS) bootable ISO that multiboot2-loads the Bulkhead hypervisor.

The ISO contains boot/grub/grub.cfg, the hypervisor ELF as
/boot/bulkhead.elf and every module under /boot/<basename>.  GRUB talks on
COM1 (115200 baud) and boots the single menu entry at once.

Usable as a module (build_iso()) and as a command-line tool:

    mkiso.py --out build/bulkhead.iso --hypervisor build/bulkhead.elf \\
        --cmdline "loglevel=4" --module build/vm0.bin vm0 arg1 arg2
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

GRUB_PC_DIR = Path("/usr/lib/grub/i386-pc")
HYPERVISOR_ISO_NAME = "bulkhead.elf"
# Module paths with this prefix are relative to --build-dir (bulkhead-config writes them).
BUILD_DIR_PREFIX = "@build/"

# Characters that GRUB's script parser treats literally in an unquoted word.
_GRUB_SAFE_WORD = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")


class MkisoError(Exception):
    """Any failure to build the ISO; the message is meant for the user.

    exit_code is 2 for bad input (missing/unreadable input files, bad
    arguments) and 1 for other failures.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Module:
    """A multiboot2 module: a file plus its tag and extra arguments."""

    path: Path
    tag: str
    args: list[str] = field(default_factory=list)


def grub_quote(word: str) -> str:
    """Quote one word so GRUB's script parser passes it through unchanged."""
    if _GRUB_SAFE_WORD.match(word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def grub_words(text: str) -> str:
    """Split a command line at white space and quote each word for GRUB."""
    if "\n" in text or "\r" in text:
        raise MkisoError("command lines and module arguments must not contain newlines",
                         exit_code=2)
    return " ".join(grub_quote(w) for w in text.split())


def iso_names(modules: Sequence[Module]) -> list[str]:
    """File names under /boot for the modules (basename, made unique)."""
    names: list[str] = []
    used = {HYPERVISOR_ISO_NAME, "grub"}
    for index, module in enumerate(modules):
        name = module.path.name
        if name in used:
            name = f"m{index}-{name}"
        used.add(name)
        names.append(name)
    return names


def grub_cfg(cmdline: str, modules: Sequence[Module], names: Sequence[str],
             timeout: int) -> str:
    """Text of boot/grub/grub.cfg."""
    mb_line = f"    multiboot2 /boot/{HYPERVISOR_ISO_NAME}"
    words = grub_words(cmdline)
    if words:
        mb_line += " " + words
    lines = [
        "serial --unit=0 --speed=115200",
        "terminal_input serial",
        "terminal_output serial",
        f"set timeout={timeout}",
        "set default=0",
        "",
        'menuentry "Bulkhead" {',
        mb_line,
    ]
    for module, name in zip(modules, names):
        line = f"    module2 /boot/{name} {grub_words(module.tag)}"
        extra = grub_words(" ".join(module.args))
        if extra:
            line += " " + extra
        lines.append(line)
    lines += ["    boot", "}", ""]
    return "\n".join(lines)


def _check_tools() -> str:
    """Return the grub-mkrescue path; raise if it or its helpers are missing."""
    mkrescue = shutil.which("grub-mkrescue")
    if mkrescue is None:
        raise MkisoError("grub-mkrescue not found: install grub-common and grub-pc-bin "
                         "(misc/setup.sh does it)")
    if not (GRUB_PC_DIR / "modinfo.sh").is_file():
        raise MkisoError(f"GRUB BIOS files missing in {GRUB_PC_DIR}: install grub-pc-bin "
                         "(misc/setup.sh does it)")
    if shutil.which("xorriso") is None:
        raise MkisoError("xorriso not found: install xorriso (misc/setup.sh does it)")
    return mkrescue


def _check_input(path: Path, what: str) -> None:
    if not path.exists():
        raise MkisoError(f"{what} not found: {path}", exit_code=2)
    if not path.is_file():
        raise MkisoError(f"{what} is not a regular file: {path}", exit_code=2)
    if not os.access(path, os.R_OK):
        raise MkisoError(f"{what} is not readable: {path}", exit_code=2)


def build_iso(out: Path | str, hypervisor: Path | str, cmdline: str = "",
              modules: Sequence[Module] = (), timeout: int = 0) -> Path:
    """Build the ISO atomically at `out` and return its path.

    Nothing is left at `out` (and a previous file there is kept) on failure.
    """
    out = Path(out)
    hypervisor = Path(hypervisor)
    if timeout < 0:
        raise MkisoError("--timeout must be 0 or more", exit_code=2)
    _check_input(hypervisor, "hypervisor image")
    for module in modules:
        _check_input(module.path, "module")
        if not module.tag or not module.tag.strip():
            raise MkisoError(f"module {module.path}: empty tag", exit_code=2)
    mkrescue = _check_tools()
    names = iso_names(modules)
    cfg = grub_cfg(cmdline, modules, names, timeout)

    out_dir = out.parent if str(out.parent) else Path(".")
    if not out_dir.is_dir():
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise MkisoError(f"cannot create output directory {out_dir}: {err}") from err

    with tempfile.TemporaryDirectory(prefix="mkiso-") as tmp:
        root = Path(tmp) / "iso"
        (root / "boot" / "grub").mkdir(parents=True)
        (root / "boot" / "grub" / "grub.cfg").write_text(cfg, encoding="utf-8")
        try:
            shutil.copyfile(hypervisor, root / "boot" / HYPERVISOR_ISO_NAME)
            for module, name in zip(modules, names):
                shutil.copyfile(module.path, root / "boot" / name)
        except OSError as err:
            raise MkisoError(f"cannot copy input file: {err}") from err

        fd, tmp_iso = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out_dir)
        os.close(fd)
        try:
            cmd = [mkrescue, "-d", str(GRUB_PC_DIR), "--locales=", "--themes=",
                   "--fonts=", "-o", tmp_iso, str(root)]
            try:
                proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, errors="replace", check=False)
            except OSError as err:
                raise MkisoError(f"cannot run grub-mkrescue: {err}") from err
            if proc.returncode != 0:
                tail = "\n".join(proc.stdout.strip().splitlines()[-20:])
                raise MkisoError(f"grub-mkrescue failed (exit {proc.returncode}):\n{tail}")
            if os.path.getsize(tmp_iso) == 0:
                raise MkisoError("grub-mkrescue produced an empty image")
            os.chmod(tmp_iso, 0o644)
            os.replace(tmp_iso, out)
        finally:
            if os.path.exists(tmp_iso):
                os.unlink(tmp_iso)
    return out


class _HelpFormatter(argparse.HelpFormatter):
    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        if action.dest == "module":
            return "PATH TAG [ARGS ...]"
        return super()._format_args(action, default_metavar)


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit code 2 for bad usage
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _ArgumentParser(
        formatter_class=_HelpFormatter,
        usage="%(prog)s --out ISO --hypervisor ELF [--cmdline STR] "
              "[--module PATH TAG [ARGS ...]]... [--modules-from FILE] [--timeout SECONDS]",
        description="Build a GRUB BIOS ISO that boots the Bulkhead hypervisor via "
                    "multiboot2, with GRUB on the serial console (COM1, 115200).",
        epilog="Example: %(prog)s --out build/bulkhead.iso --hypervisor build/bulkhead.elf "
               "--cmdline 'debug_fault=nullread' --module build/vm0.bin vm0 console=ttyS0. "
               "Exit status: 0 ok, 1 build failure, 2 bad arguments or missing input files.")
    parser.add_argument("--out", required=True, type=Path, metavar="ISO",
                        help="output ISO file (written atomically)")
    parser.add_argument("--hypervisor", required=True, type=Path, metavar="ELF",
                        help="hypervisor multiboot2 ELF image (becomes /boot/bulkhead.elf)")
    parser.add_argument("--cmdline", default="", metavar="STR",
                        help="hypervisor command line (default: empty)")
    parser.add_argument("--module", action="append", nargs="+", default=[],
                        help="add a multiboot2 module: file PATH, then TAG and optional "
                             "ARGS as its string (repeatable)")
    parser.add_argument("--modules-from", type=Path, metavar="FILE",
                        help="read more modules from FILE, one 'PATH TAG [ARGS...]' per "
                             "line ('#' comments; the list bulkhead-config generate writes)")
    parser.add_argument("--build-dir", type=Path, default=None, metavar="DIR",
                        help="where module paths that start with @build/ point (the build "
                             "directory, O=...)")
    parser.add_argument("--timeout", type=int, default=0, metavar="SECONDS",
                        help="GRUB menu timeout (default: 0)")
    args = parser.parse_args(argv)
    specs = list(args.module)
    if args.modules_from:
        try:
            lines = args.modules_from.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            parser.error(f"--modules-from: {err}")
        specs += [line.split() for line in lines if line.strip() and not line.startswith("#")]
    modules = []
    for spec in specs:
        if len(spec) < 2:
            parser.error(f"--module needs PATH and TAG, got: {' '.join(spec)}")
        path = spec[0]
        if path.startswith(BUILD_DIR_PREFIX):
            if args.build_dir is None:
                parser.error(f"module {path} is in the build directory: give --build-dir")
            path = str(args.build_dir / path[len(BUILD_DIR_PREFIX):])
        modules.append(Module(Path(path), spec[1], list(spec[2:])))
    args.modules = modules
    if args.timeout < 0:
        parser.error("--timeout must be 0 or more")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        build_iso(args.out, args.hypervisor, args.cmdline, args.modules, args.timeout)
    except MkisoError as err:
        print(f"mkiso: error: {err}", file=sys.stderr)
        return err.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
