"""Allow entries laid out so that nft's interval sets take them: no two elements of one set overlap.

A concatenated interval set (`ip daddr . meta l4proto . th dport`, the kernel's pipapo set) refuses an
element whose first or last point lies inside an element it already holds ("Could not process rule: File
exists"): 10.0.0.0/8 and 10.1.0.0/16 as sources of one port, or ports 80 and 79-81 on one address. One
Service with overlapping loadBalancerSourceRanges would then make nft refuse the whole ruleset.

So the entries are first made smaller without changing what they allow (an entry inside another is
dropped; ranges of one address and source that touch are joined), and whatever still overlaps is spread
over layers: each layer is a set of its own, matched by a rule of its own. Almost always there is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from controller.addresses import parse_network
from controller.desired import ANY_PORT, ANY_SOURCE, AllowEntry

Span = tuple[int, int]
_ALL_PORTS = (0, 65535)


@lru_cache(maxsize=65536)
def _prefix(prefix: str) -> tuple[int, int, int]:
    """(first address, last address, length) of a canonical prefix, as numbers."""
    network = parse_network(prefix)
    return int(network.network_address), int(network.broadcast_address), network.prefixlen


def _span(prefix: str, of_family: int) -> Span:
    if prefix == ANY_SOURCE:
        return (0, (1 << (32 if of_family == 4 else 128)) - 1)
    first, last, _ = _prefix(prefix)
    return first, last


def _ports(entry: AllowEntry) -> Span:
    return _ALL_PORTS if entry.ports == ANY_PORT else entry.ports


def _inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _meet(one: Span, other: Span) -> bool:
    return one[0] <= other[1] and other[0] <= one[1]


class _Box:
    """An entry as three spans: destination, port, source."""

    __slots__ = ("destination", "entry", "ports", "source")

    def __init__(self, entry: AllowEntry) -> None:
        self.entry = entry
        self.destination = _span(entry.destination, entry.family)
        self.ports = _ports(entry)
        self.source = _span(entry.source, entry.family)

    def inside(self, other: _Box) -> bool:
        return (
            _inside(self.destination, other.destination)
            and _inside(self.ports, other.ports)
            and _inside(self.source, other.source)
        )

    def meets(self, other: _Box) -> bool:
        return (
            _meet(self.destination, other.destination)
            and _meet(self.ports, other.ports)
            and _meet(self.source, other.source)
        )


def _joined_ports(entries: Iterable[AllowEntry]) -> list[AllowEntry]:
    """Entries of one destination, protocol and source whose port ranges overlap or touch, joined.

    One sort and one pass: entries of one destination, protocol and source come next to each other.
    """
    joined: list[AllowEntry] = []
    # Duplicates dropped in the order given: entries that come sorted (merge_firewall sorts them) sort again
    # in one pass, where a set would scramble them for a full sort.
    for entry in sorted(dict.fromkeys(entries), key=lambda e: (e.family, e.destination, e.protocol, e.source, e.ports)):
        if joined:
            last = joined[-1]
            if last[:3] == entry[:3] and last.source == entry.source:
                first, end = _ports(last)
                start, stop = _ports(entry)
                if start <= end + 1:
                    span = (first, max(end, stop))
                    joined[-1] = last._replace(ports=ANY_PORT if span == _ALL_PORTS else span)
                    continue
        joined.append(entry)
    return joined


def _neighbours(boxes: list[_Box]) -> dict[int, list[int]]:
    """For each box, the boxes of its family and protocol whose destinations nest with its own.

    Only those can overlap it; they are found through the prefix lengths present, not by comparing pairs.
    """
    by_key: dict[tuple[int, str, int, int], list[int]] = defaultdict(list)
    lengths: dict[tuple[int, str], set[int]] = defaultdict(set)
    for index, box in enumerate(boxes):
        entry = box.entry
        length = _prefix(entry.destination)[2]
        by_key[(entry.family, entry.protocol, box.destination[0], length)].append(index)
        lengths[(entry.family, entry.protocol)].add(length)
    found: dict[int, list[int]] = defaultdict(list)
    for index, box in enumerate(boxes):
        entry = box.entry
        bits = 32 if entry.family == 4 else 128
        own = _prefix(entry.destination)[2]
        for length in lengths[(entry.family, entry.protocol)]:
            if length > own:
                continue
            start = box.destination[0] & ~((1 << (bits - length)) - 1)
            for other in by_key.get((entry.family, entry.protocol, start, length), ()):
                if other != index:
                    found[index].append(other)
                    found[other].append(index)
    return found


def _nested(entries: list[AllowEntry]) -> set[tuple[int, str, str]]:
    """(family, protocol, destination) of the entries whose destination contains, or lies in, another's.

    Prefixes of one length never nest: a family and protocol whose destinations all have one length is
    settled without reading a single address.
    """
    groups: dict[tuple[int, str], set[str]] = defaultdict(set)
    for entry in entries:
        groups[(entry.family, entry.protocol)].add(entry.destination)
    nested: set[tuple[int, str, str]] = set()
    for (of_family, protocol), prefixes in groups.items():
        lengths = {int(prefix.rsplit("/", 1)[1]) for prefix in prefixes}
        if len(lengths) == 1:
            continue
        bits = 32 if of_family == 4 else 128
        by_start = {(_prefix(prefix)[0], _prefix(prefix)[2]): prefix for prefix in prefixes}
        for (first, own), prefix in by_start.items():
            for length in lengths:
                outer = by_start.get((first & ~((1 << (bits - length)) - 1), length)) if length < own else None
                if outer is not None:
                    nested |= {(of_family, protocol, prefix), (of_family, protocol, outer)}
    return nested


def _general(entries: list[AllowEntry]) -> list[list[AllowEntry]]:
    """Entries that may overlap: those inside another dropped, the rest spread over layers."""
    boxes = [_Box(entry) for entry in entries]
    neighbours = _neighbours(boxes)
    dropped = {
        index
        for index, box in enumerate(boxes)
        if any(box.inside(boxes[other]) and not boxes[other].inside(box) for other in neighbours.get(index, ()))
    }
    layer_of: dict[int, int] = {}
    result: list[list[AllowEntry]] = []
    for index, box in enumerate(boxes):
        if index in dropped:
            continue
        taken = {
            layer_of[other] for other in neighbours.get(index, ()) if other in layer_of and box.meets(boxes[other])
        }
        layer = next(number for number in range(len(result) + 1) if number not in taken)
        layer_of[index] = layer
        if layer == len(result):
            result.append([])
        result[layer].append(box.entry)
    return result


def layers(entries: Iterable[AllowEntry]) -> list[list[AllowEntry]]:
    """The entries, reduced without changing what they allow, in layers whose elements never overlap.

    Deterministic: the same entries give the same layers in the same order. Most entries (one address, its
    ports joined, one source) cannot overlap anything: they go to the first layer directly; only
    destinations that nest, or that several sources share, are compared box by box. (A Service's single
    ports from any source never come here: render.nft puts them in a hash set.)
    """
    joined = _joined_ports(entries)
    by_destination: dict[tuple[int, str, str], list[AllowEntry]] = defaultdict(list)
    for entry in joined:
        by_destination[(entry.family, entry.protocol, entry.destination)].append(entry)
    nested = _nested(joined)
    alone: list[AllowEntry] = []
    compared: list[AllowEntry] = []
    for key, group in by_destination.items():
        if key not in nested and len({entry.source for entry in group}) == 1:
            alone += group
        else:
            compared += group
    result = _general(sorted(compared)) or [[]]
    result[0] = sorted(result[0] + alone)
    return result
