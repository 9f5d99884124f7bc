"""When to act on one Router: debounced on changes, periodic resync, exponential backoff, one run at a time.

The worker knows nothing about routers: it calls `reconcile(resync)` and reads back whether the router
was reachable. Every run renders from the index as it is then, so a run after a burst or a backoff
catches up with every change made in between. A change runs as soon as changes pause (`quiet`), or one
window (`debounce`) after it while they keep coming: a lone change is not held back a whole window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timing:
    """How a worker waits. Defaults are the controller's; tests pass shorter ones."""

    debounce: float = 1.0  # the longest a change waits while others keep coming
    quiet: float = 0.1  # a pause this long ends the wait early: the changes written together are in
    resync: float = 60.0
    backoff_initial: float = 1.0
    backoff_max: float = 60.0


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one run tells its worker: whether the router answered, and whether to look again soon."""

    reached: bool
    look_again: float | None = None  # seconds; for sessions still coming up after an apply


# reconcile(resync) → RunResult; resync is True when no change woke the worker.
Reconcile = Callable[[bool], Awaitable[RunResult]]


class RouterWorker:
    """One asyncio task per Router; `touch()` marks it dirty, the task coalesces and runs `reconcile`."""

    def __init__(self, name: str, reconcile: Reconcile, timing: Timing) -> None:
        self.name = name
        self._reconcile = reconcile
        self._timing = timing
        self._dirty = asyncio.Event()
        self._failures = 0
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    def start(self) -> None:
        self._dirty.set()  # a new worker looks at its router at once
        self._task = asyncio.create_task(self._loop(), name=f"router/{self.name}")

    def touch(self) -> None:
        """Something this router may depend on changed."""
        self._dirty.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def backoff(self) -> float:
        """Seconds to wait before the next try; 0 while the router answers."""
        if not self._failures:
            return 0.0
        return float(min(self._timing.backoff_initial * 2 ** (self._failures - 1), self._timing.backoff_max))

    async def _loop(self) -> None:
        wait = self._timing.resync
        while True:
            resync = not await self._wait_for_change(wait)
            if not resync:
                await self._gather()
            self._dirty.clear()
            try:
                outcome = await self._reconcile(resync)
            except Exception:
                logger.exception("router %s: reconcile failed", self.name)
                outcome = RunResult(reached=False)
            self.runs += 1
            wait = min(self._timing.resync, outcome.look_again or self._timing.resync)
            if outcome.reached:
                self._failures = 0
                continue
            self._failures += 1
            logger.info("router %s: retrying in %.1f s", self.name, self.backoff)
            # Changes during the backoff stay marked and are applied by the next try, all together.
            await asyncio.sleep(self.backoff)
            self._dirty.set()

    async def _gather(self) -> None:
        """Wait until changes pause for `quiet`, or `debounce` has passed: bursts coalesce into one run."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timing.debounce
        while (left := deadline - loop.time()) > 0:
            self._dirty.clear()
            if not await self._wait_for_change(min(self._timing.quiet, left)):
                return

    async def _wait_for_change(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._dirty.wait(), timeout)
        except TimeoutError:
            return False
        return True
