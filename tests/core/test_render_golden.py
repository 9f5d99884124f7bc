"""Golden files: what frr-edge renders for fixed inputs, byte for byte, and real FRR and nft accept it.

Regenerate after an intended change with `UPDATE_GOLDEN=1 python3 -m pytest tests/core/test_render_golden.py`
and review the diff like code.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from controller.inputs import load_paths
from controller.pipeline import render_all

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
CASES = {
    "samples-core": REPO / "samples" / "core",
    "samples-metallb": REPO / "samples" / "metallb",
    "samples-metallb-legacy": REPO / "samples" / "metallb-legacy",
    **{path.stem: path for path in sorted((REPO / "tests" / "fixtures" / "render").glob("*.yaml"))},
}
Checker = Callable[[str], subprocess.CompletedProcess[str]]


def rendered(case: str) -> dict[str, str]:
    """File name → rendered text for every Router of a case."""
    results = render_all(load_paths([CASES[case]]))
    files: dict[str, str] = {}
    for result in results:
        assert result.ok, result.errors
        files[f"{result.name}.frr"] = result.frr
        files[f"{result.name}.nft"] = result.nft
    return files


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendering_matches_the_golden_files(case: str) -> None:
    directory = GOLDEN / case
    files = rendered(case)
    if os.environ.get("UPDATE_GOLDEN"):
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(text)
    assert sorted(path.name for path in directory.iterdir()) == sorted(files)
    for name, text in files.items():
        assert (directory / name).read_text() == text, f"{case}/{name} differs from the golden file"


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*/*.frr")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_frr_accepts_every_golden_config(golden: Path, vtysh_check: Checker) -> None:
    checked = vtysh_check(golden.read_text())
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*/*.nft")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_nft_accepts_every_golden_ruleset(golden: Path, nft_check: Checker) -> None:
    checked = nft_check(golden.read_text())
    assert checked.returncode == 0, checked.stderr


def test_real_tools_reject_what_they_should_so_the_checks_above_mean_something(
    vtysh_check: Checker, nft_check: Checker
) -> None:
    assert vtysh_check("router bgp 64512\n neighbor 192.0.2.1 remote-az 1\nexit\n").returncode != 0
    assert nft_check("table inet frr_edge {\n\tchain fwd {\n\t}\n}\n").returncode != 0
