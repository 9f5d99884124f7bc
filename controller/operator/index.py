"""The controller's in-memory view of the cluster: every watched object, as the API server last sent it.

Watch handlers put and drop objects; a worker asks for a `snapshot()`: the same Inputs and Cluster the
offline CLI reads from files, so the controller renders exactly what `frr-edge render` would for the same
objects. Nodes, Pods and Services (tens of thousands in a large cluster) are read into their plain values
once per change that matters, not once per run (`reads` counts them). `routing_version` counts the changes
to anything but Services: a router's routing half (controller/pipeline.py) reads everything but them.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable
from typing import Any

from controller.api.common import GROUP
from controller.inputs import Inputs, add_object, origin_of
from controller.metallb.resources import Cluster, CoreObject, is_core, read_cluster, read_core

Key = tuple[str, str, str, str]  # (apiVersion group, kind, namespace, name)

# Fields the API server changes without any change of meaning for frr-edge: a write of only these
# (a Node's heartbeat, a managedFields shuffle) must not wake the workers.
_VOLATILE_METADATA = ("resourceVersion", "managedFields", "generation")


def key_of(document: dict[str, Any]) -> Key:
    metadata = document.get("metadata") or {}
    group = str(document.get("apiVersion", "")).rpartition("/")[0]
    return (group, str(document.get("kind", "")), str(metadata.get("namespace") or ""), str(metadata.get("name", "")))


def _meaning(document: dict[str, Any]) -> dict[str, Any]:
    """The part of an object that can change a rendered configuration."""
    kept = {k: v for k, v in document.items() if k not in ("metadata", "status")}
    kept["metadata"] = {k: v for k, v in (document.get("metadata") or {}).items() if k not in _VOLATILE_METADATA}
    status = document.get("status")
    if document.get("kind") == "Node" and isinstance(status, dict):
        status = {"addresses": status.get("addresses")}
    if status is not None and document.get("kind") not in ("Router", "FRRConfiguration", "FirewallPolicy"):
        kept["status"] = status
    return kept


# Service changes remembered for incremental renders; past this many, the oldest half is forgotten (a render
# that last looked before those then starts from scratch).
SERVICE_LOG = 200_000


class Snapshot:
    """The index at one moment, as the core reads it.

    `inputs` is built at once (a few hundred objects at most); the Cluster, which holds every Node, Pod and
    Service, only when first asked for (an incremental render never asks). `version` counts every change,
    `routing_version` those to anything but Services.
    """

    def __init__(
        self,
        inputs: Inputs,
        core: dict[Key, CoreObject],
        order: list[Key],
        versions: tuple[int, int],
        log: tuple[list[tuple[int, Key]], int, int],
    ) -> None:
        self.inputs = inputs
        self.core = core
        self._order = order
        self.version, self.routing_version = versions
        self._log, self._log_end, self._log_start = log

    @functools.cached_property
    def cluster(self) -> Cluster:
        return read_cluster(self.inputs.others, [self.core[key] for key in self._order])

    def services_changed_since(self, version: int) -> list[Key] | None:
        """The Services created, changed or deleted after `version`; None when that is too long ago."""
        if version < self._log_start:
            return None
        first = bisect.bisect_right(self._log, version, hi=self._log_end, key=lambda change: change[0])
        return list(dict.fromkeys(key for _, key in self._log[first : self._log_end]))


class Index:
    """Objects by key; `version` counts the changes that matter, `on_change` is called after each."""

    def __init__(self, on_change: Callable[[Key], None] | None = None) -> None:
        self._objects: dict[Key, dict[str, Any]] = {}
        self._meanings: dict[Key, dict[str, Any]] = {}
        # Nodes, Pods and Services as read_core read them, and their order in a snapshot (sorted by key,
        # recomputed only when one comes or goes: a change of status keeps the order).
        self._core: dict[Key, CoreObject] = {}
        self._core_order: list[Key] | None = None
        self._others: set[Key] = set()
        # (version, key) of every Service change since version _log_start.
        self._log: list[tuple[int, Key]] = []
        self._log_start = 0
        self.version = 0
        self.routing_version = 0
        self.reads = 0
        self.on_change = on_change

    def put(self, document: dict[str, Any]) -> bool:
        """Store an object as created or changed; returns whether anything that matters changed."""
        key = key_of(document)
        meaning = _meaning(document)
        if self._meanings.get(key) == meaning:
            self._objects[key] = document
            return False
        self._objects[key] = document
        self._meanings[key] = meaning
        if is_core(key[1], str(document.get("apiVersion", ""))):
            if key not in self._core:
                self._core_order = None
            self._core[key] = read_core(origin_of(document), document)
            self.reads += 1
        else:
            self._others.add(key)
        self._changed(key)
        return True

    def drop(self, document: dict[str, Any]) -> bool:
        """Forget a deleted object; returns whether it was known."""
        key = key_of(document)
        if self._objects.pop(key, None) is None:
            return False
        del self._meanings[key]
        if key in self._core:
            del self._core[key]
            self._core_order = None
        self._others.discard(key)
        self._changed(key)
        return True

    def _changed(self, key: Key) -> None:
        self.version += 1
        if key[:2] == ("", "Service"):
            if len(self._log) >= SERVICE_LOG:
                kept = self._log[SERVICE_LOG // 2 :]
                self._log_start = kept[0][0] - 1
                self._log = kept  # a new list: snapshots keep reading the one they were given
            self._log.append((self.version, key))
        else:
            self.routing_version += 1
        if self.on_change is not None:
            self.on_change(key)

    def get(self, key: Key) -> dict[str, Any] | None:
        return self._objects.get(key)

    def keys(self, kind: str, namespace: str | None = None) -> list[Key]:
        """The keys of the Nodes, Pods or Services held (in one namespace, when given)."""
        return [key for key in self._core if key[1] == kind and (namespace is None or key[2] == namespace)]

    def router_names(self) -> list[str]:
        return sorted(key[3] for key in self._others if key[1] == "Router" and key[0] == GROUP)

    def snapshot(self) -> Snapshot:
        """Everything as the core reads it, the same for the same objects.

        Objects other than Nodes, Pods and Services (a few hundred at most) go through `add_object` as the
        CLI's do; the core is pure and reads nested values only, but `add_object` may fill in
        `metadata.namespace`, so their top level and metadata are copied. Nodes, Pods and Services are
        handed over as read (a copy of the dict of them: the render reads it in another thread).
        """
        inputs = Inputs()
        for key in sorted(self._others):
            document = self._objects[key]
            add_object(inputs, {**document, "metadata": dict(document.get("metadata") or {})})
        if self._core_order is None:
            self._core_order = sorted(self._core)
        log = (self._log, len(self._log), self._log_start)
        return Snapshot(inputs, dict(self._core), self._core_order, (self.version, self.routing_version), log)

    def __len__(self) -> int:
        return len(self._objects)
