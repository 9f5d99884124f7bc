"""The controller's in-memory view of the cluster: every watched object, as the API server last sent it.

Watch handlers put and drop objects; a worker asks for `inputs()`, the same Inputs the offline CLI reads
from files, so the controller renders exactly what `frr-edge render` would for the same objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from controller.api.common import GROUP
from controller.inputs import Inputs, add_object

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


class Index:
    """Objects by key; `version` counts the changes that matter, `on_change` is called after each."""

    def __init__(self, on_change: Callable[[Key], None] | None = None) -> None:
        self._objects: dict[Key, dict[str, Any]] = {}
        self._meanings: dict[Key, dict[str, Any]] = {}
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
        self._changed(key)
        return True

    def drop(self, document: dict[str, Any]) -> bool:
        """Forget a deleted object; returns whether it was known."""
        key = key_of(document)
        if self._objects.pop(key, None) is None:
            return False
        del self._meanings[key]
        self._changed(key)
        return True

    def _changed(self, key: Key) -> None:
        self.version += 1
        if self.on_change is not None:
            self.on_change(key)

    def get(self, key: Key) -> dict[str, Any] | None:
        return self._objects.get(key)

    def router_names(self) -> list[str]:
        return sorted(key[3] for key in self._objects if key[1] == "Router" and key[0] == GROUP)

    def inputs(self) -> Inputs:
        """Everything as Inputs, the same for the same objects.

        The core is pure and reads nested values only; `add_object` may fill in `metadata.namespace`, so
        each object's top level and metadata are copied (a deep copy of 50,000 Services took 1.5 s here).
        """
        inputs = Inputs()
        for key in sorted(self._objects):
            document = self._objects[key]
            add_object(inputs, {**document, "metadata": dict(document.get("metadata") or {})})
        return inputs

    def __len__(self) -> int:
        return len(self._objects)
