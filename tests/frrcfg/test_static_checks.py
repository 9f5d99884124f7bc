"""controller/frrcfg stays typed (mypy --strict) and lint-clean (ruff), as STYLE.md asks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OURS = ["controller/frrcfg", "tests/frrcfg", "tests/packaging", "bench/bench_parse.py"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command, *OURS], capture_output=True, text=True, cwd=REPO)


def test_frrcfg_passes_mypy_strict() -> None:
    result = run("mypy", "--strict")
    assert result.returncode == 0, result.stdout


def test_frrcfg_passes_ruff() -> None:
    result = run("ruff", "check")
    assert result.returncode == 0, result.stdout
