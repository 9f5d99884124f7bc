"""When a speaker leaves, when does its neighbor go? A pure decision, by set difference over owned neighbors.

Never by "the AS equals MetalLB's AS": only neighbors frr-edge owns (created, marked `description
frr-edge`) are candidates. A departed speaker's neighbor is removed once its session has left Established,
or once the grace period has passed since it left the desired set, so traffic the node still carries
drains instead of being cut by a brief API hiccup.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEFAULT_GRACE = timedelta(minutes=5)

NeighborKey = tuple[str, str]  # (vrf, peer)


@dataclass(frozen=True, slots=True)
class Departures:
    """The decision: what to remove now, what to keep for now, and since when each kept one is departed."""

    remove: frozenset[NeighborKey]
    keep: frozenset[NeighborKey]
    departed_since: Mapping[NeighborKey, datetime] = field(default_factory=dict)


def departures(
    owned: Mapping[NeighborKey, str],
    desired: Set[NeighborKey],
    departed_since: Mapping[NeighborKey, datetime],
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> Departures:
    """Decide which owned, no longer desired neighbors to remove.

    `owned` maps each neighbor frr-edge owns on the router to its BGP session state; `departed_since` is
    the previous decision's record (empty the first time). Neighbors not in `owned` are never touched.
    """
    remove: set[NeighborKey] = set()
    keep: set[NeighborKey] = set()
    since: dict[NeighborKey, datetime] = {}
    for key, state in owned.items():
        if key in desired:
            continue
        first_seen = departed_since.get(key, now)
        if state != "Established" or now - first_seen >= grace:
            remove.add(key)
        else:
            keep.add(key)
            since[key] = first_seen
    return Departures(frozenset(remove), frozenset(keep), since)
