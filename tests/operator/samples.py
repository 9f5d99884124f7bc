"""samples/metallb as the watch events the controller's index receives (every object, resourceVersion 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "metallb"


def sample_objects() -> list[dict[str, Any]]:
    """Every object of samples/metallb, as a watch delivers it."""
    documents: list[dict[str, Any]] = []
    for path in sorted(SAMPLES.glob("*.yaml")):
        documents += [d for d in YAML(typ="safe").load_all(path.read_text()) if d]
    for document in documents:
        document["metadata"].setdefault("resourceVersion", "1")
    return documents
