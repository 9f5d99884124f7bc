"""One rule turns typed errors into exit codes for every command (issue 15: it was written twice, differently:
`validate` let bad input outrank a conflict, `apply` went by whichever error came first)."""

from __future__ import annotations

import subprocess
import sys

from controller.errors import InvalidInput, MergeConflict, Origin
from controller.exit_codes import EXIT_CONFLICT, EXIT_INVALID, EXIT_OK, exit_code

A = Origin("FRRConfiguration", "ns", "a")
B = Origin("FRRConfiguration", "ns", "b")
CONFLICT = MergeConflict("router edge-1 neighbor 192.0.2.11", "asn", A, "64513", B, "64514")
INVALID = InvalidInput(A, "spec.bgp.routers[0].neighbors[0].bfdProfile", "no BFD profile 'fast'")


def test_no_error_is_success() -> None:
    assert exit_code([]) == EXIT_OK


def test_conflicts_alone_are_a_conflict() -> None:
    assert exit_code([CONFLICT, CONFLICT]) == EXIT_CONFLICT


def test_bad_input_outranks_a_conflict_whichever_comes_first() -> None:
    assert exit_code([CONFLICT, INVALID]) == EXIT_INVALID
    assert exit_code([INVALID, CONFLICT]) == EXIT_INVALID


def test_the_cli_registers_without_importing_the_error_types() -> None:
    """controller.exit_codes is imported by the CLI before a command runs: it must stay standard-library only."""
    probe = "import sys, controller.exit_codes; print(any(m.startswith('pydantic') for m in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"
