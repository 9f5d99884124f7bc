"""Running config to desired config as vtysh commands, for the parts frr-edge renders.

frr-edge renders `router bgp` (neighbors, address-families), prefix-lists, route-maps and BFD
profiles. For those the delta is a list of vtysh lines with their context enter/exit lines, meant
for one `vtysh` session after `configure terminal`. Any other difference (interfaces, OSPF, BFD
peers, ...) is listed in `Delta.unsupported`: the caller then falls back to frr-reload.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from controller.frrcfg.model import (
    BFD_DEFAULTS,
    AddressFamily,
    Bfd,
    BfdProfile,
    BfdSetting,
    Block,
    Command,
    Config,
    Item,
    NeighborBfdProfile,
    NeighborPeerGroup,
    NeighborRemoteAs,
    PrefixListDescription,
    PrefixListEntry,
    RouteMapEntry,
    RouterBgp,
    Statement,
    peer_of,
)

B = TypeVar("B", bound=Block)


@dataclass(frozen=True, slots=True)
class Delta:
    """What turns a running configuration into a desired one."""

    lines: tuple[str, ...]
    unsupported: tuple[str, ...]

    def commands(self) -> list[str]:
        """vtysh command lines, context enter/exit lines included, indented as FRR prints them."""
        return list(self.lines)

    @property
    def complete(self) -> bool:
        """True when the commands alone reach the desired config (no fallback needed)."""
        return not self.unsupported

    @property
    def empty(self) -> bool:
        return not self.lines and not self.unsupported


def diff(running: Config, desired: Config) -> Delta:
    """The vtysh commands turning `running` into `desired`, and what they cannot express."""
    out = _Out()
    old = _TopLevel(running)
    new = _TopLevel(desired)

    _unsupported_differences(old.other, new.other, "", out)
    _diff_bfd(old.bfd, new.bfd, out)
    late_removals = _diff_prefix_lists(old.prefix_lists, new.prefix_lists, out)
    _change_route_maps(old.route_maps, new.route_maps, out)
    _diff_routers(old.routers, new.routers, out)
    for key, route_map in old.route_maps.items():
        if key not in new.route_maps:
            out.add(0, negate(route_map.header()))
    for entry in late_removals:
        out.add(0, negate(entry.text()))
    _remove_bfd_profiles(old.bfd, new.bfd, out)
    return Delta(tuple(out.lines), tuple(out.unsupported))


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.unsupported: list[str] = []

    def add(self, depth: int, line: str) -> None:
        self.lines.append(" " * depth + line)

    def enter(self, depth: int, header: str) -> int:
        """Open a context; `leave` drops it again when nothing was written inside."""
        self.lines.append(" " * depth + header)
        return len(self.lines)

    def leave(self, depth: int, opened: int, closer: str) -> None:
        if len(self.lines) == opened:
            self.lines.pop()
        else:
            self.add(depth, closer)

    def block(self, depth: int, block: Block) -> None:
        self.add(depth, block.header())
        for item in block.items:
            if isinstance(item, Block):
                self.block(depth + 1, item)
            else:
                self.add(depth + 1, item.text())
        self.add(depth, block.closer)


class _TopLevel:
    """The top level of a config, split into what frr-edge renders and the rest."""

    def __init__(self, config: Config) -> None:
        self.routers: dict[tuple[str, ...], RouterBgp] = {}
        self.route_maps: dict[tuple[str, ...], RouteMapEntry] = {}
        self.prefix_lists: list[Statement] = []
        self.bfd: Bfd | None = None
        self.other: list[Item] = []
        for item in config.items:
            if isinstance(item, RouterBgp):
                self.routers[item.key()] = _joined(self.routers.get(item.key()), item)
            elif isinstance(item, RouteMapEntry):
                self.route_maps[item.key()] = _joined(self.route_maps.get(item.key()), item)
            elif isinstance(item, PrefixListEntry | PrefixListDescription):
                self.prefix_lists.append(item)
            elif isinstance(item, Bfd):
                self.bfd = _joined(self.bfd, item)
            else:
                self.other.append(item)


def _joined(first: B | None, again: B) -> B:
    """A context entered twice in one file is one context in FRR."""
    return again if first is None else replace(first, items=first.items + again.items)


def negate(line: str) -> str:
    """The `no` form FRR accepts for a configuration line."""
    return line[3:] if line.startswith("no ") else "no " + line


def _by_key(items: Iterable[Item]) -> dict[tuple[str, ...], Item]:
    return {item.key(): item for item in items}


def _text(item: Item) -> str:
    return item.text() if isinstance(item, Statement) else item.header()


def _render(item: Item) -> str:
    if isinstance(item, Statement):
        return item.text()
    return "\n".join([item.header(), *(_render(child) for child in item.items)])


def _unsupported_differences(old: Sequence[Item], new: Sequence[Item], where: str, out: _Out) -> None:
    before = {_render(item) for item in old}
    after = {_render(item) for item in new}
    for item in [*old, *new]:
        rendered = _render(item)
        if (rendered in before) != (rendered in after):
            note = f"{where}{_text(item)}: {'removed' if rendered in before else 'added'}"
            if note not in out.unsupported:
                out.unsupported.append(note)


def _diff_statements(
    old: Sequence[Item],
    new: Sequence[Item],
    depth: int,
    out: _Out,
    *,
    skip_peers: frozenset[str] = frozenset(),
) -> None:
    """Statements by key: removals first, then the new line for what is new or changed."""
    old_keys = _by_key(item for item in old if not _skipped(item, skip_peers))
    new_keys = _by_key(new)
    removed = [_removal(item) for key, item in old_keys.items() if key not in new_keys]
    # A line that extends another goes first: `no neighbor X bfd profile P` after `no neighbor X bfd`
    # would turn BFD on again.
    for line in sorted(removed, key=lambda general: any(o.startswith(general + " ") for o in removed)):
        out.add(depth, line)
    for key, item in new_keys.items():
        previous = old_keys.get(key)
        if previous is None or _text(previous) != _text(item):
            out.add(depth, _text(item))


def _diff_prefix_lists(old: Sequence[Statement], new: Sequence[Statement], out: _Out) -> list[Statement]:
    """Add and change entries now; return the removals to do once route-maps and BGP have moved on.

    FRR refuses an entry whose prefix another entry of the list already has, so an old entry in the
    way of a new one goes first.
    """
    old_keys: dict[tuple[str, ...], Statement] = {item.key(): item for item in old}
    new_keys: dict[tuple[str, ...], Statement] = {item.key(): item for item in new}
    going = [item for key, item in old_keys.items() if key not in new_keys or new_keys[key].text() != item.text()]
    written = [item for key, item in new_keys.items() if key not in old_keys or old_keys[key].text() != item.text()]
    coming = {_entry_content(item) for item in written}
    first = [item for item in going if _entry_content(item) in coming]
    for item in first:
        out.add(0, negate(item.text()))
    for item in written:
        previous = old_keys.get(item.key())
        if previous is not None and previous not in first:
            out.add(0, negate(previous.text()))
        out.add(0, item.text())
    return [item for key, item in old_keys.items() if key not in new_keys and item not in first]


def _entry_content(item: Statement) -> tuple[object, ...]:
    """What FRR compares when it refuses a duplicate entry: the list and the match, not the sequence."""
    if isinstance(item, PrefixListEntry):
        return (item.family, item.name, item.prefix, item.ge, item.le)
    return (item.text(),)


def _skipped(item: Item, peers: frozenset[str]) -> bool:
    return peer_of(item) in peers


def _with_implied(items: list[Statement]) -> list[Statement]:
    """Lines FRR adds by itself: `neighbor X bfd` comes with `neighbor X bfd profile P`."""
    implied = [Command(f"neighbor {item.peer} bfd") for item in items if isinstance(item, NeighborBfdProfile)]
    return items + [line for line in implied if line not in items]


def _change_route_maps(
    old: dict[tuple[str, ...], RouteMapEntry], new: dict[tuple[str, ...], RouteMapEntry], out: _Out
) -> None:
    """New and changed entries; entries no longer wanted are removed after BGP stops using them."""
    for key, entry in new.items():
        previous = old.get(key)
        if previous is None or previous.action != entry.action:
            if previous is not None:
                out.add(0, negate(previous.header()))
            out.block(0, entry)
            continue
        opened = out.enter(0, entry.header())
        _diff_statements(_statements(previous.items), _statements(entry.items), 1, out)
        _unsupported_differences(_blocks(previous.items), _blocks(entry.items), f"{entry.header()}: ", out)
        out.leave(0, opened, entry.closer)


def _statements(items: Iterable[Item]) -> list[Statement]:
    return [item for item in items if isinstance(item, Statement)]


def _blocks(items: Iterable[Item]) -> list[Block]:
    return [item for item in items if isinstance(item, Block)]


def _bfd_statements(items: Iterable[Item]) -> list[Statement]:
    """A profile's lines as FRR prints them: settings at their default values are not shown."""
    return [
        item
        for item in _statements(items)
        if not (isinstance(item, BfdSetting) and BFD_DEFAULTS.get(item.setting) == item.value)
    ]


def _removal(item: Item) -> str:
    """The line that undoes `item`: its `no` form, or the default value where FRR has no `no` form."""
    if isinstance(item, BfdSetting) and item.setting in BFD_DEFAULTS:
        return f"{item.setting} {BFD_DEFAULTS[item.setting]}"
    return negate(_text(item))


def _profiles(bfd: Bfd | None) -> dict[str, BfdProfile]:
    if bfd is None:
        return {}
    return {item.name: item for item in bfd.items if isinstance(item, BfdProfile)}


def _diff_bfd(old: Bfd | None, new: Bfd | None, out: _Out) -> None:
    old_other = [] if old is None else [i for i in old.items if not isinstance(i, BfdProfile)]
    new_other = [] if new is None else [i for i in new.items if not isinstance(i, BfdProfile)]
    _unsupported_differences(old_other, new_other, "bfd: ", out)
    old_profiles = _profiles(old)
    opened = out.enter(0, "bfd")
    for profile in _profiles(new).values():
        previous = old_profiles.get(profile.name)
        if previous is None:
            out.block(1, profile)
            continue
        profile_opened = out.enter(1, profile.header())
        _diff_statements(_bfd_statements(previous.items), _bfd_statements(profile.items), 2, out)
        out.leave(1, profile_opened, profile.closer)
    out.leave(0, opened, "exit")


def _remove_bfd_profiles(old: Bfd | None, new: Bfd | None, out: _Out) -> None:
    new_profiles = _profiles(new)
    removed = [name for name in _profiles(old) if name not in new_profiles]
    if removed:
        out.add(0, "bfd")
        for name in removed:
            out.add(1, f"no profile {name}")
        out.add(0, "exit")


def _diff_routers(old: dict[tuple[str, ...], RouterBgp], new: dict[tuple[str, ...], RouterBgp], out: _Out) -> None:
    # VRF instances go first: FRR refuses to delete the default instance while they exist.
    for key, router in sorted(old.items(), key=lambda kv: kv[0] == ("router bgp", "", "")):
        if key not in new:
            out.add(0, negate(router.header()))
    for key, router in new.items():
        previous = old.get(key)
        if previous is None:
            out.block(0, router)
        elif previous.asn != router.asn:
            out.unsupported.append(f"{previous.header()}: AS number changes to {router.asn}")
        else:
            _diff_router(previous, router, out)


def _peers(router: RouterBgp) -> dict[str, bool]:
    """Peers configured in a router, each with whether it is a peer-group."""
    peers: dict[str, bool] = {}
    for _, item in Config(router.items).walk():
        peer = peer_of(item)
        if peer is not None:
            is_group = isinstance(item, NeighborPeerGroup) and item.group is None
            peers[peer] = peers.get(peer, False) or is_group
    return peers


def _recreated_peers(old: RouterBgp, new: RouterBgp, gone: frozenset[str], out: _Out) -> None:
    """Changes FRR makes by deleting and re-creating a neighbor, losing its other settings.

    `no neighbor X remote-as` deletes X, and a neighbor moves between peer-groups only through
    `no neighbor X peer-group G`, which deletes it too when its AS came from G.
    """
    before = {item.key(): item for item in old.items if isinstance(item, NeighborRemoteAs | NeighborPeerGroup)}
    after = {item.key(): item for item in new.items if isinstance(item, NeighborRemoteAs | NeighborPeerGroup)}
    for key, item in before.items():
        if item.peer in gone:
            continue
        if isinstance(item, NeighborRemoteAs) and key not in after:
            out.unsupported.append(f"{new.header()}: neighbor {item.peer} loses its remote-as")
        elif isinstance(item, NeighborPeerGroup) and item.group is not None and after.get(key) != item:
            out.unsupported.append(f"{new.header()}: neighbor {item.peer} leaves peer-group {item.group}")


def _diff_router(old: RouterBgp, new: RouterBgp, out: _Out) -> None:
    new_peers = _peers(new)
    removed = {peer: group for peer, group in _peers(old).items() if peer not in new_peers}
    opened = out.enter(0, new.header())
    # Members before their groups.
    for peer, group in sorted(removed.items(), key=lambda kv: kv[1]):
        out.add(1, f"no neighbor {peer} peer-group" if group else f"no neighbor {peer}")
    gone = frozenset(removed)
    _recreated_peers(old, new, gone, out)
    _diff_statements(_statements(old.items), _with_implied(_statements(new.items)), 1, out, skip_peers=gone)

    old_families = {b.key(): b for b in old.items if isinstance(b, AddressFamily)}
    new_families = {b.key(): b for b in new.items if isinstance(b, AddressFamily)}
    for key in [*new_families, *(k for k in old_families if k not in new_families)]:
        before = old_families.get(key)
        after = new_families.get(key)
        family = after or before
        assert family is not None
        family_opened = out.enter(1, family.header())
        _diff_statements(
            _statements(before.items if before else ()),
            _statements(after.items if after else ()),
            2,
            out,
            skip_peers=gone,
        )
        _unsupported_differences(
            _blocks(before.items if before else ()),
            _blocks(after.items if after else ()),
            f"{new.header()} {family.header()}: ",
            out,
        )
        out.leave(1, family_opened, family.closer)

    others_old = [b for b in old.items if isinstance(b, Block) and not isinstance(b, AddressFamily)]
    others_new = [b for b in new.items if isinstance(b, Block) and not isinstance(b, AddressFamily)]
    _unsupported_differences(others_old, others_new, f"{new.header()}: ", out)
    out.leave(0, opened, "exit")
