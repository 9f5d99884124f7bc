"""The core stays typed (mypy --strict) and lint-clean (ruff), as STYLE.md asks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORE = [
    "controller/api",
    "controller/merge",
    "controller/render",
    "controller/metallb",
    "controller/inputs.py",
    "controller/pipeline.py",
    "controller/offline.py",
    "controller/desired.py",
    "controller/errors.py",
    "controller/addresses.py",
    "controller/kubernetes.py",
    "controller/manifests.py",
]


def test_core_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", *CORE], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stdout


def test_core_and_its_tests_pass_ruff() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *CORE, "tests/core", "tests/metallb", "bench/bench_core.py"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout
