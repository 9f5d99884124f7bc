"""Keep a departed speaker's neighbor while its session is still up: the MetalLB rule, as an input of the render.

`controller.metallb.departed` states the rule; this module remembers what the previous apply desired and
decides which departed speakers' neighbors the router keeps, and until when. The pipeline renders them
(`pipeline.render_router`'s `held`, like any neighbor: FRR text and the firewall's BGP peer set), so the
router is told to remove them only once their session has left Established or the grace period is over.
Only speakers depart: a neighbor the previous apply had from MetalLB (DesiredRouter.speakers). A neighbor
a user removes from an FRRConfiguration goes at once. A removed BGPPeer counts as its speakers departing.

What is departing survives a restart of the controller: RouterState keeps each departure (since when, and the
neighbor as it was applied, without its password), and a controller that starts reads them back, taking the
passwords from the router's last good configuration. A speaker that leaves while no controller runs is not
known to have been one when the next starts: its neighbor goes on that controller's first apply.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from controller.api.routerstate import Departure
from controller.desired import DesiredNeighbor
from controller.frrcfg import FrrSyntaxError, parse
from controller.frrcfg.model import NeighborPassword, RouterBgp
from controller.metallb.departed import NeighborKey, departures
from controller.pipeline import RouterResult

_DEFAULT_VRF = "default"  # how `show bgp vrf all summary json` names the VRF that desired config calls ""


@functools.cache
def _record() -> TypeAdapter[DesiredNeighbor]:
    """How a neighbor is kept in RouterState; built on first use, as the API models are (start-up time)."""
    return TypeAdapter(DesiredNeighbor)


def _neighbors(result: RouterResult) -> dict[NeighborKey, DesiredNeighbor]:
    assert result.desired is not None
    return {
        (vrf or _DEFAULT_VRF, peer): neighbor
        for vrf, bgp in result.desired.frr.routers.items()
        for peer, neighbor in bgp.neighbors.items()
    }


@dataclass
class Departing:
    """What one Router's previous apply desired, and since when each departed neighbor is departed."""

    previous: dict[NeighborKey, DesiredNeighbor] = field(default_factory=dict)
    since: dict[NeighborKey, datetime] = field(default_factory=dict)
    speakers: set[NeighborKey] = field(default_factory=set)  # those of `previous` that MetalLB contributed

    def held(self, sessions: Mapping[NeighborKey, str], now: datetime, grace: timedelta) -> list[DesiredNeighbor]:
        """The neighbors the next render keeps if no input desires them any more (pipeline.render_router's `held`).

        `sessions` maps owned neighbors to their last observed BGP state. Only neighbors of speakers the
        previous apply desired are candidates, so a neighbor frr-edge never configured is never touched; of
        those, the ones whose session is Established and whose grace period, counted from their departure,
        has not run out (metallb.departed.departures). Sorted by (vrf, peer).
        """
        owned = {key: sessions[key] for key in self.previous if key in sessions and key in self.speakers}
        decision = departures(owned, set(), self.since, now, grace)
        return [self.previous[key] for key in sorted(decision.keep)]

    def kept(self, result: RouterResult, now: datetime) -> bool:
        """Record which held neighbors the render put back (DesiredRouter.held), departed since their departure
        or `now`; returns whether any was. The others are no longer departing."""
        held = result.desired.held if result.desired is not None else frozenset()
        keys = {(vrf or _DEFAULT_VRF, peer) for vrf, peer in held}
        self.since = {key: self.since.get(key, now) for key in sorted(keys)}
        return bool(keys)

    def records(self) -> list[Departure]:
        """The departures as RouterState keeps them: since when, and each neighbor without its password."""
        return [
            Departure(
                peer=peer,
                vrf=vrf,
                since=since,
                neighbor=_record().dump_python(self.previous[(vrf, peer)], mode="json", exclude={"password"}),
            )
            for (vrf, peer), since in sorted(self.since.items())
            if (vrf, peer) in self.previous
        ]

    @classmethod
    def restored(cls, records: Sequence[Departure], last_good_frr: str) -> Departing:
        """What a controller recorded before it stopped; passwords from the router's last good configuration.

        `last_good_frr` is the rendered text of that configuration (applied.frr, whose identity RouterState
        names). A record that cannot be read back, or a text that does not parse, leaves its neighbors out:
        they are decided afresh.
        """
        departing = cls()
        try:
            passwords = _passwords(last_good_frr)
        except FrrSyntaxError:
            return departing
        for record in records:
            key = (record.vrf, record.peer)
            try:
                neighbor = _record().validate_python(record.neighbor)
            except ValidationError:
                continue
            if (neighbor.vrf or _DEFAULT_VRF, neighbor.peer) != key:
                continue
            neighbor.password = passwords.get(key)
            departing.previous[key] = neighbor
            departing.since[key] = record.since
            departing.speakers.add(key)
        return departing

    def applied(self, result: RouterResult) -> None:
        """Remember what was applied (kept neighbors included) for the next decision."""
        if result.desired is not None:
            self.previous = _neighbors(result)
            contributed = {(vrf or _DEFAULT_VRF, peer) for vrf, peer in result.desired.speakers}
            # A neighbor held back is still a departing speaker, though this render no longer derives it.
            self.speakers = {key for key in self.previous if key in contributed or key in self.since}


def _passwords(rendered: str) -> dict[NeighborKey, str]:
    """Each neighbor's password in a rendered FRR configuration, by (VRF, peer)."""
    found: dict[NeighborKey, str] = {}
    for contexts, item in parse(rendered, source="the router's last good configuration").walk():
        if isinstance(item, NeighborPassword):
            router = next((c for c in contexts if isinstance(c, RouterBgp)), None)
            if router is not None:
                found[(router.vrf or _DEFAULT_VRF, item.peer)] = item.password
    return found
