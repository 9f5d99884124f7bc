"""The preview of an apply, without a router: what `frr-edge diff` prints and a paused Router's RouterState holds."""

from __future__ import annotations

from datetime import UTC, datetime

from controller.api.routerstate import RouterState
from controller.pipeline import render_router
from controller.router.frr.plan import plan
from controller.router.linux.apply import ApplyPlan
from controller.router.linux.preview import preview_of
from controller.router.state import PENDING_LIMIT, bounded, router_state
from tests.core.builders import ROUTER, frr_configuration, resources

RUNNING = """\
frr version 8.4.4
frr defaults traditional
hostname edge
!
router bgp 64512
 neighbor 192.0.2.11 remote-as 64513
 neighbor 192.0.2.11 description frr-edge
exit
!
"""
RENDERED = """\
router bgp 64512
 neighbor 192.0.2.12 remote-as 64513
 neighbor 192.0.2.12 description frr-edge
 neighbor 192.0.2.12 password Secret-Preview-1
exit
!
ip route 203.0.113.128/25 blackhole
"""
NOW = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
TABLE_PRESENT = True


def apply_plan(rendered: str = RENDERED, applied_nft: str | None = "table inet frr_edge {\n}\n") -> ApplyPlan:
    return ApplyPlan(plan(RUNNING, rendered, "Managed"), None, None, applied_nft != "new", TABLE_PRESENT, applied_nft)


def test_the_commands_shown_are_the_plans_own_and_passwords_are_redacted() -> None:
    decided = apply_plan()

    shown = preview_of("edge-1", decided, "new")

    assert shown.frr_commands == decided.frr.commands
    text = shown.text()
    assert "Secret-Preview-1" not in text
    assert " neighbor 192.0.2.12 password <redacted>\n" in text
    assert " no neighbor 192.0.2.11\n" in text
    assert "frr-reload.py" in text and "ip route 203.0.113.128/25 blackhole: added" in text
    assert "# frr-edge diff: router edge-1: nftables: table inet frr_edge replaced" in text
    assert "+new" in text.splitlines()


def test_nothing_to_change_is_no_text() -> None:
    decided = ApplyPlan(plan(RUNNING, RUNNING, "Managed"), None, None, False, TABLE_PRESENT, "same")

    shown = preview_of("edge-1", decided, "same")

    assert not shown.changed
    assert shown.text() == ""
    assert shown.summary() == "nothing to change"


def test_a_missing_table_is_said_and_the_whole_ruleset_shown() -> None:
    decided = ApplyPlan(plan(RUNNING, RUNNING, "Managed"), None, None, True, False, None)

    text = preview_of("edge-1", decided, "table inet frr_edge {\n}\n").text()

    assert "(table inet frr_edge does not exist on the router)" in text
    assert "+table inet frr_edge {" in text.splitlines()


def test_bounded_keeps_short_text_and_cuts_long_text_at_a_line_with_a_note() -> None:
    short = "a\nb\n"
    long = "".join(f"line {number} é\n" for number in range(5000))

    cut = bounded(long)

    assert bounded(short) == short
    assert len(cut.encode()) <= PENDING_LIMIT
    assert cut.splitlines()[-1].startswith(f"# frr-edge: cut at {PENDING_LIMIT} bytes: ")
    assert all(line in long.splitlines() for line in cut.splitlines()[:-1])
    left = 5000 - (len(cut.splitlines()) - 1)
    assert f": {left} more lines;" in cut


def test_a_paused_routers_state_shows_what_is_pending_and_the_paused_condition() -> None:
    paused = ROUTER.replace("insecureIgnoreHostKey: true", "insecureIgnoreHostKey: true\n  paused: true")
    inputs = resources(paused, frr_configuration("base", "bgp: {routers: [{asn: 64512}]}"))
    result = render_router(inputs.routers[0], inputs)
    pending = preview_of("edge-1", apply_plan(), "new")

    state = router_state(inputs.routers[0].object, result, None, None, NOW, pending)

    assert state.status is not None
    (condition,) = [c for c in state.status.conditions if c.type == "Paused"]
    assert (condition.status, condition.reason) == ("True", "ChangesPending")
    assert "pending: FRR through frr-reload.py" in condition.message
    assert state.status.pending_changes == pending.text()
    assert "Secret-Preview-1" not in state.model_dump_json()


def test_an_unpaused_routers_state_has_nothing_pending() -> None:
    inputs = resources(ROUTER, frr_configuration("base", "bgp: {routers: [{asn: 64512}]}"))
    result = render_router(inputs.routers[0], inputs)

    state = router_state(inputs.routers[0].object, result, None, None, NOW)

    assert state.status is not None
    (condition,) = [c for c in state.status.conditions if c.type == "Paused"]
    assert (condition.status, condition.reason) == ("False", "NotPaused")
    assert state.status.pending_changes == ""


def test_the_routerstate_schema_holds_as_much_as_the_bound_lets_through() -> None:
    full = bounded("x" * 100 + "\n" + "y" * (2 * PENDING_LIMIT) + "\n" + "z\n" * 10000)
    most = "w" * PENDING_LIMIT

    RouterState.model_validate({"metadata": {"name": "edge-1"}, "status": {"pendingChanges": full}})
    RouterState.model_validate({"metadata": {"name": "edge-1"}, "status": {"pendingChanges": most}})
