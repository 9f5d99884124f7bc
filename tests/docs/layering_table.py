"""The table of deliberate differences from FRR-K8s in docs/layering.md, read as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "layering.md"
HEADING = "## Where frr-edge differs from FRR-K8s on purpose"
_TEST = re.compile(r"`(tests/[^`:]+\.py)::([A-Za-z0-9_]+)`", re.ASCII)


@dataclass(frozen=True)
class Difference:
    """One row: what FRR-K8s does, what frr-edge does, because, and the tests that show it."""

    name: str
    frr_k8s: str
    frr_edge: str
    because: str
    tests: tuple[tuple[str, str], ...]  # (path from the repository root, test function)


def differences(page: Path = PAGE) -> dict[str, Difference]:
    """The rows of the table under HEADING, by their name (the first column, without backticks)."""
    text = page.read_text()
    assert HEADING in text, f"{page.name} has no section {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.split("\n") if line.startswith("| `")]
    found: dict[str, Difference] = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split(" | ")]
        assert len(cells) == 5, row
        name = cells[0].strip("`")
        assert name not in found, f"row {name} appears twice"
        found[name] = Difference(name, cells[1], cells[2], cells[3], tuple(_TEST.findall(cells[4])))
    return found
