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


def write_all(outdir: Path, files: dict[str, str]) -> None:
    """Writes every file of `files` (name -> text) into outdir, or none of them.

    Files whose content is unchanged are not rewritten, so make does not rebuild
    what depends on them.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in sorted(files.items()):
            target = outdir / name
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                continue
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=outdir)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            staged.append((name, Path(tmp)))
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    for name, tmp in staged:
        os.replace(tmp, outdir / name)
