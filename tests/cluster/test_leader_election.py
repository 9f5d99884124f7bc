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


def test_a_leader_whose_renewal_was_sent_twice_stays_the_leader(cluster: lab.Cluster) -> None:
    """Under load the client sends a renewal again when its answer was lost; the first went through, so the
    second meets a newer Lease (409). Injected on the real API server by sending the very same renewal twice:
    the leader stays the leader (before, it stepped down with no other replica to take over, and the router
    was left without a controller for a lease). A renewal that meets another write (another replica taking
    over, or the same identity renewing from a second process) still steps down."""
    api = config.new_client_from_config(str(cluster.kubeconfig))  # type: ignore[no-untyped-call]
    changes: list[bool] = []
    election = LeaderElection(api, "default", "conflict-test", "one", LeaseTiming(30, 0.3), changes.append)
    twin = LeaderElection(api, "default", "conflict-test", "one", LeaseTiming(30, 0.3))  # a second process
    other = LeaderElection(api, "default", "conflict-test", "two", LeaseTiming(30, 0.3))
    leases = election._leases  # the faults are injected around the election's own calls
    read, replace = leases.read_namespaced_lease, leases.replace_namespaced_lease
    faults: list[str] = []

    def replace_sent_twice(name: str, namespace: str, body: Any) -> Any:
        if faults and faults[0] == "resent":
            faults.pop(0)
            replace(name, namespace, body)  # the first try went through; its answer was lost
        return replace(name, namespace, body)  # the client's second try: 409

    def read_then_written_meanwhile(name: str, namespace: str) -> Any:
        lease = read(name, namespace)
        if faults and faults[0] in ("twin", "two"):
            writer = twin if faults.pop(0) == "twin" else other
            fresh = read(name, namespace)
            body = writer._body(fresh.spec.lease_transitions or 0, None, fresh.metadata.resource_version)
            replace(name, namespace, body)
        return lease

    async def scenario() -> None:
        running = asyncio.create_task(election.run())
        await _until(lambda: election.is_leader, 20, "leads")
        leases.replace_namespaced_lease = replace_sent_twice  # type: ignore[method-assign]
        leases.read_namespaced_lease = read_then_written_meanwhile  # type: ignore[method-assign]
        for _ in range(3):
            faults.append("resent")
            await _until(lambda: not faults, 10, "renewal sent twice")
            await asyncio.sleep(0.5)
            assert election.is_leader, "stepped down over its own renewal"
        faults.append("twin")
        await _until(lambda: not election.is_leader, 10, "steps down when another process renewed as it")
        await _until(lambda: election.is_leader, 40, "leads again (the lease is its identity's)")
        faults.append("two")
        await _until(lambda: not election.is_leader, 10, "steps down for another replica")
        running.cancel()

    try:
        asyncio.run(scenario())
    finally:
        api.close()  # type: ignore[no-untyped-call]
    assert changes == [True, False, True, False]
