"""Apply one router's rendered configuration over SSH, never leaving it half-configured.

upload candidates → validate on the router (`vtysh -C`, `nft -c`) → nft in one transaction → FRR delta in
one vtysh session → read back and compare with the desired model → on a difference, `frr-reload.py`
→ on failure, both restored to what ran before. An unchanged desired state writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from controller.errors import FrrEdgeError
from controller.frrcfg.lines import LINE_BREAK, lines
from controller.pipeline import RouterResult
from controller.render.nft import TABLE
from controller.router import frrplan
from controller.router.commands import (
    APPLIED_FRR,
    APPLIED_NFT,
    CANDIDATE_FRR,
    CANDIDATE_NFT,
    DELTA,
    ROLLBACK_FRR,
    ROLLBACK_NFT,
)
from controller.router.frrplan import FrrPlan
from controller.router.transport import Completed, RouterConnection, RouterUnreachable

Method = Literal["none", "delta", "frr-reload"]
_RUNNING_HEADER = ("Building configuration...", "Current configuration:")


class ConfigRejected(FrrEdgeError):
    """The router refused the configuration; what ran before is running again."""


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What one apply did."""

    method: Method
    frr_changed: bool
    nft_changed: bool
    delta_commands: int
    seconds: float
    message: str


def running_text(show_running: str) -> str:
    """`show running-config` output as configuration text (vtysh's banner lines removed)."""
    return LINE_BREAK.join(line for line in lines(show_running) if line.strip() not in _RUNNING_HEADER) + LINE_BREAK


def _short(text: str, limit: int = 2000) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " ..."


async def read_running(connection: RouterConnection) -> str:
    """The router's FRR running configuration; raises RouterUnreachable when FRR does not answer."""
    await connection.connect()
    shown = await connection.run(connection.commands.show_running)
    if not shown.ok:
        raise RouterUnreachable(f"{connection.where}: vtysh could not show the running config: {shown.output}")
    return running_text(shown.stdout)


async def _nft_changed(connection: RouterConnection, nft: str) -> tuple[bool, Completed]:
    current = await connection.run(connection.commands.show_nft)
    applied = await connection.read(APPLIED_NFT)
    return (not current.ok or applied != nft), current


async def _apply_frr(connection: RouterConnection, plan: FrrPlan) -> tuple[Method, str]:
    """Delta first, frr-reload.py when the delta cannot express the change or missed; raises on failure."""
    commands = connection.commands
    if plan.unsupported:
        reason = "delta cannot express: " + "; ".join(plan.unsupported[:5])
    else:
        await connection.upload(DELTA, "\n".join(plan.commands) + "\n")
        pushed = await connection.run(commands.apply_delta)
        left = frrplan.remaining(await read_running(connection), plan.desired)
        if pushed.ok and not left:
            return "delta", f"{len(plan.commands)} commands in one vtysh session"
        # vtysh -f exits 0 on some refused lines: what FRR said, and the difference, both tell why.
        reason = "delta left differences: " + _short("; ".join([pushed.output, *left[:5]]).strip("; "), 1000)
    reloaded = await connection.run(commands.reload_frr)
    left = frrplan.remaining(await read_running(connection), plan.desired)
    if reloaded.ok and not left:
        return "frr-reload", f"frr-reload.py --reload ({reason})"
    why = reloaded.output if not reloaded.ok else "running config differs: " + "; ".join(left[:5])
    raise ConfigRejected(f"FRR did not accept the configuration: {reason}; then frr-reload.py: {_short(why, 1000)}")


async def apply(
    connection: RouterConnection, result: RouterResult, clock: Callable[[], float] = time.monotonic
) -> ApplyReport:
    """Apply a rendered router; the report says what changed.

    Raises InvalidConfiguration (nothing sent), ConfigRejected (the router refused; previous config kept) or
    RouterUnreachable.
    """
    async with connection.apply_lock:
        return await _apply(connection, result, clock)


async def _apply(connection: RouterConnection, result: RouterResult, clock: Callable[[], float]) -> ApplyReport:
    started = clock()
    await connection.connect()
    commands = connection.commands
    running = await read_running(connection)
    previous = await connection.read(APPLIED_FRR)
    plan = frrplan.plan(running, result.frr, connection.spec.frr.ownership, previous)
    nft_changed, nft_before = await _nft_changed(connection, result.nft)
    if previous != result.frr and plan.noop:
        await connection.upload(APPLIED_FRR, result.frr)
    if plan.noop and not nft_changed:
        return ApplyReport("none", False, False, 0, clock() - started, "nothing to change")

    if not plan.noop:
        await connection.upload(CANDIDATE_FRR, plan.text)
        checked = await connection.run(commands.check_frr)
        if not checked.ok:
            raise ConfigRejected(f"FRR refused the configuration (vtysh -C): {_short(checked.output)}")
    if nft_changed:
        await connection.upload(CANDIDATE_NFT, result.nft)
        checked = await connection.run(commands.check_nft)
        if not checked.ok:
            raise ConfigRejected(f"nftables refused the ruleset (nft -c): {_short(checked.output)}")
        previous = nft_before.stdout if nft_before.ok else ""
        await connection.upload(ROLLBACK_NFT, f"table inet {TABLE}\ndelete table inet {TABLE}\n{previous}")
        applied = await connection.run(commands.apply_nft)
        if not applied.ok:
            raise ConfigRejected(f"nftables refused the ruleset (nft -f): {_short(applied.output)}")

    method: Method = "none"
    message = "FRR unchanged"
    if not plan.noop:
        try:
            method, message = await _apply_frr(connection, plan)
        except ConfigRejected as error:
            raise ConfigRejected(f"{error}; {await _roll_back(connection, plan, nft_changed)}") from None
        await connection.upload(APPLIED_FRR, result.frr)
        saved = await connection.run(commands.save_frr)
        if not saved.ok:
            message += f"; write memory failed: {_short(saved.output, 300)}"
    if nft_changed:
        await connection.rename(CANDIDATE_NFT, APPLIED_NFT)
        message += "; nftables table replaced"
    return ApplyReport(method, not plan.noop, nft_changed, len(plan.commands), clock() - started, message)


async def _roll_back(connection: RouterConnection, plan: FrrPlan, nft_changed: bool) -> str:
    """Restore what ran before the apply; says how far that got."""
    problems: list[str] = []
    await connection.upload(ROLLBACK_FRR, plan.running.to_text())
    await connection.run(connection.commands.rollback_frr)
    left = frrplan.remaining(await read_running(connection), plan.running)
    if left:
        problems.append("FRR still differs from before: " + "; ".join(left[:5]))
    if nft_changed:
        restored = await connection.run(connection.commands.rollback_nft)
        if not restored.ok:
            problems.append(f"nft -f rollback.nft failed: {_short(restored.output, 300)}")
    if problems:
        return "rollback incomplete: " + "; ".join(problems)
    return "rolled back to the previous configuration"
