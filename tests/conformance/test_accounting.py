"""Every FRR-K8s case the tier cites is restated or skipped with a reason, and each deliberate difference
points at a row of the table in docs/layering.md."""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path

from tests.conformance.frrk8s import RESTATED, SKIPPED, SOURCES
from tests.docs.layering_table import differences

MODULES = sorted(path.stem for path in Path(__file__).parent.glob("test_*.py") if path.stem != "test_accounting")


def classification() -> dict[tuple[str, str], str]:
    """Per FRR-K8s case: "equal", "deliberate" (any of its restatements is one) or "skipped"."""
    for module in MODULES:
        importlib.import_module(f"tests.conformance.{module}")
    kinds = {key: "skipped" for key in SKIPPED}
    for key, restated in RESTATED.items():
        kinds[key] = "deliberate" if any(item.row for item in restated) else "equal"
    return kinds


def test_every_case_of_frr_k8s_is_restated_or_skipped_with_a_reason_and_never_both() -> None:
    kinds = classification()
    cited = {(source, case) for source, cases in SOURCES.items() for case in cases}
    assert set(kinds) == cited, sorted(cited ^ set(kinds))
    assert not set(SKIPPED) & set(RESTATED)
    assert all(len(reason) > 40 for reason in SKIPPED.values())


def test_the_counts_reported_for_issue_12() -> None:
    counts = Counter(classification().values())
    assert counts == {"equal": 122, "deliberate": 74}, counts


def test_every_deliberate_difference_is_a_row_of_the_layering_table() -> None:
    classification()
    rows = set(differences())
    used = {item.row for restated in RESTATED.values() for item in restated if item.row}
    assert used <= rows, used - rows
