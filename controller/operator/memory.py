"""kopf storages that keep nothing on the objects: frr-edge writes no annotation on a user's object.

Only `@kopf.on.event` handlers are registered, which need neither progress nor a diff base; these make the
choice explicit, so a future handler cannot start writing kopf annotations (and Argo CD drift) unnoticed.
"""

from __future__ import annotations

from typing import Any

import kopf


class MemoryProgressStorage(kopf.ProgressStorage):
    """Handler progress in this process only."""

    def __init__(self) -> None:
        super().__init__()
        self._records: dict[tuple[str, str], Any] = {}

    def fetch(self, *, key: Any, body: Any) -> Any:
        return self._records.get((body.metadata.uid, key))

    def store(self, *, key: Any, record: Any, body: Any, patch: Any) -> None:
        self._records[(body.metadata.uid, key)] = record

    def purge(self, *, key: Any, body: Any, patch: Any) -> None:
        self._records.pop((body.metadata.uid, key), None)

    def touch(self, *, body: Any, patch: Any, value: str | None) -> None:
        pass

    def clear(self, *, essence: Any) -> Any:
        return super().clear(essence=essence)


class MemoryDiffBaseStorage(kopf.DiffBaseStorage):
    """The last handled essence in this process only."""

    def __init__(self) -> None:
        super().__init__()
        self._essences: dict[str, Any] = {}

    def fetch(self, *, body: Any) -> Any:
        return self._essences.get(body.metadata.uid)

    def store(self, *, body: Any, patch: Any, essence: Any) -> None:
        self._essences[body.metadata.uid] = essence
