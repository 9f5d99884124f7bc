"""The worker's timing: bursts coalesce, resync without changes, backoff that catches up.

The reconcile function here records calls instead of reaching a router: these tests are about when the
worker calls it, which a real router (seconds per apply) would only blur. The real reconcile runs in
test_e2e.py against the router lab.
"""

from __future__ import annotations

import asyncio

from controller.operator.worker import RouterWorker, RunResult, Timing

FAST = Timing(debounce=0.2, resync=0.6, backoff_initial=0.1, backoff_max=0.4)


class Recorder:
    """Records each call's `resync` flag; answers `reached` from a script (then True)."""

    def __init__(self, reached: list[bool] | None = None) -> None:
        self.calls: list[bool] = []
        self._reached = list(reached or [])

    async def __call__(self, resync: bool) -> RunResult:
        self.calls.append(resync)
        return RunResult(reached=self._reached.pop(0) if self._reached else True)


async def _run(worker: RouterWorker, seconds: float) -> None:
    worker.start()
    await asyncio.sleep(seconds)
    await worker.stop()


def test_a_burst_of_changes_is_one_run() -> None:
    """Fifty changes in a row: the first run at start, then exactly one for the whole burst."""
    recorder = Recorder()
    worker = RouterWorker("edge", recorder, Timing(debounce=0.2, resync=5.0))

    async def scenario() -> None:
        worker.start()
        await asyncio.sleep(0.3)  # the first run (a new worker looks at its router at once)
        for _ in range(50):
            worker.touch()
            await asyncio.sleep(0)
        await asyncio.sleep(0.35)
        await worker.stop()

    asyncio.run(scenario())
    assert recorder.calls == [False, False]


def test_a_lone_change_runs_when_changes_pause_not_a_window_later() -> None:
    """One change: its run starts after the quiet pause (0.1 s), not after the whole window (2 s)."""
    started: list[float] = []

    async def reconcile(resync: bool) -> RunResult:
        started.append(asyncio.get_running_loop().time())
        return RunResult(reached=True)

    worker = RouterWorker("edge", reconcile, Timing(debounce=2.0, quiet=0.1, resync=30.0))

    async def scenario() -> float:
        worker.start()
        await asyncio.sleep(0.5)
        touched = asyncio.get_running_loop().time()
        worker.touch()
        await asyncio.sleep(1.6)
        await worker.stop()
        return touched

    touched = asyncio.run(scenario())
    assert len(started) == 2
    assert 0.1 <= started[1] - touched < 1.5  # not the window; the margin is for a busy machine


def test_changes_that_keep_coming_run_once_per_window() -> None:
    """A change every 20 ms for 1.5 s never pauses 0.3 s: runs come one window (0.5 s) apart, not one per
    change."""
    recorder = Recorder()
    worker = RouterWorker("edge", recorder, Timing(debounce=0.5, quiet=0.3, resync=30.0))

    async def scenario() -> None:
        worker.start()
        await asyncio.sleep(0.6)
        for _ in range(75):
            worker.touch()
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.6)
        await worker.stop()

    asyncio.run(scenario())
    assert 2 <= len(recorder.calls) - 1 <= 5, recorder.calls


def test_no_change_still_resyncs() -> None:
    """With nothing happening, the router is read every resync interval (runs at 0.1, 1.1 and 2.1 s)."""
    recorder = Recorder()
    asyncio.run(_run(RouterWorker("edge", recorder, Timing(debounce=0.2, resync=1.0)), 2.7))
    assert recorder.calls == [False, True, True]


def test_unreachable_router_backs_off_exponentially_and_catches_up() -> None:
    """Three failures wait 0.1, 0.2, 0.4 s; changes meanwhile do not cut the wait short; then one run."""
    recorder = Recorder(reached=[False, False, False])
    worker = RouterWorker("edge", recorder, FAST)
    backoffs: list[float] = []

    async def scenario() -> None:
        worker.start()
        for _ in range(12):
            await asyncio.sleep(0.1)
            worker.touch()
            backoffs.append(worker.backoff)
        await asyncio.sleep(0.5)
        await worker.stop()

    asyncio.run(scenario())
    assert 0.4 in backoffs and max(backoffs) == 0.4
    assert worker.backoff == 0
    # start + 3 failures' retries, and the changes made during the backoff, in few runs: not one per touch
    assert 4 <= len(recorder.calls) <= 7, recorder.calls


def test_a_failing_reconcile_does_not_kill_the_worker() -> None:
    """An unexpected exception is logged and retried like an unreachable router."""
    calls: list[bool] = []

    async def broken(resync: bool) -> RunResult:
        calls.append(resync)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return RunResult(reached=True)

    worker = RouterWorker("edge", broken, FAST)
    asyncio.run(_run(worker, 0.8))
    assert len(calls) >= 2
