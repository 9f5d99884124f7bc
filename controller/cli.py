"""Command line: `frr-edge render|validate|crds|...`; the edge that turns typed errors into exit codes."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

# Every start-up builds the whole parser (this docstring is its description), so the modules registering
# commands import only the standard library; each command imports what it needs when it runs
# (tests/packaging/test_startup.py holds to it).
from controller import apply_cli, convert, diff_cli, exit_codes, offline, operator
from controller.exit_codes import EXIT_INTERNAL, EXIT_OK
from controller.frrcfg import cli as frrcfg

Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frr-edge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    offline.add_commands(commands)
    convert.add_commands(commands)
    _add_lab_commands(commands)
    apply_cli.add_commands(commands)
    diff_cli.add_commands(commands)
    frrcfg.add_commands(commands)
    operator.add_commands(commands)
    exit_codes.add_epilogs(parser)
    return parser


def _add_lab_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`frr-edge lab ...` where the lab exists: a source checkout (`make demo`, `make test`), not the wheel.

    The lab must sit in this very package's directory: an editable install of another checkout on the same
    interpreter (its import finder answers for `controller.*` names this package lacks) must not lend its
    lab to an installed wheel, which would then run code from two versions at once.
    """
    import controller

    if not os.path.isfile(os.path.join(os.path.dirname(controller.__file__), "lab", "cli.py")):
        return
    from controller.lab import cli as lab

    lab.add_commands(commands)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # a bug: one line, and a code no command gives for anything else
        if os.environ.get("FRR_EDGE_DEBUG"):
            import traceback

            traceback.print_exc()  # for whoever fixes it; it may quote input values
        print(
            f"frr-edge: internal error ({type(error).__name__}); please report it with the input "
            "(FRR_EDGE_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def program() -> NoReturn:
    """The `frr-edge` executable: main(), then the exit of the process."""
    code = main()
    # The interpreter's last full collection, at exit, would walk every object start-up made (modules,
    # models, validators) to free memory the process is giving back anyway: about a tenth of a short
    # command's CPU. Frozen objects are skipped; atexit handlers still run.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    program()
