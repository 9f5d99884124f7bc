"""docs/layering.md: its YAML renders, with `frr-edge render`, exactly to the configuration the page shows."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.docs.layering_table import differences
from tests.docs.markdown import code_blocks

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "layering.md"


def render(directory: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "controller", "render", "-f", str(directory), "--router", "edge-1"]
    return subprocess.run([*command, "--output", "frr"], capture_output=True, text=True, cwd=REPO, check=False)


def write_inputs(directory: Path, info: str) -> None:
    blocks = [text for block_info, text in code_blocks(PAGE) if block_info == info]
    assert blocks, f"no ```{info} block in {PAGE.name}"
    for number, text in enumerate(blocks):
        (directory / f"{info.replace(' ', '-')}-{number}.yaml").write_text(text)


def test_worked_example_renders_as_shown(tmp_path: Path) -> None:
    write_inputs(tmp_path, "yaml")
    result = render(tmp_path)
    assert result.returncode == 0, result.stderr
    (shown,) = [text for info, text in code_blocks(PAGE) if info == "frr"]
    assert result.stdout == shown


def test_conflicting_layer_is_refused_as_shown(tmp_path: Path) -> None:
    write_inputs(tmp_path, "yaml")
    write_inputs(tmp_path, "yaml conflict")
    result = render(tmp_path)
    assert result.returncode == 3
    (shown,) = [text for info, text in code_blocks(PAGE) if info == "text"]
    assert result.stderr == shown


def test_every_deliberate_difference_from_frr_k8s_says_what_and_why_and_names_tests_that_exist() -> None:
    rows = differences()
    assert len(rows) >= 10
    for name, row in rows.items():
        assert row.frr_k8s and row.frr_edge and row.because, name
        assert row.tests, f"row {name} names no test"
        for path, function in row.tests:
            source = REPO / path
            assert source.is_file(), f"row {name}: {path} does not exist"
            defined = {node.name for node in ast.parse(source.read_text()).body if isinstance(node, ast.FunctionDef)}
            assert function in defined, f"row {name}: {path} has no test {function}"
