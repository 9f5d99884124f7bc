"""What to change in a router's FRR: the desired whole configuration, and the delta that reaches it.

Pure: the running config text and the rendered text in, a plan out. Ownership decides what of the running
config survives. Managed: everything an admin configured stays; frr-edge's own objects (neighbors whose
description is `frr-edge`, prefix-lists and route-maps named `frr-edge-...`) are replaced by the rendered
ones. Full: every object of the kinds frr-edge renders (BGP instances, prefix-lists, route-maps, BFD) comes
from the rendered config; other lines (hostname, logging, interfaces) stay as they are.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Literal

from controller.errors import FrrEdgeError
from controller.frrcfg import Config, FrrSyntaxError, parse
from controller.frrcfg.diff import diff
from controller.frrcfg.model import (
    AddressFamily,
    Bfd,
    Block,
    Item,
    NeighborDescription,
    PrefixListDescription,
    PrefixListEntry,
    RouteMapEntry,
    RouterBgp,
    Statement,
    canonical,
    peer_of,
)
from controller.render.frr import MARKER
from controller.router.outcome import InvalidConfiguration

Ownership = Literal["Managed", "Full"]
_PREFIX = f"{MARKER}-"


@dataclass(frozen=True, slots=True)
class FrrPlan:
    """The desired whole configuration, and how to get there from the running one."""

    running: Config
    desired: Config
    commands: tuple[str, ...]
    unsupported: tuple[str, ...]

    @property
    def noop(self) -> bool:
        return not self.commands and not self.unsupported

    @property
    def text(self) -> str:
        return self.desired.to_text()


def owned_peers(config: Config) -> set[str]:
    """Neighbors frr-edge created: those whose description is the marker."""
    return {
        item.peer for _, item in config.walk() if isinstance(item, NeighborDescription) and item.description == MARKER
    }


def _owned_top(item: Item) -> bool:
    if isinstance(item, PrefixListEntry | PrefixListDescription | RouteMapEntry):
        return item.name.startswith(_PREFIX)
    return False


def _rendered_kind(item: Item) -> bool:
    return isinstance(item, RouterBgp | RouteMapEntry | PrefixListEntry | PrefixListDescription | Bfd)


def _without_peers(block: Block, peers: set[str]) -> Block:
    items: list[Item] = []
    for item in block.items:
        if peer_of(item) in peers:
            continue
        items.append(_without_peers(item, peers) if isinstance(item, Block) else item)
    return _replace_items(block, tuple(items))


def _replace_items(block: Block, items: tuple[Item, ...]) -> Block:
    return replace(block, items=items)


def _merge_items(kept: tuple[Item, ...], rendered: tuple[Item, ...]) -> tuple[Item, ...]:
    """Kept items with rendered ones laid over them by key; blocks of the same key merge recursively."""
    merged: dict[tuple[str, ...], Item] = {item.key(): item for item in kept}
    for item in rendered:
        previous = merged.get(item.key())
        if isinstance(item, RouterBgp | AddressFamily | Bfd) and isinstance(previous, Block):
            merged[item.key()] = _replace_items(item, _merge_items(previous.items, item.items))
        else:
            merged[item.key()] = item
    return tuple(merged.values())


def desired_config(running: Config, rendered: Config, ownership: Ownership, previous: Config | None = None) -> Config:
    """The whole configuration the router should run after this apply (all three in canonical form).

    `previous` is what frr-edge rendered last time (applied.frr): in Managed mode every line of it is
    frr-edge's, at any depth (a peer-group or a listen range from a raw snippet, a line of a route-map entry),
    so it goes when it is no longer rendered; a context left empty by that goes too.
    """
    if ownership == "Full":
        kept = tuple(item for item in running.items if not _rendered_kind(item))
        return Config((*kept, *rendered.items))
    peers = owned_peers(running)
    kept_items: list[Item] = []
    for item in _without_applied(running.items, previous.items if previous is not None else ()):
        if _owned_top(item):
            continue
        kept_items.append(_without_peers(item, peers) if isinstance(item, RouterBgp) else item)
    return Config(_merge_items(tuple(kept_items), rendered.items))


def claimed(*records: Config) -> Config:
    """Every line of frr-edge's records (canonical forms), each context's lines under one context of its key.

    Only after canonical(), which reads each context on its own: a raw snippet's `router bgp N` context (the
    rendered text repeats it) activates its neighbors in ipv4 unicast, and the delta writes that activation.
    Merged first into the context that says `no bgp default ipv4-unicast`, the activation would not count as
    frr-edge's and would stay when the neighbor goes, a line FRR then refuses (no remote-as).
    """
    return Config(_union((), tuple(item for record in records for item in record.items)))


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


def _without_applied(items: tuple[Item, ...], applied: tuple[Item, ...]) -> tuple[Item, ...]:
    """`items` without the lines of `applied`, matched with the contexts that enclose them."""
    lines = {item for item in applied if isinstance(item, Statement)}
    blocks = {item.key(): item for item in applied if isinstance(item, Block)}
    kept: list[Item] = []
    for item in items:
        if isinstance(item, Statement):
            if item not in lines:
                kept.append(item)
            continue
        before = blocks.get(item.key())
        if before is None:
            kept.append(item)
            continue
        inside = _without_applied(item.items, before.items)
        if inside:
            kept.append(replace(item, items=inside))
    return tuple(kept)


def parse_rendered(text: str) -> Config:
    """The rendered configuration as a model; raises InvalidConfiguration with FRR-style position."""
    try:
        return parse(text, source="desired configuration")
    except FrrSyntaxError as error:
        raise InvalidConfiguration(f"the desired FRR configuration is not valid: {error}") from None


def plan(running_text: str, rendered_text: str, ownership: Ownership, previous_text: str | None = None) -> FrrPlan:
    """The plan for one apply; raises InvalidConfiguration when the rendered text does not parse, or when it
    needs a removal FRR refuses in place (Delta.impossible), before anything is sent.

    `previous_text` is the rendered text of the last apply, when known (see desired_config). The last plans
    are remembered: a run that changes nothing in FRR asks again with the same texts.
    """
    return _plan(running_text, rendered_text, ownership, previous_text)


@functools.lru_cache(maxsize=2)
def _plan(running_text: str, rendered_text: str, ownership: Ownership, previous_text: str | None) -> FrrPlan:
    rendered = canonical(parse_rendered(rendered_text))
    try:
        running = canonical(parse(running_text, source="running configuration"))
    except FrrSyntaxError as error:
        raise FrrEdgeError(f"the router's running configuration cannot be read: {error}") from None
    try:
        previous = (
            claimed(canonical(parse(previous_text, source="last applied configuration"))) if previous_text else None
        )
    except FrrSyntaxError:
        previous = None
    desired = canonical(desired_config(running, rendered, ownership, previous))
    delta = diff(running, desired)
    if delta.impossible:
        raise InvalidConfiguration(
            f"the router's FRR cannot get there in place: {delta.impossible[0]}; only re-creating the context "
            "that holds the line would (by hand, on the router)"
        )
    return FrrPlan(running, desired, tuple(delta.commands()), tuple(delta.unsupported))


def remaining(running_text: str, desired: Config) -> tuple[str, ...]:
    """What still differs between a running config read back and the desired model (empty when equal)."""
    delta = diff(canonical(parse(running_text, source="running configuration")), desired)
    return (*delta.commands(), *delta.unsupported)
