"""A writer that takes the lab router's lock and holds it until killed: `python3 -m tests.router.hold_lock DIR`.

Prints `held` once it has the lock. The tests kill it with SIGKILL, as a crashed controller would die.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from controller.inputs import load_paths
from controller.router.ssh.lock import router_lock
from controller.router.ssh.transport import RouterConnection, load_private_key


async def hold(directory: Path) -> None:
    spec = load_paths([directory / "router.yaml"]).routers[0].object.spec
    connection = RouterConnection(spec, load_private_key((directory / "id_ed25519").read_text()))
    async with connection, router_lock(connection, "controller", wait=60):
        print("held", flush=True)
        await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(hold(Path(sys.argv[1])))
