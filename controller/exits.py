"""Exit codes of every frr-edge command, and the one rule that turns typed errors into them.

Standard library only: the CLI imports this before it knows which command runs (see controller/cli.py).
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK = 0
EXIT_FAILED = 1  # a lab command that did not complete
EXIT_INVALID = 2  # bad input: the message names the object, the field and why
EXIT_CONFLICT = 3  # valid objects that contradict each other (a MergeConflict names both)
EXIT_UNREACHABLE = 4  # the router could not be reached or its host key not verified
EXIT_REJECTED = 5  # the router refused the configuration; it keeps its last good one

def exit_code(errors: Iterable[BaseException]) -> int:
    """EXIT_OK for no error, EXIT_CONFLICT when every error is a MergeConflict, else EXIT_INVALID.

    Bad input outranks a conflict: a conflict found while some input was unreadable may be a consequence.
    """
    from controller.errors import MergeConflict

    found = list(errors)
    if not found:
        return EXIT_OK
    return EXIT_CONFLICT if all(isinstance(error, MergeConflict) for error in found) else EXIT_INVALID
