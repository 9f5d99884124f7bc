"""Leader election on a coordination.k8s.io Lease, so that of several replicas exactly one applies.

kopf's own peering is not used: peers of equal priority all freeze (each pauses for the other), and
peering needs kopf's own cluster-wide KopfPeering objects. A Lease is what Kubernetes controllers use;
its expiry is judged by the local clock from when the lease record was last seen to change (as client-go
does), so clock skew between replicas does not matter.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LeaseTiming:
    duration: float = 15.0  # a leader silent for this long is replaced
    renew_every: float = 5.0  # how often the leader renews and the others look


def _micro_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _same_time(read: datetime | str | None, written: str) -> bool:
    """Whether a MicroTime read back (the client parses it into a datetime) is the one written."""
    if isinstance(read, datetime):
        return _micro_time(read.astimezone(UTC)) == written
    return read == written


class LeaderElection:
    """`is_leader` is True while this replica holds the Lease; `on_change(leader)` is called on each change."""

    def __init__(
        self,
        api: client.ApiClient,
        namespace: str,
        name: str,
        identity: str,
        timing: LeaseTiming | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self._leases = client.CoordinationV1Api(api)
        self._namespace = namespace
        self._name = name
        self.identity = identity
        self._timing = timing or LeaseTiming()
        self._on_change = on_change
        self.is_leader = False
        self._seen: tuple[Any, ...] | None = None
        self._seen_at = time.monotonic()
        self._renewed_at = 0.0

    async def run(self) -> None:
        """Try to acquire or renew forever; on errors keep trying, and step down once the lease may have expired."""
        while True:
            try:
                leader = await asyncio.to_thread(self._try)
                if leader:
                    self._renewed_at = time.monotonic()
            except ApiException as error:
                logger.warning("leader election: %s %s", error.status, error.reason)
                leader = self.is_leader and time.monotonic() - self._renewed_at < self._timing.duration * 0.8
            except (urllib3.exceptions.HTTPError, OSError) as error:
                # The API server is away (restarting, the link cut): the client gives up after its retries.
                logger.warning("leader election: the API server did not answer: %s", type(error).__name__)
                leader = self.is_leader and time.monotonic() - self._renewed_at < self._timing.duration * 0.8
            self._set(leader)
            await asyncio.sleep(self._timing.renew_every)

    async def release(self) -> None:
        """Give the lease up on shutdown, so another replica takes over at once."""
        if not self.is_leader:
            return
        self._set(False)
        try:
            await asyncio.to_thread(self._release)
        except ApiException as error:
            logger.warning("leader election: could not release the lease: %s", error.reason)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            logger.warning("leader election: could not release the lease: %s", type(error).__name__)

    def _set(self, leader: bool) -> None:
        if leader != self.is_leader:
            logger.info("leader election: %s is %s", self.identity, "the leader" if leader else "no longer the leader")
            self.is_leader = leader
            if self._on_change is not None:
                self._on_change(leader)

    def _body(self, transitions: int, acquired: str | None, resource_version: str | None) -> Any:
        """A Lease as a plain dict: the client would write its times without the microseconds MicroTime wants."""
        now = _micro_time(datetime.now(UTC))
        metadata: dict[str, Any] = {"name": self._name, "namespace": self._namespace}
        if resource_version is not None:
            metadata["resourceVersion"] = resource_version
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": max(1, round(self._timing.duration)),
                "acquireTime": acquired or now,
                "renewTime": now,
                "leaseTransitions": transitions,
            },
        }

    def _try(self) -> bool:
        try:
            lease = self._leases.read_namespaced_lease(self._name, self._namespace)
        except ApiException as error:
            if error.status != 404:
                raise
            return self._write(lambda: self._leases.create_namespaced_lease(self._namespace, self._body(0, None, None)))
        spec = lease.spec or client.V1LeaseSpec()
        record = (spec.holder_identity, spec.renew_time, spec.acquire_time)
        if record != self._seen:
            self._seen, self._seen_at = record, time.monotonic()
        version = lease.metadata.resource_version if lease.metadata else None
        transitions = spec.lease_transitions or 0
        if spec.holder_identity == self.identity:
            acquired = _micro_time(spec.acquire_time) if spec.acquire_time else None
            body = self._body(transitions, acquired, version)
            if self._write(lambda: self._leases.replace_namespaced_lease(self._name, self._namespace, body)):
                return True
            # 409: the Lease changed since it was read. This very write changes it too when the client sent it
            # again because its answer was lost (a slow API server under load) and the first one went through:
            # the Lease then holds this write's renewTime. Stepping down for that would leave the router without
            # a controller for a whole lease. Any other change (another replica, the same identity in a second
            # process, a label) is a conflict as before.
            current = self._leases.read_namespaced_lease(self._name, self._namespace).spec
            renewed = current.renew_time if current is not None else None
            sent = body["spec"]["renewTime"]
            return current is not None and current.holder_identity == self.identity and _same_time(renewed, sent)
        duration = float(spec.lease_duration_seconds or self._timing.duration)
        if spec.holder_identity and time.monotonic() - self._seen_at < duration:
            return False
        body = self._body(transitions + 1, None, version)
        return self._write(lambda: self._leases.replace_namespaced_lease(self._name, self._namespace, body))

    def _write(self, call: Callable[[], object]) -> bool:
        try:
            call()
        except ApiException as error:
            if error.status == 409:  # another replica wrote first
                return False
            raise
        return True

    def _release(self) -> None:
        lease = self._leases.read_namespaced_lease(self._name, self._namespace)
        if lease.spec is None or lease.spec.holder_identity != self.identity or lease.metadata is None:
            return
        body = {
            "metadata": {"resourceVersion": lease.metadata.resource_version},
            "spec": {"holderIdentity": None, "renewTime": None, "acquireTime": None},
        }
        self._write(lambda: self._leases.patch_namespaced_lease(self._name, self._namespace, body))
