"""What an apply that was cut off leaves frr-edge responsible for: its own lines, with the last good apply's."""

from __future__ import annotations

import pytest

from controller.frrcfg import parse
from controller.router.frr.plan import plan
from controller.router.linux.transaction import frr_edge_lines

APPLIED = "router bgp 64512\n neighbor 192.0.2.11 remote-as 64513\n neighbor 192.0.2.11 description frr-edge\n!\n"
CUT_OFF = "ip route 203.0.113.128/25 blackhole\nrouter bgp 64512\n bgp router-id 192.0.2.1\n!\n"


def test_both_records_count_and_their_contexts_merge() -> None:
    lines = frr_edge_lines(APPLIED, CUT_OFF)

    assert lines is not None
    config = parse(lines)
    assert [item.key() for item in config.items].count(parse(APPLIED).items[0].key()) == 1
    assert "ip route 203.0.113.128/25 blackhole" in lines
    assert "bgp router-id 192.0.2.1" in lines
    assert "neighbor 192.0.2.11 remote-as 64513" in lines


def test_a_raw_line_a_cut_off_apply_put_is_taken_off_when_no_longer_rendered() -> None:
    """Without the intent, the static route would look like an admin's line and stay (Managed mode)."""
    running = APPLIED + CUT_OFF
    forgetful = plan(running, APPLIED, "Managed", APPLIED)
    remembering = plan(running, APPLIED, "Managed", frr_edge_lines(APPLIED, CUT_OFF))

    assert "ip route 203.0.113.128/25 blackhole" in forgetful.text
    assert "ip route 203.0.113.128/25 blackhole" not in remembering.text


RENDERED = (
    "router bgp 64512\n no bgp default ipv4-unicast\n neighbor 192.0.2.11 remote-as 64513\n"
    " neighbor 192.0.2.11 description frr-edge\n address-family ipv4 unicast\n  neighbor 192.0.2.11 activate\n"
    " exit-address-family\nexit\n!\n"
)
# A raw snippet's own `router bgp` context, after the one that says `no bgp default ipv4-unicast`.
WITH_RAW = RENDERED + "router bgp 64512\n neighbor 192.0.2.70 remote-as 64999\nexit\n!\n"


@pytest.mark.parametrize(
    ("applied", "cut_off"),
    [(WITH_RAW, None), (WITH_RAW, CUT_OFF), (RENDERED, WITH_RAW), (WITH_RAW, WITH_RAW)],
    ids=["applied", "applied-and-a-cut-off-apply", "put-by-a-cut-off-apply", "the-same-record-twice"],
)
def test_a_raw_neighbor_no_longer_rendered_goes_with_the_activation_the_delta_wrote(
    applied: str, cut_off: str | None
) -> None:
    """Each context is read on its own before the records join: the raw context activates 192.0.2.70."""
    running = plan("", WITH_RAW, "Managed").desired.to_text()  # the router once the raw neighbor was applied
    assert "neighbor 192.0.2.70 activate" in running

    removal = plan(running, RENDERED, "Managed", frr_edge_lines(applied, cut_off))

    assert "192.0.2.70" not in removal.desired.to_text()
    assert " no neighbor 192.0.2.70" in removal.commands


def test_no_record_claims_nothing() -> None:
    assert frr_edge_lines(None, None) is None
    assert frr_edge_lines("", None) is None
