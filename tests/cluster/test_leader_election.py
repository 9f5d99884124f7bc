"""Leader election against the real API server when the API server goes away (issue 16's fault tier found it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

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
