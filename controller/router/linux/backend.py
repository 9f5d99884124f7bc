"""`SshBackend`: the Backend (router/backend.py) of a Linux router running FRR and nftables, reached over SSH."""

from __future__ import annotations

from controller.api.router import Router
from controller.inputs import Inputs, ssh_private_key
from controller.pipeline import RouterResult
from controller.router.linux.apply import apply
from controller.router.linux.observe import RunningConfigReading, observe
from controller.router.linux.preview import preview
from controller.router.outcome import ApplyReport, Observation, Preview
from controller.router.ssh.commands import APPLIED_FRR, APPLIED_NFT
from controller.router.ssh.lock import DEFAULT_WAIT, Writer
from controller.router.ssh.transport import COMMAND_TIMEOUT, CONNECT_TIMEOUT, ReusedConnection, RouterConnection


class SshBackend:
    """FRR and nftables on a Linux router reached over SSH (docs/router.md)."""

    def __init__(self, connection: RouterConnection, writer: Writer = "cli", lock_wait: float = DEFAULT_WAIT) -> None:
        self.connection = connection
        self.writer: Writer = writer  # who holds the router lock while applying (router/ssh/lock.py)
        self.lock_wait = lock_wait  # seconds to wait for another writer's lock before RouterBusy
        self._reading = RunningConfigReading()

    async def connect(self) -> None:
        await self.connection.connect()

    async def apply(self, result: RouterResult) -> ApplyReport:
        return await apply(self.connection, result, writer=self.writer, lock_wait=self.lock_wait)

    async def preview(self, result: RouterResult) -> Preview:
        return await preview(self.connection, result)

    async def observe(self) -> Observation:
        return await observe(self.connection, self._reading)

    async def last_applied(self) -> tuple[str | None, str | None]:
        return await self.connection.read(APPLIED_FRR), await self.connection.read(APPLIED_NFT)

    def close(self) -> None:
        self.connection.close()


class SshBackends:
    """The SshBackend of one Router (the controller keeps one of these per Router), its connection kept open
    while the Router's spec and SSH key stay the same."""

    def __init__(
        self,
        connect_timeout: float = CONNECT_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
        writer: Writer = "controller",
    ) -> None:
        self._connection = ReusedConnection(connect_timeout, command_timeout)
        self._writer: Writer = writer
        self._backend: SshBackend | None = None

    def backend_for(self, router: Router, inputs: Inputs) -> SshBackend:
        connection = self._connection.get(router.spec, ssh_private_key(inputs, router))
        if self._backend is None or self._backend.connection is not connection:
            self._backend = SshBackend(connection, writer=self._writer)
        return self._backend

    def close(self) -> None:
        self._connection.close()
        self._backend = None
