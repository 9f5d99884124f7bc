"""The SSH transport as the controller uses it: one connection per router, reused until the Router changes."""

from __future__ import annotations

import asyncio

from controller.inputs import load_paths
from controller.lab import router as lab
from controller.router.linux.apply import read_running
from controller.router.ssh.transport import ReusedConnection


def test_a_router_keeps_one_connection_until_its_spec_changes(router_lab: lab.RouterLab) -> None:
    spec = load_paths([router_lab.router_manifest]).routers[0].object.spec
    key = router_lab.ssh_key.read_text()
    connections = ReusedConnection()

    async def scenario() -> None:
        first = connections.get(spec, key)
        assert "frr version" in await read_running(first)
        again = connections.get(spec, key)
        assert again is first and first.connected
        assert "frr version" in await read_running(again)

        changed = connections.get(spec.model_copy(update={"paused": True}), key)

        assert changed is not first
        assert not first.connected
        assert "frr version" in await read_running(changed)
        connections.close()
        assert not changed.connected

    asyncio.run(scenario())
