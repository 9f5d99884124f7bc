"""One writer per router: a lock on the router, held by a process of the SSH connection that applies.

`flock ~/frr-edge/lock tee ~/frr-edge/lock.holder` runs as the login user in the writer's own SSH
connection. The lock is taken when `tee` starts, and released when it ends: when the writer closes its
input, or when the channel or the connection goes, whatever the reason (the writer was killed, the link
dropped), since sshd then closes the pipe `tee` reads. A file that says "locked" would outlive a killed
writer; this lock cannot. While it is held, the connection is pinned: if it drops, the writer stops instead
of going on without the lock.

A second writer waits up to its bound, then gives up with RouterBusy naming the holder, whose first line
to `tee` went to `~/frr-edge/lock.holder` once it had the lock. A command that changes the router outlives
a cut session (vtysh reads its file, not the session): each holds `~/frr-edge/writing` while it runs, and a
new holder's first read of the running config waits for that too (RouterCommands.show_running_settled).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import asyncssh

from controller.router.outcome import RouterBusy, RouterUnreachable
from controller.router.ssh.commands import LOCK_BUSY, LOCK_HOLDER
from controller.router.ssh.transport import RouterConnection

Writer = Literal["controller", "cli"]
DEFAULT_WAIT = 30.0
_ANSWER_SLACK = 15.0  # beyond the wait itself, for the link to carry the answer


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the lock: which kind of writer, on which host, with which process id, since when."""

    writer: Writer
    host: str
    pid: int
    since: str

    @classmethod
    def this_process(cls, writer: Writer) -> Holder:
        since = datetime.now(UTC).replace(microsecond=0).isoformat()
        return cls(writer, socket.gethostname(), os.getpid(), since)

    def __str__(self) -> str:
        what = "the controller" if self.writer == "controller" else "frr-edge apply"
        return f"{what} (pid {self.pid} on {self.host}, since {self.since})"

    def to_json(self) -> str:
        return json.dumps({"writer": self.writer, "host": self.host, "pid": self.pid, "since": self.since})

    @classmethod
    def from_json(cls, text: str | None) -> Holder | None:
        """The holder a lock.holder file names; None when it is missing or not frr-edge's."""
        try:
            data = json.loads(text or "")
            writer: Writer = "controller" if data["writer"] == "controller" else "cli"
            host, since = _printable(str(data["host"]))[:64], _printable(str(data["since"]))[:32]
            return cls(writer, host, int(data["pid"]), since)
        except (ValueError, KeyError, TypeError):
            return None


def _printable(text: str) -> str:
    return "".join(character if " " <= character < "\x7f" else "?" for character in text)


@asynccontextmanager
async def router_lock(
    connection: RouterConnection, writer: Writer, wait: float = DEFAULT_WAIT
) -> AsyncIterator[Holder]:
    """Hold the router lock for the body; raises RouterBusy after `wait` seconds, RouterUnreachable."""
    await connection.connect()
    process = await connection.start(connection.commands.lock(wait))
    holder = Holder.this_process(writer)
    sign = holder.to_json()
    try:
        process.stdin.write(sign + "\n")
        try:
            answer = await asyncio.wait_for(process.stdout.readline(), wait + _ANSWER_SLACK)
        except (TimeoutError, asyncssh.Error, OSError) as error:
            why = str(error) or f"no answer within {wait + _ANSWER_SLACK:.0f} s"
            raise RouterUnreachable(f"{connection.where}: taking the router lock failed: {why}") from None
        if answer.strip() != sign:
            await _refused(connection, process, wait)
        connection.pin()
        yield holder
    finally:
        connection.unpin()
        process.close()  # closes tee's input: tee ends, flock releases


async def _refused(connection: RouterConnection, process: asyncssh.SSHClientProcess[str], wait: float) -> None:
    """Why flock did not give the lock: another writer (RouterBusy), or flock could not run."""
    try:
        done = await asyncio.wait_for(process.wait(), _ANSWER_SLACK)
        status = done.exit_status
    except (TimeoutError, asyncssh.Error, OSError):
        status = None
    if status == LOCK_BUSY:
        holder = Holder.from_json(await connection.read(LOCK_HOLDER))
        who = str(holder) if holder is not None else "another writer"
        raise RouterBusy(f"{connection.where}: busy: {who} holds the router lock; waited {wait:g} s")
    raise RouterUnreachable(
        f"{connection.where}: the router lock could not be taken (flock exit status {status}); "
        f"is util-linux's flock at {connection.commands.lock(wait).argv[0]}?"
    )
