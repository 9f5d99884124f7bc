"""The controller's writes to the API server: RouterState (created owned by its Router, then status) and Events.

Nothing else is ever written: no annotation, finalizer or status on a user's object. The one read: a
RouterState's status, what the controller before this one recorded. The kubernetes client is synchronous;
each call runs in a thread so the event loop keeps serving watch events.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from pydantic import ValidationError

from controller.api.common import GROUP, VERSION
from controller.api.routerstate import RouterState, RouterStateStatus

logger = logging.getLogger(__name__)


def _digest(value: object) -> str:
    """A status field's value as SHA-256 of its JSON (keys sorted): equal digests, equal values."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


COMPONENT = "frr-edge"
# Events about cluster-scoped objects (Routers) go where kubectl puts them.
CLUSTER_EVENTS_NAMESPACE = "default"


class KubeWriter:
    """RouterState and Event writes through one kubernetes ApiClient."""

    def __init__(self, api: client.ApiClient, identity: str) -> None:
        self._custom = client.CustomObjectsApi(api)
        self._core = client.CoreV1Api(api)
        self._identity = identity
        # Per RouterState: the resourceVersion this writer's last status write left, and a digest of each field
        # it wrote (a few bytes a field, whatever the size of the running config).
        self._written: dict[str, tuple[str, dict[str, str]]] = {}

    async def recorded_state(self, name: str) -> RouterStateStatus | None:
        """The status of Router `name`'s RouterState as frr-edge last wrote it; None when there is none to read."""
        try:
            document = await asyncio.to_thread(
                self._custom.get_cluster_custom_object, GROUP, VERSION, "routerstates", name
            )
        except ApiException as error:
            if error.status == 404:
                return None
            raise
        status = document.get("status") if isinstance(document, dict) else None
        try:
            return RouterStateStatus.model_validate(status or {})
        except ValidationError as error:
            logger.warning(
                "RouterState %s: its status cannot be read back (%d errors); not used", name, len(error.errors())
            )
            return None

    async def publish_state(self, router: dict[str, Any], state: RouterState) -> None:
        """Create the Router's RouterState when missing, then merge its status.

        When the RouterState is as this writer left it (its resourceVersion unchanged), only the status fields
        that differ from the last write are sent: at 2,000 neighbors the running config alone is about 0.5 MB,
        and it rarely changes. Anyone else's write in between (another replica, kubectl) makes the API server
        refuse that patch (409), and the whole status is sent again.
        """
        await asyncio.to_thread(self._publish_state, router, state)

    def _publish_state(self, router: dict[str, Any], state: RouterState) -> None:
        name = router["metadata"]["name"]
        status = state.model_dump(mode="json", by_alias=True, exclude_none=True)["status"]
        digests = {field: _digest(value) for field, value in status.items()}
        last = self._written.pop(name, None)
        if last is not None:
            version, before = last
            changed = {field: value for field, value in status.items() if before.get(field) != digests[field]}
            try:
                self._remember(name, self._patch_status(name, changed, version), digests)
                return
            except ApiException as error:
                if error.status not in (404, 409):
                    raise
        try:
            self._remember(name, self._patch_status(name, status), digests)
            return
        except ApiException as error:
            if error.status != 404:
                raise
        owner = {
            "apiVersion": router["apiVersion"],
            "kind": "Router",
            "name": name,
            "uid": router["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": False,
        }
        created = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "RouterState",
            "metadata": {
                "name": name,
                "ownerReferences": [owner],
                "labels": {"app.kubernetes.io/managed-by": COMPONENT},
            },
        }
        try:
            self._custom.create_cluster_custom_object(GROUP, VERSION, "routerstates", created)
        except ApiException as error:
            if error.status != 409:
                raise
        self._remember(name, self._patch_status(name, status), digests)

    def _patch_status(self, name: str, status: dict[str, Any], version: str | None = None) -> Any:
        """A merge patch of the RouterState's status; with `version`, only if the object is still at it."""
        body: dict[str, Any] = {"status": status}
        if version is not None:
            body["metadata"] = {"resourceVersion": version}
        return self._custom.patch_cluster_custom_object_status(GROUP, VERSION, "routerstates", name, body)

    def _remember(self, name: str, written: Any, digests: dict[str, str]) -> None:
        metadata = written.get("metadata") if isinstance(written, dict) else None
        version = metadata.get("resourceVersion") if isinstance(metadata, dict) else None
        if isinstance(version, str):
            self._written[name] = (version, digests)

    async def publish_router_status(self, router: dict[str, Any], status: dict[str, Any]) -> None:
        """Merge the Router's status (Ready, observedGeneration); the spec is never written."""
        name = router["metadata"]["name"]
        await asyncio.to_thread(
            self._custom.patch_cluster_custom_object_status, GROUP, VERSION, "routers", name, {"status": status}
        )

    async def event(self, involved: dict[str, Any], kind: str, reason: str, message: str, warning: bool) -> None:
        """Post an Event about `involved` (a Router or a Service); never raises, an Event is best effort."""
        try:
            await asyncio.to_thread(self._event, involved, kind, reason, message, warning)
        except ApiException as error:
            logger.warning("could not post Event %s on %s: %s", reason, involved["metadata"].get("name"), error.reason)

    def _event(self, involved: dict[str, Any], kind: str, reason: str, message: str, warning: bool) -> None:
        metadata = involved["metadata"]
        namespace = metadata.get("namespace") or CLUSTER_EVENTS_NAMESPACE
        now = datetime.now(UTC)
        event = client.CoreV1Event(
            metadata=client.V1ObjectMeta(generate_name=f"{metadata['name']}.", namespace=namespace),
            involved_object=client.V1ObjectReference(
                api_version=involved.get("apiVersion"),
                kind=kind,
                name=metadata["name"],
                namespace=metadata.get("namespace"),
                uid=metadata.get("uid"),
            ),
            reason=reason,
            message=message[:1024],
            type="Warning" if warning else "Normal",
            source=client.V1EventSource(component=COMPONENT),
            reporting_component=COMPONENT,
            reporting_instance=self._identity,
            first_timestamp=now,
            last_timestamp=now,
            count=1,
        )
        self._core.create_namespaced_event(namespace, event)
