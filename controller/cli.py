"""Command line: `frr-edge render|validate|crds|...`; the edge that turns typed errors into exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_CONFLICT = 3

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frr-edge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from controller import apply_cli, convert, offline, operator
    from controller.frrcfg import cli as frrcfg

    offline.add_commands(commands)
    convert.add_commands(commands)
    _add_lab_commands(commands)
    apply_cli.add_commands(commands)
    frrcfg.add_commands(commands)
    operator.add_commands(commands)
    return parser


def _add_lab_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`frr-edge lab ...` where the lab exists: a source checkout (`make demo`, `make test`), not the wheel."""
    try:
        from controller.lab import cli as lab
    except ModuleNotFoundError as error:
        if error.name != "controller.lab":
            raise
        return
    lab.add_commands(commands)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
