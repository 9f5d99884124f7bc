"""Which BGP sessions a change resets (render.frr.session_resets, what the webhook warns about) is what the
delta then does: a neighbor is listed exactly when the planner removes and re-creates it, or sends the
commands for which FRR itself tears an established session down (remote-as, password).

The real-FRR side of the same rule, that a session moved to another peer-group goes down and one whose
policy changes stays up, is tests/router/test_shared_policy.py.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from controller.desired import DesiredBGP, DesiredFRR, DesiredNeighbor
from controller.render.frr import SessionReset, render_frr, session_resets
from controller.router.frr.plan import plan

PEERS = ("192.0.2.10", "192.0.2.11", "2001:db8::10")
_SETTINGS = (
    "remote_as",
    "port",
    "source_address",
    "password",
    "hold_time",
    "ebgp_multihop",
    "graceful_restart",
    "dual_stack",
    "local_asn",
    "maximum_prefixes",
    "receive_all",
    "address_families",
)


@st.composite
def neighbors(draw: st.DrawFn, peer: str) -> DesiredNeighbor:
    """One neighbor with every setting drawn, those that reset a session and those that do not."""
    return DesiredNeighbor(
        vrf="",
        peer=peer,
        interface=False,
        remote_as=draw(st.sampled_from(["64600", "64601", "internal", "external"])),
        port=draw(st.sampled_from([179, 1179])),
        source_address=draw(st.sampled_from([None, "192.0.2.1"])) if ":" not in peer else None,
        password=draw(st.sampled_from([None, "s3cret", "other"])),
        hold_time=draw(st.sampled_from([None, 30, 90])),
        ebgp_multihop=draw(st.booleans()),
        bfd_profile=None,
        graceful_restart=draw(st.booleans()),
        dual_stack=draw(st.booleans()),
        local_asn=draw(st.sampled_from([None, 64700])),
        maximum_prefixes=draw(st.sampled_from([None, 100])),
        receive_all=draw(st.booleans()),
        address_families=draw(st.sampled_from([{"unicast"}, set()])),
    )


@st.composite
def configurations(draw: st.DrawFn) -> DesiredFRR:
    peers = draw(st.lists(st.sampled_from(PEERS), min_size=1, max_size=3, unique=True))
    bgp = DesiredBGP(asn=draw(st.sampled_from([64512, 64513])), vrf="", router_id="192.0.2.1")
    bgp.neighbors = {peer: draw(neighbors(peer)) for peer in peers}
    return DesiredFRR(routers={"": bgp})


def _touched(commands: tuple[str, ...], peer: str) -> bool:
    """Whether the delta removes `peer` as a whole, or sends one of the commands FRR resets a session for."""
    whole = re.compile(rf" *no neighbor {re.escape(peer)}")
    resetting = re.compile(rf" *(no )?neighbor {re.escape(peer)} (remote-as|password)( .*)?")
    return any(whole.fullmatch(c) or resetting.fullmatch(c) for c in commands)


@settings(max_examples=300, deadline=None)
@given(configurations(), st.data())
def test_a_session_is_said_to_reset_exactly_when_the_delta_recreates_it_or_changes_what_resets_it(
    before: DesiredFRR, data: st.DataObject
) -> None:
    after_bgp = replace(before.routers[""], neighbors=dict(before.routers[""].neighbors))
    for peer, neighbor in list(after_bgp.neighbors.items()):
        # Some settings of each neighbor drawn anew, often only one, so each setting counts on its own.
        fresh = data.draw(neighbors(peer))
        changed = data.draw(st.lists(st.sampled_from(_SETTINGS), max_size=3, unique=True), label=f"changed {peer}")
        after_bgp.neighbors[peer] = replace(neighbor, **{name: getattr(fresh, name) for name in changed})
    after = DesiredFRR(routers={"": after_bgp})

    said = {reset.peer for reset in session_resets(before, after)}
    rendered_before, rendered_after = render_frr("edge-1", before), render_frr("edge-1", after)
    delta = plan(rendered_before, rendered_after, "Full").commands

    assert said == {peer for peer in after_bgp.neighbors if _touched(delta, peer)}, delta


def test_the_settings_are_named_as_frr_names_them_and_the_as_of_the_instance_resets_every_session() -> None:
    bgp = DesiredBGP(asn=64512, vrf="")
    bgp.neighbors = {"192.0.2.10": DesiredNeighbor("", "192.0.2.10", False, "64600")}
    before = DesiredFRR(routers={"": bgp})
    changed = replace(bgp.neighbors["192.0.2.10"], graceful_restart=True, password="s3cret", hold_time=30)
    after = DesiredFRR(routers={"": replace(bgp, neighbors={"192.0.2.10": changed})})
    other_as = DesiredFRR(routers={"": replace(bgp, asn=64513)})

    assert session_resets(before, after) == [SessionReset("", "192.0.2.10", ("graceful-restart", "password"))]
    assert session_resets(before, other_as) == [SessionReset("", "192.0.2.10", ("router bgp",))]
    assert session_resets(before, before) == []


def test_an_interface_neighbor_keeps_its_session_when_only_graceful_restart_or_the_port_changes() -> None:
    # Not grouped, changed in place: FRR applies these two at the next session and says so.
    bgp = DesiredBGP(asn=64512, vrf="")
    unnumbered = DesiredNeighbor("", "eth1", True, "external")
    bgp.neighbors = {"eth1": unnumbered}
    before = DesiredFRR(routers={"": bgp})
    quiet = replace(unnumbered, graceful_restart=True, port=1179)
    loud = replace(unnumbered, local_asn=64700)

    assert session_resets(before, DesiredFRR(routers={"": replace(bgp, neighbors={"eth1": quiet})})) == []
    assert session_resets(before, DesiredFRR(routers={"": replace(bgp, neighbors={"eth1": loud})})) == [
        SessionReset("", "eth1", ("local-as",))
    ]
