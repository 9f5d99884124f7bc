"""The seam between frr-edge's flow and one kind of router: plan (preview), apply, observe.

The controller (operator/reconcile.py) and the CLI (apply_cli.py, diff_cli.py) reach a router only through
a `Backend`; `Backends` makes the one for a Router from the inputs that hold its credentials. frr-edge has
one kind today, `SshBackend`: FRR and nftables on a Linux router over SSH, its parts in this package
(frrplan and nftdelta plan, apply applies and rolls back, observe reads, transport and commands reach the
router). A new kind of router (another router OS, an agent instead of SSH) is a new class of this shape,
with its renderer beside controller/render/ (docs/changes.md).
"""

from __future__ import annotations

from typing import Protocol

from controller.api.router import Router
from controller.inputs import Inputs, ssh_private_key
from controller.pipeline import RouterResult
from controller.router.linux.apply import ApplyReport, apply
from controller.router.linux.observe import Observation, observe
from controller.router.linux.preview import Preview, preview
from controller.router.ssh.commands import APPLIED_FRR, APPLIED_NFT
from controller.router.ssh.lock import DEFAULT_WAIT, Writer
from controller.router.ssh.transport import COMMAND_TIMEOUT, CONNECT_TIMEOUT, ReusedConnection, RouterConnection


class Backend(Protocol):
    """One router, as the flow drives it. Every method raises RouterUnreachable when the router cannot be
    reached, and FrrEdgeError when what it runs cannot be read."""

    async def connect(self) -> None:
        """Reach the router (a no-op when already connected)."""

    async def apply(self, result: RouterResult) -> ApplyReport:
        """Make the router run `result`; raises InvalidConfiguration (nothing sent), ConfigRejected (the
        router refused; its previous configuration runs again) or RouterBusy (another writer holds it)."""
        ...

    async def preview(self, result: RouterResult) -> Preview:
        """What `apply(result)` would change; writes nothing. Raises InvalidConfiguration."""
        ...

    async def observe(self) -> Observation:
        """What the router runs now (its configuration redacted) and its BGP sessions."""
        ...

    async def last_applied(self) -> tuple[str | None, str | None]:
        """The FRR configuration and the ruleset of the last good apply, as rendered; None where there is
        none (a new router, or one that lost them)."""
        ...

    def close(self) -> None:
        """Let go of the router (connections); the next call reaches it again."""


class Backends(Protocol):
    """Makes the Backend of a Router; the controller keeps one per Router and asks again on every run."""

    def backend_for(self, router: Router, inputs: Inputs) -> Backend:
        """The Router's backend; raises NotInInputs (its credentials are not among the inputs) or
        FrrEdgeError (they cannot be used)."""
        ...

    def close(self) -> None:
        """Let go of every router."""


class SshBackend:
    """FRR and nftables on a Linux router reached over SSH (docs/router.md)."""

    def __init__(self, connection: RouterConnection, writer: Writer = "cli", lock_wait: float = DEFAULT_WAIT) -> None:
        self.connection = connection
        self.writer: Writer = writer  # who holds the router lock while applying (router/lock.py)
        self.lock_wait = lock_wait  # seconds to wait for another writer's lock before RouterBusy

    async def connect(self) -> None:
        await self.connection.connect()

    async def apply(self, result: RouterResult) -> ApplyReport:
        return await apply(self.connection, result, writer=self.writer, lock_wait=self.lock_wait)

    async def preview(self, result: RouterResult) -> Preview:
        return await preview(self.connection, result)

    async def observe(self) -> Observation:
        return await observe(self.connection)

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
