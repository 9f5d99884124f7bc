"""An FRR apply as a transaction: an intent written before the first change, removed after the last.

nft swaps its table atomically; FRR takes a delta line by line, so a link cut or a bgpd killed in the middle
leaves the router in neither the old nor the new state. Before changing anything, an apply writes the
rendered text it is about to apply to `~/frr-edge/intent.frr`; after the read-back agrees and the new state
is recorded (`applied.frr`), it removes it. A run that finds the file knows an apply was cut off. It needs
nothing else to converge: it plans from the running config as it is, and the lines the cut-off apply may
have put count as frr-edge's (with those of `applied.frr`), so Managed mode takes off those no longer
rendered instead of keeping them as an admin's.
"""

from __future__ import annotations

from controller.frrcfg import Config, FrrSyntaxError, parse
from controller.frrcfg.model import canonical
from controller.router.frr.plan import claimed
from controller.router.ssh.commands import INTENT
from controller.router.ssh.transport import RouterConnection


def _parsed(text: str | None) -> Config | None:
    if not text:
        return None
    try:
        return parse(text, source="frr-edge's own record")
    except FrrSyntaxError:
        return None  # a record frr-edge cannot read claims nothing


def frr_edge_lines(applied: str | None, intent: str | None) -> str | None:
    """The text of every line frr-edge may have put on the router: the last good apply's and a cut-off one's.

    One record is returned as it is. Two are joined in canonical form (frr.plan.claimed), where each context of
    each text has said what it means first: `router bgp N` of a raw snippet activates its own neighbors.
    """
    records = {text: config for text in (applied, intent) if text and (config := _parsed(text)) is not None}
    if len(records) <= 1:
        return next(iter(records), None)
    return claimed(*(canonical(config) for config in records.values())).to_text()


async def interrupted(connection: RouterConnection) -> str | None:
    """The rendered text of an apply that was cut off before it finished, or None."""
    return await connection.read(INTENT)


async def begin(connection: RouterConnection, rendered: str, cut_off: str | None) -> None:
    """Record the intent before the first change (with a cut-off apply's lines, still unaccounted for)."""
    await connection.upload(INTENT, frr_edge_lines(cut_off, rendered) or rendered)


async def commit(connection: RouterConnection) -> None:
    """The apply finished and applied.frr says what runs: no intent is left."""
    await connection.remove(INTENT)
