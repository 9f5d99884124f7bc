"""docs/router.md: its sudo rules are the ones frr-edge generates, sudo accepts them, and its Router is valid."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from controller.api.router import FRRSettings
from controller.router.ssh.commands import WORKDIR_NAME, RouterCommands, sudoers
from tests.docs.markdown import code_blocks

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "router.md"


def block(info: str) -> str:
    (text,) = [text for block_info, text in code_blocks(PAGE) if block_info == info]
    return text


def test_sudo_rules_are_what_frr_edge_generates_for_the_documented_user() -> None:
    # The page's own useradd line names the user and its home, and so frr-edge's working directory.
    useradd = re.search(r"^useradd .*--home-dir (?P<home>\S+) .* (?P<user>\S+)$", PAGE.read_text(), re.MULTILINE)
    assert useradd, "no useradd line in docs/router.md"
    user, home = useradd["user"], useradd["home"]
    commands = RouterCommands(FRRSettings(), f"{home}/{WORKDIR_NAME}", user)
    assert block("sudoers") == sudoers(user, commands)


def test_sudo_accepts_the_rules(tmp_path: Path) -> None:
    rules = tmp_path / "frr-edge"
    rules.write_text(block("sudoers"))
    result = subprocess.run(["visudo", "-c", "-f", str(rules)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_router_example_is_valid(tmp_path: Path) -> None:
    (tmp_path / "router.yaml").write_text(block("yaml"))
    command = [sys.executable, "-m", "controller", "validate", "-f", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stderr
