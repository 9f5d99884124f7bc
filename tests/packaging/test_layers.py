"""The layers of pyproject.toml's [tool.importlinter] contracts hold (issue 15: nothing kept the layers).

`lint-imports` reads the contracts: the core is layered (operator above router above pipeline above merge,
MetalLB and render, above desired state and inputs, API types, the FRR model, addresses and errors); the pure
core imports no cluster, SSH or HTTP client; only the CLI's `lab` command reaches the lab.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

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
    assert "3 kept, 0 broken" in result.stdout


def test_an_import_against_the_layers_is_caught(tmp_path: Path) -> None:
    """The same contracts on a copy of the package where the FRR model imports the renderer."""
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    shutil.copytree(REPO / "controller", tmp_path / "controller", ignore=shutil.ignore_patterns("__pycache__"))
    model = tmp_path / "controller" / "frrcfg" / "model.py"
    model.write_text(model.read_text() + "\nimport controller.render.frr  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "controller.frrcfg.model -> controller.render.frr" in result.stdout
