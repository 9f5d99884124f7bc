"""frr-edge's command line run in this process, so that thousands of inputs can be tried in a test.

An exception escaping `main` is what a user would see as a traceback (exit 1): `run` lets it propagate,
so the test fails with it. `run_process` runs the real command for the few cases that need a process.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from controller.cli import main

REPO = Path(__file__).resolve().parents[2]
EXIT_CODES = (0, 2, 3)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(*argv: str) -> Run:
    """frr-edge ARGV in this process; an exception is a traceback and propagates."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse's own errors
            code = int(exit_.code or 0)
    return Run(code, stdout.getvalue(), stderr.getvalue())


def run_process(*argv: str, stdin: str | None = None) -> Run:
    """frr-edge ARGV as its own process, the way a pipeline calls it."""
    done = subprocess.run(
        [sys.executable, "-m", "controller", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def write(directory: Path, text: str | bytes, name: str = "input.yaml") -> Path:
    """One input file."""
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path
