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

from dataclasses import replace

from controller.frrcfg import Config, FrrSyntaxError, parse
from controller.frrcfg.model import Block, Item
from controller.router.commands import INTENT
from controller.router.transport import RouterConnection


def _union(first: tuple[Item, ...], second: tuple[Item, ...]) -> tuple[Item, ...]:
    """Every line of either, contexts of the same key merged (order: first's, then second's new ones)."""
    merged: dict[object, Item] = {}
    for item in (*first, *second):
        if isinstance(item, Block):
            key = ("context", *item.key())
            before = merged.get(key)
            merged[key] = replace(item, items=_union(before.items, item.items)) if isinstance(before, Block) else item
        else:
            merged[("line", item)] = item
    return tuple(merged.values())


def _parsed(text: str | None) -> Config | None:
    if not text:
        return None
    try:
        return parse(text, source="frr-edge's own record")
    except FrrSyntaxError:
        return None  # a record frr-edge cannot read claims nothing


def frr_edge_lines(applied: str | None, intent: str | None) -> str | None:
    """The text of every line frr-edge may have put on the router: the last good apply's and a cut-off one's."""
    records = [config for config in (_parsed(applied), _parsed(intent)) if config is not None]
    if not records:
        return None
    items: tuple[Item, ...] = ()
    for config in records:
        items = _union(items, config.items)
    return Config(items).to_text()


async def interrupted(connection: RouterConnection) -> str | None:
    """The rendered text of an apply that was cut off before it finished, or None."""
    return await connection.read(INTENT)


async def begin(connection: RouterConnection, rendered: str, cut_off: str | None) -> None:
    """Record the intent before the first change (with a cut-off apply's lines, still unaccounted for)."""
    await connection.upload(INTENT, frr_edge_lines(cut_off, rendered) or rendered)


async def commit(connection: RouterConnection) -> None:
    """The apply finished and applied.frr says what runs: no intent is left."""
    await connection.remove(INTENT)
