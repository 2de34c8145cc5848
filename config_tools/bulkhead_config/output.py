# SPDX-License-Identifier: BSD-3-Clause
"""Writing generated files: clang-formatted, and all or nothing.

All files are produced in memory first; only when every one of them was generated
and formatted are they written, each to a temporary name in the output directory and
then renamed into place. A failure before that point leaves the directory untouched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
CLANG_FORMAT_STYLE = REPO / ".clang-format"


def clang_format(text: str, name: str) -> str:
    """Formats C text with the repository's style; the result is deterministic."""
    tool = shutil.which("clang-format")
    if tool is None:
        raise ConfigError("clang-format is not installed (run misc/setup.sh)")
    result = subprocess.run([tool, f"--style=file:{CLANG_FORMAT_STYLE}",
                             f"--assume-filename={name}"], input=text, text=True,
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise OSError(f"clang-format failed on generated {name}: {result.stderr.strip()}")
    return result.stdout


def _same(target: Path, content: str | bytes) -> bool:
    if not target.is_file():
        return False
    data = content.encode("utf-8") if isinstance(content, str) else content
    return target.read_bytes() == data


def write_all(outdir: Path, files: dict[str, str | bytes], prune: str | None = None) -> None:
    """Writes every file of `files` into outdir, or none of them. Names are paths relative
    to outdir ("acpi/vm0/facp.dat"); text is written as UTF-8, bytes as they are.

    Files whose content is unchanged are not rewritten, so make does not rebuild what
    depends on them. With prune (a folder of outdir the generator owns, "acpi"), what in
    it no longer belongs to any of `files` is removed afterwards (see _prune).
    """
    outdir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in sorted(files.items()):
            target = outdir / name
            if _same(target, content):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(content.encode("utf-8") if isinstance(content, str) else content)
            staged.append((name, Path(tmp)))
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    for name, tmp in staged:
        os.replace(tmp, outdir / name)
    if prune is not None:
        _prune(outdir, prune, set(files))


def _prune(outdir: Path, folder: str, keep: set[str]) -> None:
    """Removes what under outdir/folder belongs to no file of `keep`: whole subfolders
    (acpi/vm3/ of a VM that is gone) and loose files. Files of others in a kept subfolder
    (iasl's .dsl next to a .dat) stay."""
    root = outdir / folder
    if not root.is_dir():
        return
    kept_dirs = {name.split("/")[1] for name in keep
                 if name.startswith(folder + "/") and name.count("/") >= 2}
    for path in root.iterdir():
        if path.is_dir() and not path.is_symlink():
            if path.name not in kept_dirs:
                shutil.rmtree(path)
        elif f"{folder}/{path.name}" not in keep:
            path.unlink()
    if not any(root.iterdir()):
        root.rmdir()
