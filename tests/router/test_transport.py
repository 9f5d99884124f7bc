"""The SSH transport as the controller uses it: one connection per router, reused until the Router changes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from controller.inputs import load_paths
from controller.lab import router as lab
from controller.router.linux.apply import read_running
from controller.router.outcome import RouterUnreachable
from controller.router.ssh.commands import APPLIED_FRR
from controller.router.ssh.transport import ReusedConnection, RouterConnection, load_private_key


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


def _serving(router_lab: lab.RouterLab) -> set[int]:
    """The sshd processes in the router namespace other than the listening one: those serving connections."""
    listed = subprocess.run(["ip", "netns", "pids", router_lab.router_namespace], capture_output=True, text=True)
    master = int(router_lab.sshd_pid_file.read_text())
    serving = set()
    for pid in map(int, listed.stdout.split()):
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith("sshd") and pid != master:
                serving.add(pid)
        except OSError:
            continue
    return serving


def test_an_sftp_request_to_a_stopped_sshd_gives_up_after_the_command_timeout(router_lab: lab.RouterLab) -> None:
    """The sshd serving frr-edge's connection stopped (SIGSTOP): a file read over SFTP fails after the command
    timeout, saying so, instead of waiting for SSH keepalives (about 90 s); the next use connects anew."""
    spec = load_paths([router_lab.router_manifest]).routers[0].object.spec
    key = load_private_key(router_lab.ssh_key.read_text())
    before = _serving(router_lab)

    async def scenario() -> None:
        connection = RouterConnection(spec, key, command_timeout=2)
        await connection.connect()
        stopped = _serving(router_lab) - before
        assert stopped, "no sshd process serves the new connection"
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(RouterUnreachable, match=r"reading applied\.frr failed: no answer within 2 s"):
                await connection.read(APPLIED_FRR)
            print(f"gave up after {time.monotonic() - started:.1f} s")
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
        assert not connection.connected
        assert "frr version" in await read_running(connection)
        connection.close()

    asyncio.run(scenario())
