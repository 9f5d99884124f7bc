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
    BfdProfile,
    Block,
    Command,
    Item,
    NeighborBfdProfile,
    NeighborDescription,
    PrefixListDescription,
    PrefixListEntry,
    RouteMapEntry,
    RouterBgp,
    Statement,
    peer_of,
)
from controller.render.frr import MARKER

Ownership = Literal["Managed", "Full"]
_BFD_DEFAULTS = frozenset(
    {
        "detect-multiplier 3",
        "receive-interval 300",
        "transmit-interval 300",
        "echo receive-interval 50",
        "echo transmit-interval 50",
        "minimum-ttl 254",
    }
)
_PREFIX = f"{MARKER}-"


class InvalidConfiguration(FrrEdgeError):
    """The rendered configuration (a raw snippet, usually) is not valid FRR syntax; nothing was sent."""


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


def _as_frr_prints(item: Item) -> Item:
    """An item of the rendered config as FRR prints it back.

    FRR leaves out a BFD profile's default values, and adds `neighbor X bfd` to `neighbor X bfd profile P`.
    """
    if isinstance(item, BfdProfile):
        return replace(item, items=tuple(i for i in item.items if _text(i) not in _BFD_DEFAULTS))
    if isinstance(item, RouterBgp):
        implied = [
            Command(f"neighbor {i.peer} bfd")
            for i in item.items
            if isinstance(i, NeighborBfdProfile) and Command(f"neighbor {i.peer} bfd") not in item.items
        ]
        return replace(item, items=(*item.items, *implied))
    if isinstance(item, Bfd):
        return replace(item, items=tuple(_as_frr_prints(i) for i in item.items))
    return item


def canonical(config: Config) -> Config:
    """The same configuration with order-free contexts (route-map entries, BFD profiles) sorted.

    FRR prints `set` and `on-match` lines of a route-map entry in its own order; sorting both sides keeps
    order from counting as a difference.
    """
    return Config(tuple(_sorted(item) for item in config.items))


def _sorted(item: Item) -> Item:
    if isinstance(item, RouteMapEntry | BfdProfile):
        return replace(item, items=tuple(sorted(item.items, key=_text)))
    if isinstance(item, Bfd):
        return replace(item, items=tuple(_sorted(i) for i in item.items))
    return item


def _text(item: Item) -> str:
    return item.text() if isinstance(item, Statement) else item.header()


def desired_config(running: Config, rendered: Config, ownership: Ownership, previous: Config | None = None) -> Config:
    """The whole configuration the router should run after this apply.

    `previous` is what frr-edge rendered last time: in Managed mode its top-level lines (from raw snippets,
    say) are frr-edge's too, so they go when they are no longer rendered.
    """
    rendered = Config(tuple(_as_frr_prints(item) for item in rendered.items))
    if ownership == "Full":
        kept = tuple(item for item in running.items if not _rendered_kind(item))
        return Config((*kept, *rendered.items))
    peers = owned_peers(running)
    applied_before = {_sorted(_as_frr_prints(item)) for item in previous.items} if previous is not None else set()
    kept_items: list[Item] = []
    for item in running.items:
        if _owned_top(item) or (item in applied_before and not isinstance(item, RouterBgp | Bfd)):
            continue
        kept_items.append(_without_peers(item, peers) if isinstance(item, RouterBgp) else item)
    return Config(_merge_items(tuple(kept_items), rendered.items))


@functools.lru_cache(maxsize=4)
def _parsed(text: str, source: str) -> Config:
    return parse(text, source=source)


def parsed(text: str, source: str) -> Config:
    """`parse`, remembered for the last few texts; raises FrrSyntaxError.

    An apply and the observation after it read the same running and rendered configurations several times,
    and FRR's grammar takes about a second for each at a thousand neighbors.
    """
    return _parsed(text, source)


def parse_rendered(text: str) -> Config:
    """The rendered configuration as a model; raises InvalidConfiguration with FRR-style position."""
    try:
        return parsed(text, "desired configuration")
    except FrrSyntaxError as error:
        raise InvalidConfiguration(f"the desired FRR configuration is not valid: {error}") from None


_CLOSERS = frozenset({"exit", "exit-address-family", "exit-vni"})


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def effective(commands: list[str]) -> tuple[str, ...]:
    """Delta commands without contexts that are entered and left with nothing done inside."""
    kept: list[str | None] = []
    open_contexts: list[tuple[int, bool]] = []  # (index in kept, something done inside)
    for index, line in enumerate(commands):
        if line.strip() in _CLOSERS and open_contexts:
            start, used = open_contexts.pop()
            if used:
                kept.append(line)
            else:
                kept[start] = None
            continue
        following = commands[index + 1] if index + 1 < len(commands) else None
        if following is not None and (
            _indent(following) > _indent(line)
            or (following.strip() in _CLOSERS and _indent(following) == _indent(line))
        ):
            open_contexts.append((len(kept), False))
            kept.append(line)
            continue
        kept.append(line)
        open_contexts = [(start, True) for start, _ in open_contexts]
    return tuple(line for line in kept if line is not None)


def plan(running_text: str, rendered_text: str, ownership: Ownership, previous_text: str | None = None) -> FrrPlan:
    """The plan for one apply; raises InvalidConfiguration when the rendered text does not parse.

    `previous_text` is the rendered text of the last apply, when known (see desired_config). The last plans
    are remembered: a run that changes nothing in FRR asks again with the same texts.
    """
    return _plan(running_text, rendered_text, ownership, previous_text)


@functools.lru_cache(maxsize=2)
def _plan(running_text: str, rendered_text: str, ownership: Ownership, previous_text: str | None) -> FrrPlan:
    rendered = parse_rendered(rendered_text)
    try:
        running = canonical(parsed(running_text, "running configuration"))
    except FrrSyntaxError as error:
        raise FrrEdgeError(f"the router's running configuration cannot be read: {error}") from None
    try:
        previous = parsed(previous_text, "last applied configuration") if previous_text else None
    except FrrSyntaxError:
        previous = None
    desired = canonical(desired_config(running, rendered, ownership, previous))
    delta = diff(running, desired)
    return FrrPlan(running, desired, effective(delta.commands()), tuple(delta.unsupported))


def remaining(running_text: str, desired: Config) -> tuple[str, ...]:
    """What still differs between a running config read back and the desired model (empty when equal)."""
    delta = diff(canonical(parsed(running_text, "running configuration")), desired)
    return (*effective(delta.commands()), *delta.unsupported)
