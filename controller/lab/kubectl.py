"""The real kubectl, run as one user (one kubeconfig) of a lab cluster."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class KubectlError(Exception):
    """kubectl exited non-zero; the message holds the command and kubectl's own error text."""


@dataclass(frozen=True)
class Kubectl:
    binary: Path
    kubeconfig: Path

    def run(self, *args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run kubectl with `args`; the result whatever the exit code."""
        return subprocess.run(
            # Discovery is cached beside the kubeconfig: each lab its own, none in the user's ~/.kube.
            [
                str(self.binary),
                f"--kubeconfig={self.kubeconfig}",
                f"--cache-dir={self.kubeconfig.parent / 'cache'}",
                *args,
            ],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def __call__(self, *args: str, input: str | None = None) -> str:
        """Run kubectl with `args` and return its output; raise KubectlError when it fails."""
        result = self.run(*args, input=input)
        if result.returncode != 0:
            raise KubectlError(f"kubectl {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
        return result.stdout

    def json(self, *args: str, input: str | None = None) -> Any:
        """Run kubectl with `args --output=json` and return the decoded object."""
        return json.loads(self(*args, "--output=json", input=input))
