"""The controller's in-memory view of the cluster: every watched object, as the API server last sent it.

Watch handlers put and drop objects; a worker asks for a `snapshot()`: the same Inputs and Cluster the
offline CLI reads from files, so the controller renders exactly what `frr-edge render` would for the same
objects. Nodes, Pods and Services (tens of thousands in a large cluster) are read into their plain values
once per change that matters, not once per run, and a Service's firewall rules are derived once per such
change too (`service_rules`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from controller.inputs import Inputs, add_object, origin_of
from controller.metallb.derive import ServiceRules, service_rules
from controller.metallb.resources import Cluster, CoreObject, Service, is_core, read_cluster, read_core

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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The index at one moment, as the core reads it."""

    inputs: Inputs
    cluster: Cluster


class Index:
    """Objects by key; `version` counts the changes that matter, `on_change` is called after each."""

    def __init__(self, on_change: Callable[[Key], None] | None = None) -> None:
        self._objects: dict[Key, dict[str, Any]] = {}
        self._meanings: dict[Key, dict[str, Any]] = {}
        # Nodes, Pods and Services as read_core read them, and their order in a snapshot (sorted by key,
        # recomputed only when one comes or goes: a change of status keeps the order).
        self._core: dict[Key, CoreObject] = {}
        self._core_order: list[Key] | None = None
        # A Service's firewall rules, with the Service they were derived from.
        self._rules: dict[Key, tuple[Service, ServiceRules]] = {}
        self.version = 0
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
            self._rules.pop(key, None)
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
            self._rules.pop(key, None)
        self._changed(key)
        return True

    def _changed(self, key: Key) -> None:
        self.version += 1
        if self.on_change is not None:
            self.on_change(key)

    def get(self, key: Key) -> dict[str, Any] | None:
        return self._objects.get(key)

    def router_names(self) -> list[str]:
        return sorted(key[3] for key in self._objects if key[1] == "Router" and key[0] == "frr-edge.dev")

    def snapshot(self) -> Snapshot:
        """Everything as the core reads it, the same for the same objects.

        Objects other than Nodes, Pods and Services (a few hundred at most) go through `add_object` as the
        CLI's do; the core is pure and reads nested values only, but `add_object` may fill in
        `metadata.namespace`, so their top level and metadata are copied.
        """
        inputs = Inputs()
        for key in sorted(key for key in self._objects if key not in self._core):
            document = self._objects[key]
            add_object(inputs, {**document, "metadata": dict(document.get("metadata") or {})})
        if self._core_order is None:
            self._core_order = sorted(self._core)
        core = [self._core[key] for key in self._core_order]
        return Snapshot(inputs, read_cluster(inputs.others, core))

    def service_rules(self, service: Service) -> ServiceRules:
        """`derive.service_rules` of a Service of this index, derived once for as long as it is unchanged.

        Called from the render thread: the entry stored names the Service it was derived from, so a
        Service changed meanwhile is derived again, never answered with its predecessor's rules.
        """
        key: Key = ("", "Service", service.origin.namespace or "", service.origin.name)
        known = self._rules.get(key)
        if known is not None and known[0] is service:
            return known[1]
        rules = service_rules(service)
        if self._core.get(key) is service:
            self._rules[key] = (service, rules)
        return rules

    def __len__(self) -> int:
        return len(self._objects)
