"""The layers of pyproject.toml's [tool.importlinter] contracts hold (issue 15: nothing kept the layers).

`lint-imports` reads the contracts: the core is layered (operator above router above pipeline above merge,
MetalLB and render, above desired state and inputs, API types, the FRR model, addresses and errors); the pure
core imports no cluster, SSH or HTTP client; only the CLI's `lab` command reaches the lab. Behind the router
seam, the kind of router (linux/) sits above FRR planning, the nftables delta and the SSH transport, which
import none of each other; the seam and RouterState import no backend; no backend imports the operator.
Departing speakers are held by the pipeline's render: operator/departing.py imports no renderer nor merge.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the package in `tree` (that tree first on the path, whatever is installed)."""
    scripts = Path(sys.executable).parent
    return subprocess.run(
        [str(scripts / "lint-imports"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": f"{scripts}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 kept, 0 broken" in result.stdout


# (module that gets one more import, the module it imports, what lint-imports reports)
AGAINST_THE_LAYERS = [
    ("controller/frrcfg/model.py", "controller.render.frr", "controller.frrcfg.model -> controller.render.frr"),
    (
        "controller/router/frr/plan.py",
        "controller.router.ssh.transport",
        "controller.router.frr.plan -> controller.router.ssh.transport",
    ),
    (
        "controller/router/state.py",
        "controller.router.linux.observe",
        "controller.router.state -> controller.router.linux.observe",
    ),
    (
        "controller/router/ssh/commands.py",
        "controller.operator.metrics",
        "controller.router.ssh.commands -> controller.operator.metrics",
    ),
    (
        "controller/operator/departing.py",
        "controller.render.frr",
        "controller.operator.departing -> controller.render.frr",
    ),
]


@pytest.mark.parametrize(("module", "imported", "reported"), AGAINST_THE_LAYERS, ids=[a[0] for a in AGAINST_THE_LAYERS])
def test_an_import_against_the_layers_is_caught(tmp_path: Path, module: str, imported: str, reported: str) -> None:
    """The same contracts on a copy of the package where `module` imports what its layer may not."""
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    shutil.copytree(REPO / "controller", tmp_path / "controller", ignore=shutil.ignore_patterns("__pycache__"))
    changed = tmp_path / module
    changed.write_text(changed.read_text() + f"\nimport {imported}  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert reported in result.stdout
