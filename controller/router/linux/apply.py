"""Apply one router's rendered configuration over SSH, never leaving it half-configured.

upload candidates → validate on the router (`vtysh -C`, the nft include's files, `nft -c`) → nft in one
transaction → FRR delta in one vtysh session → read back and compare with the desired model → on a
difference, `frr-reload.py` → on failure, both restored to what ran before. An unchanged desired state writes
nothing. When only set and map elements differ from the ruleset frr-edge loaded last (a Service came, went
or moved), nft gets just those elements, in one transaction too; should nft refuse them, the table is
replaced whole the usual way. Messages say what a tool refused by file, line and kind (tool_errors), never
with its output. The whole sequence runs under the router lock (lock.py), and its FRR writes between an
intent and its commit (transaction.py), so a second writer waits and a cut-off apply is finished by the next.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from controller.api.router import INCLUDE_DIR
from controller.frrcfg.lines import LINE_BREAK, lines
from controller.frrcfg.redact import redact
from controller.pipeline import RouterResult
from controller.render.nft import TABLE
from controller.router.frr import plan as frrplan
from controller.router.frr.plan import FrrPlan
from controller.router.linux import transaction
from controller.router.linux.tool_errors import (
    TCP_MD5_REFUSED,
    describe,
    nft_problems,
    reload_problems,
    vtysh_problems,
)
from controller.router.nftables.delta import ElementDelta, element_delta
from controller.router.outcome import ApplyReport, ConfigRejected, Method, RouterUnreachable
from controller.router.ssh.commands import (
    APPLIED_FRR,
    APPLIED_NFT,
    CANDIDATE_FRR,
    CANDIDATE_NFT,
    DELTA,
    DELTA_NFT,
    ROLLBACK_FRR,
    ROLLBACK_NFT,
)
from controller.router.ssh.lock import DEFAULT_WAIT, Writer, router_lock
from controller.router.ssh.transport import Completed, RouterConnection

_RUNNING_HEADER = ("Building configuration...", "Current configuration:")


def running_text(show_running: str) -> str:
    """`show running-config` output as configuration text (vtysh's banner lines removed)."""
    return LINE_BREAK.join(line for line in lines(show_running) if line.strip() not in _RUNNING_HEADER) + LINE_BREAK


def differences(changed: Sequence[str], limit: int = 5) -> str:
    """Configuration lines that still differ (frrplan.remaining, FrrPlan.unsupported), redacted, for messages.

    A line may carry its context before `: ` ("router bgp 64512: neighbor X password S: added"): each part
    is redacted on its own, as redact() recognises a secret only at the start of a line.
    """
    shown = [": ".join(redact(part) for part in line.strip().split(": ")) for line in changed[:limit]]
    if len(changed) > limit:
        shown.append(f"{len(changed) - limit} more")
    return "; ".join(shown)


def _vtysh_said(connection: RouterConnection, done: Completed, lines_of: str | None, text: str = "") -> str:
    problems = vtysh_problems(done.output, connection.commands.workdir, lines_of)
    return describe(problems, done.exit_status, {lines_of: text} if lines_of else None)


async def read_running(connection: RouterConnection, settled: bool = False) -> str:
    """The router's FRR running configuration; raises RouterUnreachable when FRR does not answer.

    `settled`: first wait for a change a cut-off session left running (RouterCommands.show_running_settled).
    """
    await connection.connect()
    commands = connection.commands
    shown = await connection.run(commands.show_running_settled if settled else commands.show_running)
    if not shown.ok:
        raise RouterUnreachable(
            f"{connection.where}: vtysh could not show the running config ({_vtysh_said(connection, shown, None)}); "
            f"is FRR running, and is {connection.spec.user} in group frrvty?"
        )
    return running_text(shown.stdout)


@dataclass(frozen=True, slots=True)
class ApplyPlan:
    """What an apply of a rendered router would do, decided from what the router runs now; nothing written.

    `apply` carries it out; `frr-edge diff` and a paused Router's RouterState show it (linux/preview.py).
    """

    frr: FrrPlan
    previous_frr: str | None  # the rendered text of the last good apply (APPLIED_FRR), when there is one
    cut_off: str | None  # the intent of an apply that was cut off (transaction.py), when there is one
    nft_changed: bool
    nft_present: bool  # frr-edge's table exists on the router
    nft_loaded: str | None  # the ruleset of the last good apply (APPLIED_NFT), when its table is there

    def nft_delta(self, nft: str) -> ElementDelta | None:
        """Only the set and map elements that change, when nothing else does (nftables.delta.element_delta)."""
        return element_delta(self.nft_loaded, nft) if self.nft_changed and self.nft_loaded else None


async def plan_apply(connection: RouterConnection, result: RouterResult, settled: bool = False) -> ApplyPlan:
    """Read the router and decide what an apply of `result` changes; writes nothing.

    The lines a cut-off apply may have put count as frr-edge's (transaction.py). `settled`: as read_running.
    Raises InvalidConfiguration (the rendered text does not parse) or RouterUnreachable.
    """
    await connection.connect()
    running = await read_running(connection, settled)
    previous = await connection.read(APPLIED_FRR)
    cut_off = await transaction.interrupted(connection)
    ours = transaction.frr_edge_lines(previous, cut_off)
    plan = frrplan.plan(running, result.frr, connection.spec.frr.ownership, ours)
    applied = await connection.read(APPLIED_NFT)
    present = (await connection.run(connection.commands.find_nft_table)).ok
    if not present:
        # No such set, or sudo rules from before that command: listing the whole table tells for sure.
        present = (await connection.run(connection.commands.show_nft)).ok
    loaded = applied if present else None
    return ApplyPlan(plan, previous, cut_off, not present or applied != result.nft, present, loaded)


async def _load_elements(connection: RouterConnection, delta: ElementDelta) -> bool:
    """Load only the elements that changed, in one transaction; False when nft refused (nothing changed)."""
    await connection.upload(DELTA_NFT, delta.forward)
    await connection.upload(ROLLBACK_NFT, delta.back)
    await connection.remove(APPLIED_NFT)  # _apply: no record while the table changes
    return (await connection.run(connection.commands.apply_nft_delta)).ok


async def _load_table(connection: RouterConnection, nft: str) -> str:
    """Check and replace frr-edge's whole table; returns the ruleset that restores the table it replaced."""
    commands = connection.commands
    await check_include(connection)
    await connection.upload(CANDIDATE_NFT, nft)
    checked = await connection.run(commands.check_nft)
    if not checked.ok:
        said = _nft_said(connection, checked, CANDIDATE_NFT, nft)
        raise ConfigRejected(f"nftables refused the ruleset (nft -c -f {CANDIDATE_NFT}): {said}")
    before = await connection.run(commands.show_nft)
    rollback = f"table inet {TABLE}\ndelete table inet {TABLE}\n{before.stdout if before.ok else ''}"
    await connection.upload(ROLLBACK_NFT, rollback)
    await connection.remove(APPLIED_NFT)  # _apply: no record while the table changes
    applied = await connection.run(commands.apply_nft)
    if not applied.ok:
        said = _nft_said(connection, applied, CANDIDATE_NFT, nft)
        raise ConfigRejected(f"nftables refused the ruleset (nft -f {CANDIDATE_NFT}): {said}")
    return rollback


def _printable(path: str) -> str:
    return "".join(character if " " < character < "\x7f" else "?" for character in path)


async def check_include(connection: RouterConnection) -> None:
    """Refuse spec.firewall.localInclude when a file it names is not a regular file inside INCLUDE_DIR.

    Checked over SFTP as the login user: a symlink in the directory to anything outside it (to a file nft
    would quote in an error) is refused before nft reads it. Raises ConfigRejected.
    """
    pattern = connection.spec.firewall.local_include
    if pattern is None:
        return
    for found in await connection.resolve(pattern):
        name = _printable(found.path)
        if found.real_path is None:
            why = f"{name} cannot be resolved by {connection.spec.user} (a symlink to a missing or unreadable file?)"
        elif posixpath.dirname(found.real_path) != INCLUDE_DIR:
            why = f"{name} resolves outside {INCLUDE_DIR}"
        elif not found.regular_file:
            why = f"{name} is not a regular file"
        else:
            continue
        raise ConfigRejected(f"spec.firewall.localInclude: {why}; nft was not run, the router keeps its ruleset")


def keys_refused(output: str, workdir: str, delta: str) -> str | None:
    """A warning when the only lines vtysh refused of `delta` were TCP MD5 keys the kernel would not take.

    `output` is what `vtysh -f DELTA` printed. bgpd keeps each such `neighbor X password` in its configuration
    (so the running config is as desired and frr-reload.py would find nothing to change), but the kernel has
    no key and the session cannot come up. The neighbors are named by address, never with the password.
    None when no key was refused, or when anything else was refused too.
    """
    problems = vtysh_problems(output, workdir, DELTA)
    if not any(problem.kind == TCP_MD5_REFUSED for problem in problems):
        return None
    delta_lines = lines(delta)
    neighbors: list[str] = []
    for problem in problems:
        if problem.kind == TCP_MD5_REFUSED:
            continue
        words = delta_lines[problem.line - 1].split() if problem.line and problem.line <= len(delta_lines) else []
        if problem.kind != "refused by bgpd" or words[:1] != ["neighbor"] or words[2:3] != ["password"]:
            return None  # something else was refused too
        neighbors.append(words[1])
    if not neighbors:
        return None
    named = ", ".join(neighbors[:5]) + (f" and {len(neighbors) - 5} more" if len(neighbors) > 5 else "")
    return (
        f"bgpd could not install the TCP MD5 key of {len(neighbors)} neighbor{'s' if len(neighbors) > 1 else ''} "
        f"({named}): {TCP_MD5_REFUSED}; those sessions cannot come up until the kernel takes the keys and FRR is "
        "restarted"
    )


async def _apply_frr(connection: RouterConnection, plan: FrrPlan) -> tuple[Method, str, str | None]:
    """Delta first, frr-reload.py when the delta cannot express the change or missed; raises on failure.

    Returns the method, a message and a warning (keys_refused).
    """
    commands = connection.commands
    if plan.unsupported:
        reason = "delta cannot express: " + differences(plan.unsupported)
    else:
        delta = "\n".join(plan.commands) + "\n"
        await connection.upload(DELTA, delta)
        pushed = await connection.run(commands.apply_delta)
        left = frrplan.remaining(await read_running(connection), plan.desired)
        if not left:
            # vtysh -f may exit 0 or not when bgpd refused a key; either way the configuration is in place.
            warning = keys_refused(pushed.output, commands.workdir, delta)
            done = f"{len(plan.commands)} commands in one vtysh session"
            if warning is not None:
                return "delta", f"{done}; {warning}", warning
            if pushed.ok:
                return "delta", done, None
        # vtysh -f exits 0 on some refused lines: what FRR said, and the difference, both tell why.
        reason = f"delta left differences: {differences(left) or 'none'} (vtysh -f {DELTA}: "
        reason += f"{_vtysh_said(connection, pushed, DELTA, delta)})"
    reloaded = await connection.run(commands.reload_frr)
    left = frrplan.remaining(await read_running(connection), plan.desired)
    if reloaded.ok and not left:
        return "frr-reload", f"frr-reload.py --reload ({reason})", None
    said = describe(reload_problems(reloaded.output, commands.workdir, CANDIDATE_FRR), reloaded.exit_status)
    why = f"{said}; running config differs: {differences(left)}" if left else said
    raise ConfigRejected(f"FRR did not accept the configuration: {reason}; then frr-reload.py: {why}")


async def apply(
    connection: RouterConnection,
    result: RouterResult,
    clock: Callable[[], float] = time.monotonic,
    writer: Writer = "cli",
    lock_wait: float = DEFAULT_WAIT,
) -> ApplyReport:
    """Apply a rendered router under the router lock; the report says what changed.

    Raises InvalidConfiguration (nothing sent), ConfigRejected (the router refused; previous config kept),
    RouterBusy (another writer held the lock for `lock_wait` seconds) or RouterUnreachable.
    """
    async with connection.apply_lock, router_lock(connection, writer, lock_wait):
        return await _apply(connection, result, clock)


async def _apply(connection: RouterConnection, result: RouterResult, clock: Callable[[], float]) -> ApplyReport:
    started = clock()
    decided = await plan_apply(connection, result, settled=True)
    commands = connection.commands
    plan, nft_changed = decided.frr, decided.nft_changed
    recovered = "; finished an apply that was cut off" if decided.cut_off is not None else ""
    if (decided.previous_frr != result.frr or decided.cut_off is not None) and plan.noop:
        await connection.upload(APPLIED_FRR, result.frr)
        await transaction.commit(connection)
    if plan.noop and not nft_changed:
        return ApplyReport("none", False, False, 0, clock() - started, "nothing to change" + recovered)

    if not plan.noop:
        await connection.upload(CANDIDATE_FRR, plan.text)
        checked = await connection.run(commands.check_frr)
        if not checked.ok:
            said = _vtysh_said(connection, checked, CANDIDATE_FRR, plan.text)
            raise ConfigRejected(f"FRR refused the configuration (vtysh -C -f {CANDIDATE_FRR}): {said}")
        await transaction.begin(connection, result.frr, decided.cut_off)
    rollback_nft: str | None = None
    elements: tuple[int, int] | None = None
    if nft_changed:
        # applied.nft says what frr-edge's table holds only while nothing changes it: it goes before nft -f and
        # comes back after, so an apply cut off in between leaves none, and the next replaces the table whole.
        delta = decided.nft_delta(result.nft)
        if delta is not None and await _load_elements(connection, delta):
            rollback_nft, elements = delta.back, (delta.added, delta.removed)
        else:
            rollback_nft = await _load_table(connection, result.nft)

    method: Method = "none"
    message = "FRR unchanged"
    warning: str | None = None
    if not plan.noop:
        try:
            method, message, warning = await _apply_frr(connection, plan)
        except ConfigRejected as error:
            raise ConfigRejected(f"{error}; {await _roll_back(connection, plan, rollback_nft)}") from None
        await connection.upload(APPLIED_FRR, result.frr)
        saved = await connection.run(commands.save_frr)
        if not saved.ok:
            message += f"; write memory failed ({_vtysh_said(connection, saved, None)})"
    if elements is not None:
        await connection.upload(APPLIED_NFT, result.nft)
        message += f"; nftables: {elements[0]} elements added, {elements[1]} removed"
    elif nft_changed:
        await connection.rename(CANDIDATE_NFT, APPLIED_NFT)
        message += "; nftables table replaced"
    if not plan.noop:
        await transaction.commit(connection)
    message += recovered
    seconds = clock() - started
    return ApplyReport(method, not plan.noop, nft_changed, len(plan.commands), seconds, message, elements, warning)


def _nft_said(connection: RouterConnection, done: Completed, name: str, text: str) -> str:
    workdir = connection.commands.workdir
    return describe(nft_problems(done.output, workdir, [name]), done.exit_status, {name: text})


async def _roll_back(connection: RouterConnection, plan: FrrPlan, rollback_nft: str | None) -> str:
    """Restore what ran before the apply (nft too, when `rollback_nft` was uploaded); says how far that got."""
    problems: list[str] = []
    await connection.upload(ROLLBACK_FRR, plan.running.to_text())
    await connection.run(connection.commands.rollback_frr)
    left = frrplan.remaining(await read_running(connection), plan.running)
    if left:
        problems.append("FRR still differs from before: " + differences(left))
    if rollback_nft is not None:
        restored = await connection.run(connection.commands.rollback_nft)
        if not restored.ok:
            said = _nft_said(connection, restored, ROLLBACK_NFT, rollback_nft)
            problems.append(f"nft -f {ROLLBACK_NFT} failed: {said}")
    if problems:
        return "rollback incomplete: " + "; ".join(problems)
    return "rolled back to the previous configuration"
