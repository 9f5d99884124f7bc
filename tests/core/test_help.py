"""Every command's --help ends with its exit codes, all of them, each in full (issue 17: `apply --help` stopped
at "4 router unreachable or host")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from controller.cli import build_parser
from controller.exit_codes import EXIT_CODES, commands

REPO = Path(__file__).resolve().parents[2]
COMMANDS = [path for path, _ in commands(build_parser())]


def exit_paragraph(help_text: str) -> str:
    """The `Exit codes:` paragraph of a help text, on one line."""
    flat = " ".join(help_text.split())
    assert flat.count("Exit codes:") == 1, help_text
    return flat[flat.index("Exit codes:") :]


def test_every_command_has_its_exit_codes_in_the_table_and_no_entry_is_left_over() -> None:
    assert set(COMMANDS) == set(EXIT_CODES)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_lists_every_exit_code_of_the_command_in_full(path: tuple[str, ...]) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "controller", *path, "--help"], capture_output=True, text=True, cwd=REPO, check=False
    )

    assert shown.returncode == 0, shown.stderr
    paragraph = exit_paragraph(shown.stdout)
    assert paragraph.endswith("."), paragraph
    listed = [int(code) for code in re.findall(r"(?:: |; )(\d) ", paragraph)]
    assert listed == sorted({*EXIT_CODES[path], 2}), paragraph
    for code, meaning in EXIT_CODES[path].items():
        assert f"{code} {meaning}" in paragraph, (code, paragraph)


def test_apply_help_says_what_4_5_and_6_mean_to_the_end() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "controller", "apply", "--help"], capture_output=True, text=True, cwd=REPO, check=False
    )

    paragraph = exit_paragraph(shown.stdout)
    assert (
        "4 the router is unreachable or its FRR cannot be read, or its host key is not one of the Router's hostKeys;"
        in paragraph
    )
    assert "5 the router rejected the configuration; its previous configuration is kept;" in paragraph
    assert paragraph.endswith(
        "6 busy: another writer (the controller, or another frr-edge apply) held the router lock for the whole "
        "--lock-wait; the message names it (host, pid, since when) and nothing was changed."
    )
