"""The index: watch events in, the same Inputs the offline CLI reads out; only meaningful changes count."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from controller.inputs import load_paths
from controller.operator.index import Index
from controller.operator.memo import RenderMemo
from controller.pipeline import RouterResult, render_all

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "metallb"


def _objects() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for path in sorted(SAMPLES.glob("*.yaml")):
        documents += [d for d in YAML(typ="safe").load_all(path.read_text()) if d]
    for document in documents:
        document["metadata"].setdefault("resourceVersion", "1")
    return documents


def _render(index: Index) -> list[RouterResult]:
    """What a worker renders from the index: its snapshot, with the controller's memo."""
    snapshot = index.snapshot()
    return render_all(snapshot.inputs, snapshot.cluster, RenderMemo().at(snapshot.routing_version))


def test_index_renders_what_the_offline_cli_renders() -> None:
    """Given the MetalLB samples as watch events, the controller renders byte for byte what `render` does."""
    index = Index()
    for document in _objects():
        index.put(document)
    from_events = _render(index)
    from_files = render_all(load_paths([SAMPLES]))
    assert [(r.name, r.frr, r.nft) for r in from_events] == [(r.name, r.frr, r.nft) for r in from_files]
    assert from_events[0].frr  # not two empty renderings


def test_a_node_heartbeat_is_not_a_change() -> None:
    """A Node whose status conditions and resourceVersion change (kubelet heartbeat) wakes nobody."""
    changes: list[Any] = []
    index = Index(on_change=changes.append)
    node = next(d for d in _objects() if d["kind"] == "Node")
    assert index.put(node)
    beat = copy.deepcopy(node)
    beat["metadata"]["resourceVersion"] = "2"
    beat["status"]["conditions"] = [{"type": "Ready", "status": "True", "lastHeartbeatTime": "now"}]
    assert not index.put(beat)
    moved = copy.deepcopy(beat)
    moved["status"]["addresses"][0]["address"] = "10.0.0.99"
    assert index.put(moved)
    assert len(changes) == 2


def test_deleted_objects_leave_the_inputs() -> None:
    """A Service deleted is no longer allowed through the firewall."""
    index = Index()
    objects = _objects()
    for document in objects:
        index.put(document)
    web = next(d for d in objects if d["kind"] == "Service" and d["metadata"]["name"] == "web")
    assert "203.0.113.10" in _render(index)[0].nft
    assert index.drop(web)
    assert not index.drop(web)
    assert "203.0.113.10" not in _render(index)[0].nft


def test_rendering_leaves_the_index_as_the_api_server_sent_it() -> None:
    """The index shares nested values with the core (copying 50,000 Services cost 1.5 s): the core must not
    change them. Given the MetalLB samples, a full render leaves every stored object equal to what was put."""
    index = Index()
    objects = _objects()
    for document in objects:
        index.put(document)
    snapshot = copy.deepcopy(objects)
    first = _render(index)
    second = _render(index)
    assert objects == snapshot
    assert [(r.frr, r.nft) for r in first] == [(r.frr, r.nft) for r in second]
