"""Fault tier: the e2e world (real API server and etcd, the router lab, `frr-edge run` replicas), a world of its own.

The e2e tier's world is shared by its tests in order and ends with its Router deleted; the faults need one
that nothing else touches, so this module starts its own (tests/operator/conftest.py's running_world).

Sizes, from the environment: FRR_EDGE_FAULTS (faults to inject, 24 by default: three of each kind),
FRR_EDGE_FAULT_SEED (the random generator's seed, 16 by default) and FRR_EDGE_FAULT_REPORT (a file to write
the figures to, as JSON).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.operator.conftest import World, running_world


@dataclass(frozen=True)
class Settings:
    faults: int
    seed: int
    report: Path | None


@pytest.fixture(scope="module")
def settings() -> Settings:
    report = os.environ.get("FRR_EDGE_FAULT_REPORT")
    return Settings(
        faults=int(os.environ.get("FRR_EDGE_FAULTS", "24")),
        seed=int(os.environ.get("FRR_EDGE_FAULT_SEED", "16")),
        report=Path(report) if report else None,
    )


@pytest.fixture(scope="module")
def fault_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("faults")) as running:
        yield running
