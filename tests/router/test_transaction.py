"""What an apply that was cut off leaves frr-edge responsible for: its own lines, with the last good apply's."""

from __future__ import annotations

from controller.frrcfg import parse
from controller.router.frrplan import plan
from controller.router.transaction import frr_edge_lines

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


def test_no_record_claims_nothing() -> None:
    assert frr_edge_lines(None, None) is None
    assert frr_edge_lines("", None) is None
