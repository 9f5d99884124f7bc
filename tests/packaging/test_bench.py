"""The offline benchmarks still run (not how fast: bench/ never gates on time).

bench_admission, bench_core and bench_derive had broken unnoticed (the index's API changed under one; the
others' measuring children imported `controller` only where an editable install pointed at the checkout).
Each runs here at a toy size from outside the checkout and must print its table. The benchmarks that need the
router lab or the API server (bench_apply, bench_controller, bench_scale) are exercised by the tiers whose
fixtures they reuse.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize(
    ("script", "arguments", "row"),
    [
        ("bench_core.py", ["--sizes", "10x100", "--repeat", "1"], "       10    100 "),
        ("bench_derive.py", ["--sizes", "10x100", "--repeat", "1"], "    10      100 "),
        ("bench_admission.py", ["--sizes", "10x100", "--repeat", "1"], "| 10 | 100 |"),
    ],
)
def test_an_offline_benchmark_runs_from_anywhere_and_prints_its_figures(
    script: str, arguments: list[str], row: str, tmp_path: Path
) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert row in done.stdout, done.stdout
