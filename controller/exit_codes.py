"""Every command's exit codes: the numbers, the one rule from typed errors to a code, and the help text.

The help text is made from the table EXIT_CODES (controller/cli.py), never cut from a docstring, so a
command's --help always lists all of its codes in full sentences (tests/core/test_help.py holds every
command to it). Standard library only: every start-up builds the whole parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator, Mapping

EXIT_OK = 0
EXIT_FAILED = 1  # a lab command that did not complete
EXIT_INVALID = 2  # bad input: the message names the object, the field and why
EXIT_CONFLICT = 3  # valid objects that contradict each other (a MergeConflict names both)
EXIT_UNREACHABLE = 4  # the router could not be reached or its host key not verified
EXIT_REJECTED = 5  # the router refused the configuration; it keeps its last good one
EXIT_BUSY = 6  # another writer held the router lock for the whole wait; nothing was changed
EXIT_CHANGES = 1  # `frr-edge diff`: an apply would change the router
EXIT_INTERNAL = 70  # a bug in frr-edge (BSD's EX_SOFTWARE): no command gives it for anything else


def exit_code(errors: Iterable[BaseException]) -> int:
    """EXIT_OK for no error, EXIT_CONFLICT when every error is a MergeConflict, else EXIT_INVALID.

    Bad input outranks a conflict: a conflict found while some input was unreadable may be a consequence.
    """
    from controller.errors import MergeConflict

    found = list(errors)
    if not found:
        return EXIT_OK
    return EXIT_CONFLICT if all(isinstance(error, MergeConflict) for error in found) else EXIT_INVALID

_USAGE = "the command line cannot be read (argparse's own exit code)"
_INVALID = "invalid input: the message names the file, object, field and why"
_CONFLICT = "a merge conflict: the message names both objects, the field and both values"
_UNREACHABLE = (
    "the router is unreachable or its FRR cannot be read, or its host key is not one of the Router's hostKeys"
)
_LAB_FAILED = "it failed; the message says why and which log to read"
_CONTROLLER = {
    0: "stopped by SIGTERM or SIGINT",
    2: "the kubeconfig or a flag cannot be used; the message says which and why",
}

EXIT_CODES: dict[tuple[str, ...], dict[int, str]] = {
    ("render",): {0: "every Router was rendered", 2: _INVALID, 3: _CONFLICT},
    ("validate",): {0: "every Router is valid", 2: _INVALID, 3: _CONFLICT},
    ("crds",): {0: "the CRDs were printed or written", 2: "the directory cannot be written"},
    ("convert",): {0: "every FRR-K8s FRRConfiguration was converted", 2: _INVALID},
    ("parse",): {0: "the file parses", 2: "it does not: every refused line is listed with file, line and column"},
    ("apply",): {
        0: "applied, or nothing to change (a paused Router is not written to)",
        2: _INVALID,
        3: _CONFLICT,
        4: _UNREACHABLE,
        5: "the router rejected the configuration; its previous configuration is kept",
        6: (
            "busy: another writer (the controller, or another frr-edge apply) held the router lock for the whole "
            "--lock-wait; the message names it (host, pid, since when) and nothing was changed"
        ),
    },
    ("status",): {0: "the router's state was read and printed", 2: _INVALID, 4: _UNREACHABLE},
    ("diff",): {
        0: "nothing would change",
        1: "an apply would change the router (the changes are printed)",
        2: _INVALID,
        3: _CONFLICT,
        4: _UNREACHABLE,
    },
    ("run",): _CONTROLLER,
    ("webhook",): _CONTROLLER,
    ("lab", "cluster", "start"): {0: "the cluster runs", 1: _LAB_FAILED},
    ("lab", "cluster", "stop"): {0: "whatever ran for the directory is stopped"},
    ("lab", "router", "start"): {0: "the router lab runs", 1: _LAB_FAILED},
    ("lab", "router", "stop"): {0: "whatever ran for the directory is stopped", 1: _LAB_FAILED},
    ("lab", "demo", "start"): {0: "the demo runs", 1: _LAB_FAILED},
    ("lab", "demo", "stop"): {0: "whatever ran for the directory is stopped"},
}


def listing(codes: Mapping[int, str]) -> str:
    """`Exit codes: 0 ...; 2 ....` with argparse's usage code added where a command has no code 2 of its own."""
    described = dict(codes)
    described.setdefault(2, _USAGE)
    return "Exit codes: " + "; ".join(f"{code} {described[code]}" for code in sorted(described)) + "."


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command that runs (the leaves of the sub-command tree), with its path of names."""
    groups = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not groups:
        yield path, parser
        return
    for group in groups:
        for name, child in group.choices.items():
            yield from commands(child, (*path, name))


def add_epilogs(parser: argparse.ArgumentParser) -> None:
    """Give every command in EXIT_CODES its `Exit codes:` paragraph (a test fails for a command left out)."""
    for path, command in commands(parser):
        if path in EXIT_CODES:
            command.epilog = listing(EXIT_CODES[path])
