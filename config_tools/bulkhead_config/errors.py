# SPDX-License-Identifier: BSD-3-Clause
"""The one exception type of the configuration tool, and its exit codes.

Every problem a user can cause (a broken scenario, a board file that does not match the
schema, an unreadable tarball) is raised as ConfigError with a message written for that
user; the command line prints it and exits with EXIT_BAD_INPUT. Nothing else may escape
as a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILURE = 1  # the tool itself failed (I/O error writing output, internal error)
EXIT_BAD_INPUT = 2  # the input is wrong; the message says where and why


@dataclass(frozen=True)
class Problem:
    """One finding about an input file."""

    file: str
    line: int | None  # 1-based, None when not known
    path: str  # element path, e.g. /scenario/vm[@id='1']/memory
    rule: str  # short rule identifier, e.g. "memory-overlap"
    message: str  # what is wrong
    hint: str = ""  # how to fix it

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: error [{self.rule}]: {self.message}"
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class ConfigError(Exception):
    """Bad input. Carries one or more problems; str() is what the user reads."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            text = problems
        else:
            self.problems = list(problems)
            text = "\n".join(str(p) for p in self.problems)
        super().__init__(text)
