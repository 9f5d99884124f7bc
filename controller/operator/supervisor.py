"""One worker per Router in the index: started when a Router appears, stopped when it goes, woken on changes.

Any change may matter to any Router (a Service to every router with MetalLB enabled, a Secret to whoever
references it), and rendering is cheap next to an apply, so every change wakes every worker; the
rendered result, not the event, decides whether the router is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from controller.operator.index import Index, Key
from controller.operator.memo import RenderMemo
from controller.operator.metrics import Metrics
from controller.operator.reconcile import RouterReconciler, Writer
from controller.operator.worker import RouterWorker, Timing
from controller.router.ssh.transport import COMMAND_TIMEOUT


class Supervisor:
    """Keeps the set of workers equal to the set of Routers; holds them back until the index is synced."""

    def __init__(
        self,
        index: Index,
        writer: Writer,
        metrics: Metrics,
        may_apply: Callable[[], bool],
        timing: Timing | None = None,
        connect_timeout: float = 10.0,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self.index = index
        self._writer = writer
        self._metrics = metrics
        self._may_apply = may_apply
        self._timing = timing or Timing()
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self.memo = RenderMemo()  # shared: routers following MetalLB read the same Services
        self.workers: dict[str, RouterWorker] = {}
        self._reconcilers: dict[str, RouterReconciler] = {}
        self.synced = False
        self._retiring: set[asyncio.Task[None]] = set()
        index.on_change = self._changed

    def start(self) -> None:
        """The index holds everything the API server listed: workers may run from now on."""
        self.synced = True
        self._update_workers()

    def touch_all(self) -> None:
        for worker in self.workers.values():
            worker.touch()

    def _changed(self, key: Key) -> None:
        self._metrics.set("frr_edge_index_objects", len(self.index))
        if not self.synced:
            return
        if key[1] == "Router":
            self._update_workers()
        self.touch_all()

    def _update_workers(self) -> None:
        names = set(self.index.router_names())
        for name in sorted(names - set(self.workers)):
            reconciler = RouterReconciler(
                name,
                self.index,
                self._writer,
                self._metrics,
                self._may_apply,
                self._connect_timeout,
                self._command_timeout,
                self.memo,
            )
            worker = RouterWorker(name, reconciler, self._timing)
            self._reconcilers[name] = reconciler
            self.workers[name] = worker
            worker.start()
        for name in sorted(set(self.workers) - names):
            worker, reconciler = self.workers.pop(name), self._reconcilers.pop(name)
            task = asyncio.create_task(self._retire(name, worker, reconciler))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def _retire(self, name: str, worker: RouterWorker, reconciler: RouterReconciler) -> None:
        await worker.stop()
        reconciler.close()
        self.memo.forget(name)
        for metric in (
            "frr_edge_bgp_session_up",
            "frr_edge_router_reachable",
            "frr_edge_last_good_apply_timestamp_seconds",
        ):
            self._metrics.forget(metric, router=name)

    async def stop(self) -> None:
        for name in list(self.workers):
            await self._retire(name, self.workers.pop(name), self._reconcilers.pop(name))
