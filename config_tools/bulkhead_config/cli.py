# SPDX-License-Identifier: BSD-3-Clause
"""bulkhead-config: one command with a subcommand per stage of the configuration flow.

Each stage lives in its own module, which provides register(subparsers); a module that
registers a subcommand sets its handler with parser.set_defaults(handler=...), and the
handler returns an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .errors import EXIT_BAD_INPUT, EXIT_FAILURE, ConfigError

# Stages in the order a user meets them.
SUBCOMMAND_MODULES = ("inspector", "validate", "generate", "docgen")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bulkhead-config",
        description="Bulkhead configuration tool: turn a board capture into a board XML, "
        "check a scenario against its board, and generate the hypervisor's C tables.")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as err:
            if err.name != f"{__package__}.{name}":
                raise
            continue  # a stage not present in this tree
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(handler(args))
    except ConfigError as err:
        print(f"bulkhead-config: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"bulkhead-config: error: {err}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
