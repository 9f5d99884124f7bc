"""The SSH transport: the only code that talks to a router. asyncssh, pinned host keys, fixed commands.

One connection per router is kept and reused; it is opened again when it has dropped. Commands run as
the login user, or as `sudo -n ARGV...` when a sudo rule allows them, quoted for the login shell, so an
argument can never become shell syntax. Uploads go over SFTP to a temporary name and are renamed into
place, so a reader never sees half a file. Every command and SFTP request waits at most the command timeout
(an sshd that stops answering is found out then, not only by SSH keepalives after about 90 s). What a tool
prints is returned to the caller, never put in an error here: it may quote files.
"""

from __future__ import annotations

import asyncio
import hashlib
import shlex
from collections.abc import Awaitable
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

import asyncssh

from controller.api.router import RouterSpec
from controller.errors import FrrEdgeError
from controller.router.outcome import RouterUnreachable
from controller.router.ssh.commands import WORKDIR_NAME, Command, RouterCommands

T = TypeVar("T")
CONNECT_TIMEOUT = 10.0
COMMAND_TIMEOUT = 120.0


class HostKeyMismatch(RouterUnreachable):
    """The router presented a host key that is not pinned in Router.spec.hostKeys."""


@dataclass(frozen=True, slots=True)
class Completed:
    """The outcome of one command on the router."""

    argv: tuple[str, ...]
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    @property
    def output(self) -> str:
        """stderr and stdout together, for parsing (never for messages: tools quote the files they read)."""
        return "\n".join(part.strip() for part in (self.stderr, self.stdout) if part.strip())


@dataclass(frozen=True, slots=True)
class Resolved:
    """One file a path or glob names on the router, and where it really is (None: it cannot be resolved)."""

    path: str
    real_path: str | None
    regular_file: bool


def load_private_key(text: str) -> asyncssh.SSHKey:
    """An OpenSSH private key from text (a Secret's data or a file); raises FrrEdgeError when unreadable."""
    try:
        return asyncssh.import_private_key(text)
    except (asyncssh.KeyImportError, ValueError) as error:
        raise FrrEdgeError(f"the SSH private key is not readable: {error}") from None


class RouterConnection:
    """One reused SSH connection to a router, with its command vectors and working directory."""

    def __init__(
        self,
        spec: RouterSpec,
        key: asyncssh.SSHKey,
        connect_timeout: float = CONNECT_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self.spec = spec
        self._key = key
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self._connection: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._commands: RouterCommands | None = None
        self._lock = asyncio.Lock()
        # One apply per router at a time: whoever shares this connection waits for the running one.
        self.apply_lock = asyncio.Lock()
        # While the router lock is held, the connection that holds it; it is never silently replaced.
        self._locked_by: asyncssh.SSHClientConnection | None = None

    @property
    def where(self) -> str:
        return f"{self.spec.user}@{self.spec.address}:{self.spec.port}"

    def _known_hosts(self) -> tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], list[asyncssh.SSHKey]] | None:
        if self.spec.insecure_ignore_host_key and not self.spec.host_keys:
            return None
        return ([asyncssh.import_public_key(key) for key in self.spec.host_keys], [], [])

    async def connect(self) -> None:
        """Open the connection (if not open) and find the working directory; raises RouterUnreachable."""
        async with self._lock:
            if self._connection is not None and not self._connection.is_closed():
                return
            if self._locked_by is not None:
                # A new connection would not hold the router lock: the writer that had it must stop here.
                raise RouterUnreachable(f"{self.where}: the SSH connection holding the router lock dropped")
            self._connection = None
            try:
                connection = await asyncio.wait_for(
                    asyncssh.connect(
                        self.spec.address,
                        port=self.spec.port,
                        username=self.spec.user,
                        client_keys=[self._key],
                        known_hosts=self._known_hosts(),
                        agent_path=None,
                        config=None,
                        preferred_auth="publickey",
                        keepalive_interval=30,
                    ),
                    timeout=self._connect_timeout,
                )
            except asyncssh.HostKeyNotVerifiable as error:
                raise HostKeyMismatch(
                    f"{self.where}: the router's host key is not one of Router.spec.hostKeys ({error.reason}); "
                    "refusing to connect"
                ) from None
            except (OSError, TimeoutError, asyncssh.Error) as error:
                reason = getattr(error, "reason", None) or str(error) or type(error).__name__
                raise RouterUnreachable(f"{self.where}: cannot connect: {reason}") from None
            try:
                sftp = await asyncio.wait_for(connection.start_sftp_client(), self._connect_timeout)
                workdir = await asyncio.wait_for(sftp.realpath(WORKDIR_NAME), self._connect_timeout)
            except (OSError, TimeoutError, asyncssh.Error) as error:
                connection.close()
                why = str(error) or f"no answer within {self._connect_timeout:.0f} s"
                raise RouterUnreachable(f"{self.where}: SFTP failed: {why}") from None
            self._connection, self._sftp = connection, sftp
            self._commands = RouterCommands(self.spec.frr, workdir, self.spec.user)

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    @property
    def commands(self) -> RouterCommands:
        if self._commands is None:
            raise RouterUnreachable(f"{self.where}: not connected")
        return self._commands

    async def run(self, command: Command, timeout: float | None = None) -> Completed:
        """Run one fixed command (as the login user, or through sudo); raises RouterUnreachable if the link fails."""
        await self.connect()
        assert self._connection is not None
        try:
            result = await asyncio.wait_for(
                self._connection.run(shlex.join(command.line), check=False), timeout=timeout or self._command_timeout
            )
        except (OSError, TimeoutError, asyncssh.Error) as error:
            self.close()
            why = str(error) or f"no answer within {timeout or self._command_timeout:.0f} s"
            raise RouterUnreachable(f"{self.where}: {command.line[0]} did not complete: {why}") from None
        return Completed(
            command.argv,
            result.exit_status if result.exit_status is not None else -1,
            str(result.stdout or ""),
            str(result.stderr or ""),
        )

    async def start(self, command: Command) -> asyncssh.SSHClientProcess[str]:
        """Start a command that keeps running (the router lock); its input and output stay open to the caller."""
        await self.connect()
        assert self._connection is not None
        try:
            started = self._connection.create_process(shlex.join(command.line))
            return await asyncio.wait_for(started, timeout=self._command_timeout)
        except (OSError, TimeoutError, asyncssh.Error) as error:
            self.close()
            why = str(error) or f"no answer within {self._command_timeout:.0f} s"
            raise RouterUnreachable(f"{self.where}: {command.line[0]} did not start: {why}") from None

    def pin(self) -> None:
        """From now on, a dropped connection is an error instead of being opened again (the lock is held)."""
        self._locked_by = self._connection

    def unpin(self) -> None:
        self._locked_by = None

    async def remove(self, name: str) -> None:
        """Remove a file of the working directory (nothing when it does not exist)."""
        sftp = await self._sftp_client()
        path = self.commands.path(name)

        async def remove() -> None:
            try:
                await sftp.remove(path)
            except asyncssh.SFTPNoSuchFile:
                return

        await self._within(remove(), f"removing {name}")

    async def upload(self, name: str, text: str) -> None:
        """Write a file into the working directory atomically (temporary name, then rename)."""
        sftp = await self._sftp_client()
        path = self.commands.path(name)

        async def write() -> None:
            async with sftp.open(f"{path}.part", "w") as handle:
                await handle.write(text)
            await sftp.posix_rename(f"{path}.part", path)

        await self._within(write(), f"upload of {name}")

    async def rename(self, name: str, new_name: str) -> None:
        """Rename a file of the working directory, replacing the target."""
        sftp = await self._sftp_client()
        renamed = sftp.posix_rename(self.commands.path(name), self.commands.path(new_name))
        await self._within(renamed, f"renaming {name}")

    async def read(self, name: str) -> str | None:
        """A file of the working directory, or None when it does not exist."""
        sftp = await self._sftp_client()
        path = self.commands.path(name)

        async def read() -> str | None:
            try:
                async with sftp.open(path, "r") as handle:
                    return str(await handle.read())
            except asyncssh.SFTPNoSuchFile:
                return None

        return await self._within(read(), f"reading {name}")

    async def resolve(self, pattern: str) -> list[Resolved]:
        """The files an absolute path or glob (`*`, `?`) names on the router, each with its real path.

        Resolved over SFTP as the login user (realpath follows every symlink); a pattern that matches nothing
        gives []. Raises RouterUnreachable when the link fails.
        """
        sftp = await self._sftp_client()

        async def resolved() -> list[Resolved]:
            try:
                matches = await sftp.glob(pattern)
            except asyncssh.SFTPError:
                return []
            found: list[Resolved] = []
            for match in sorted(str(path) for path in matches):
                try:
                    real_path: str | None = str(await sftp.realpath(match))
                    regular_file = await sftp.isfile(str(real_path))
                except asyncssh.SFTPError:
                    real_path, regular_file = None, False
                found.append(Resolved(match, real_path, regular_file))
            return found

        return await self._within(resolved(), "SFTP")

    async def _sftp_client(self) -> asyncssh.SFTPClient:
        """The connection's SFTP client, connecting first when needed; raises RouterUnreachable."""
        await self.connect()
        assert self._sftp is not None
        return self._sftp

    async def _within(self, work: Awaitable[T], doing: str) -> T:
        """`work` (an SFTP request) within the command timeout; a failed or silent link closes the connection
        and raises RouterUnreachable naming what was being done."""
        try:
            return await asyncio.wait_for(work, self._command_timeout)
        except (OSError, TimeoutError, asyncssh.Error) as error:
            self.close()
            raise RouterUnreachable(f"{self.where}: {doing} failed: {self._why(error)}") from None

    def _why(self, error: BaseException) -> str:
        """An error's text; a timeout says how long was waited (its own text is empty)."""
        return str(error) or f"no answer within {self._command_timeout:g} s"

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._sftp = None

    async def __aenter__(self) -> RouterConnection:
        await self.connect()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        connection = self._connection
        self.close()
        if connection is not None:
            await connection.wait_closed()


class ReusedConnection:
    """One router's connection, kept open across applies; a Router whose spec or key changed gets a new one.

    The controller's worker for a Router holds one (operator/reconcile.py); the old connection is closed
    when it is replaced. `get` raises FrrEdgeError when the key text is not a private key.
    """

    def __init__(self, connect_timeout: float = CONNECT_TIMEOUT, command_timeout: float = COMMAND_TIMEOUT) -> None:
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self._open: tuple[RouterSpec, str, RouterConnection] | None = None

    def get(self, spec: RouterSpec, private_key: str) -> RouterConnection:
        """The connection for this spec and key (not yet connected when new; RouterConnection connects on use)."""
        fingerprint = hashlib.sha256(private_key.encode()).hexdigest()
        known = self._open
        if known is not None and known[0] == spec and known[1] == fingerprint:
            return known[2]
        connection = RouterConnection(spec, load_private_key(private_key), self._connect_timeout, self._command_timeout)
        self.close()
        self._open = (spec, fingerprint, connection)
        return connection

    def close(self) -> None:
        """Close the connection, if one is open."""
        if self._open is not None:
            self._open[2].close()
            self._open = None
