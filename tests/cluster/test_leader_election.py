"""Leader election against the real API server when the API server goes away (issue 16's fault tier found it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from kubernetes import config

from controller.lab import cluster as lab
from controller.operator.leader import LeaderElection, LeaseTiming


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        await asyncio.sleep(0.2)


def test_a_leader_keeps_electing_through_an_api_server_restart(cluster: lab.Cluster) -> None:
    """The API server killed and started again: the election keeps running (before, the client's connection
    errors ended it, and with it `frr-edge run`), steps down once its lease may have expired, and leads again."""
    api = config.new_client_from_config(str(cluster.kubeconfig))  # type: ignore[no-untyped-call]
    changes: list[bool] = []
    election = LeaderElection(api, "default", "restart-test", "one", LeaseTiming(6, 0.5), changes.append)

    async def scenario() -> None:
        running = asyncio.create_task(election.run())
        await _until(lambda: election.is_leader, 20, "leads")
        await asyncio.to_thread(lab.restart_apiserver, cluster, 8.0)
        assert not running.done(), f"the election ended: {running.exception()!r}"
        await _until(lambda: election.is_leader, 30, "leads again")
        running.cancel()

    try:
        asyncio.run(scenario())
    finally:
        api.close()  # type: ignore[no-untyped-call]
    assert changes[0] is True and changes[-1] is True
    assert False in changes, "still the leader while the API server was away for longer than the lease"


def test_a_leader_whose_renewal_conflicts_with_its_own_write_stays_the_leader(cluster: lab.Cluster) -> None:
    """Under load the client sends a renewal again when its answer was lost; the first went through, so the
    second meets a newer Lease (409). Injected here as a renewal of the same identity written between the
    election's read and its write, on the real API server: the leader stays the leader (before, it stepped
    down with no other replica to take over, and the router was left without a controller for a lease).
    A renewal that conflicts with another replica's takeover still steps down."""
    api = config.new_client_from_config(str(cluster.kubeconfig))  # type: ignore[no-untyped-call]
    changes: list[bool] = []
    election = LeaderElection(api, "default", "conflict-test", "one", LeaseTiming(30, 0.3), changes.append)
    other = LeaderElection(api, "default", "conflict-test", "two", LeaseTiming(30, 0.3))
    leases = election._leases  # the fault is injected between the election's own calls
    read = leases.read_namespaced_lease
    written_by: list[str] = []

    def read_then_renewed_meanwhile(name: str, namespace: str) -> Any:
        lease = read(name, namespace)
        if written_by and lease.spec.holder_identity == "one":
            writer = written_by.pop()
            fresh = read(name, namespace)
            transitions = fresh.spec.lease_transitions or 0
            renewing = election if writer == "one" else other
            body = renewing._body(transitions, None, fresh.metadata.resource_version)
            leases.replace_namespaced_lease(name, namespace, body)
        return lease

    async def scenario() -> None:
        running = asyncio.create_task(election.run())
        await _until(lambda: election.is_leader, 20, "leads")
        leases.read_namespaced_lease = read_then_renewed_meanwhile  # type: ignore[method-assign]
        for _ in range(3):
            written_by.append("one")
            await _until(lambda: not written_by, 10, "renewal attempted")
            await asyncio.sleep(0.5)
            assert election.is_leader, "stepped down over its own renewal"
        written_by.append("two")
        await _until(lambda: not election.is_leader, 10, "steps down for another replica")
        running.cancel()

    try:
        asyncio.run(scenario())
    finally:
        api.close()  # type: ignore[no-untyped-call]
    assert changes == [True, False]
