"""FRR's verdict offline: given FRR text, the checker refuses exactly the lines real `vtysh -C -f` refuses,
and says where and what FRR would have accepted there."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from controller.frrcfg import FrrSyntaxError, check, parse_checked
from controller.frrcfg.check import LINE_BUFFER, words_of

REPO = Path(__file__).resolve().parents[2]
VtyshCheck = Callable[[str], subprocess.CompletedProcess[str]]
_REFUSED = re.compile(r"line ([0-9]+): % [A-Za-z ]+\[([0-9]+)\]", re.ASCII)


def frr_refuses(vtysh_check: VtyshCheck, text: str) -> dict[int, str]:
    """Line -> node number of every line real vtysh -C refuses."""
    return {int(line): node for line, node in _REFUSED.findall(vtysh_check(text).stderr)}


def ours(text: str) -> dict[int, str]:
    return {refusal.line: refusal.node_key for refusal in check(text).refusals}


# Each case: FRR text and the lines FRR refuses (checked against real vtysh in the test below).
CASES: dict[str, tuple[str, set[int]]] = {
    "issue 13: a neighbor without `peer-group`": (
        "router bgp 64512\n neighbor UPSTREAM peer-group\n neighbor 198.51.100.7 UPSTREAM\nexit\n",
        {3},
    ),
    "issue 13: a match without `address`": ("route-map RM permit 10\n match ip prefix-list X\nexit\n", {2}),
    "abbreviations are FRR's": (
        "ro b 64512\n nei 192.0.2.1 rem 64513\n add ipv4 uni\n  nei 192.0.2.1 act\n exit-a\nexit\n",
        set(),
    ),
    "an abbreviation of two keywords is ambiguous": ("router bgp 64512\n bgp default ipv4\nexit\n", {2}),
    "a line cut short is incomplete": ("router bgp 64512\n neighbor 192.0.2.1\nexit\n", {2}),
    "an unknown line walks up to config, where it is unknown too": ("router bgp 64512\n frobnicate\nexit\n", {2}),
    "a config line inside a context walks up and leaves it": (
        "router bgp 64512\n address-family ipv4 unicast\n"
        "  ip prefix-list P permit any\n  neighbor 192.0.2.1 activate\n",
        {4},
    ),
    "a router-level line inside an address-family walks up to router bgp": (
        "router bgp 64512\n address-family ipv4 unicast\n  neighbor 192.0.2.1 remote-as 65000\n"
        "  neighbor 192.0.2.1 activate\n  timers bgp 3 9\n",
        set(),
    ),
    "an incomplete line does not walk up": (
        "router bgp 64512\n address-family ipv4 unicast\n  network\n",
        {3},
    ),
    "out of range": ("router bgp 64512\n neighbor 192.0.2.1 timers 70000 90\nexit\n", {2}),
    "addresses are read by FRR's rules": (
        "ip prefix-list A permit 10.0.0.0/33\nip prefix-list B permit 10.0.0.0/8\n"
        "ip prefix-list C permit .1.2.3/24\nip prefix-list D permit 01.2.3.4/24\n"
        "ipv6 prefix-list E permit ::ffff:1.1.1.1/128\nipv6 prefix-list F permit 2001:db8::/129\n",
        {1, 4, 6},
    ),
    "`no` forms": ("router bgp 64512\n no neighbor 192.0.2.1 description\n no bgp ebgp-requires-policy\nexit\n", set()),
    "`end` lines are skipped, `exit` at the top goes to enable, where config lines are unknown": (
        "hostname r1\nend\nexit\nhostname r2\n",
        {4},
    ),
    "comments and blanks": ("! comment\n# comment\n\n   \nhostname r1\n", set()),
    "`key 2` in a key reads as `key-string 2`": (
        "key chain K\n key 1\n  key-string X\n key 2\n  bogus\n",
        {5},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_checker_refuses_what_vtysh_refuses(vtysh_check: VtyshCheck, name: str) -> None:
    text, refused = CASES[name]
    assert set(frr_refuses(vtysh_check, text)) == refused, "the case itself is wrong about FRR"
    assert ours(text) == frr_refuses(vtysh_check, text)


def test_a_refusal_says_line_column_and_what_frr_accepts_there() -> None:
    (refusal,) = check("router bgp 64512\n neighbor 198.51.100.7 UPSTREAM\n").refusals
    assert (refusal.line, refusal.column, refusal.message, refusal.node) == (2, 24, "unexpected 'UPSTREAM'", "bgp")
    # Keywords that would complete the line if put before the word come first.
    assert refusal.expected[:5] == ("'description'", "'interface'", "'password'", "'peer-group'", "'update-source'")
    assert {"'remote-as'", "'timers'"} <= set(refusal.expected)
    error = refusal.error("rawConfig")
    assert isinstance(error, FrrSyntaxError)
    assert (
        str(error)
        .splitlines()[0]
        .startswith("rawConfig:2:24: unexpected 'UPSTREAM' (FRR bgp node); expected 'description'")
    )
    assert error.expected[-1] == f"{len(refusal.expected) - 12} more"

    (refusal,) = check("route-map RM permit 10\n match ip prefix-list X\n").refusals
    assert (refusal.column, refusal.message, refusal.expected) == (
        11,
        "unexpected 'prefix-list'",
        ("'address'", "'next-hop'", "'route-source'"),
    )


def test_incomplete_and_ambiguous_lines_point_where_frr_stops() -> None:
    (incomplete,) = check("router bgp 64512\n neighbor 192.0.2.1 timers\n").refusals
    assert (incomplete.column, incomplete.message) == (27, "incomplete command")
    assert incomplete.expected == ("'connect'", "'delayopen'", "(0-65535)")
    (ambiguous,) = check("router bgp 64512\n bgp default ipv4\n").refusals
    assert ambiguous.column == 14
    assert ambiguous.message.startswith("ambiguous 'ipv4': it could be 'ipv4-flowspec' or 'ipv4-labeled-unicast'")


def test_a_refused_secret_is_not_shown() -> None:
    (refusal,) = check("enable password 7 s3cret\n").refusals  # `enable password [(8-8)] LINE`: 7 is the LINE
    assert refusal.message == "unexpected <redacted>"
    assert "s3cret" not in str(refusal.error("x")).splitlines()[0]


def test_lines_vtysh_would_split_are_refused() -> None:
    long = "router bgp 64512\n neighbor 192.0.2.1 description " + "x" * (LINE_BUFFER - 32) + "\n"
    (refusal,) = check(long).refusals
    assert refusal.line == 2 and "vtysh reads at most 4094" in refusal.message


def test_what_the_table_cannot_judge_is_listed_with_the_reason(vtysh_check: VtyshCheck) -> None:
    # `exit` in enable stops vtysh (status 0, whatever came before): the rest is not read.
    text = "hostname r1\nfrobnicate\nexit\nexit\nrouter bgp 64512\n bogus\n"
    verdict = check(text)
    assert [refusal.line for refusal in verdict.refusals] == [2]
    assert verdict.stopped_at == 4
    assert [(item.line, item.reason) for item in verdict.unjudged] == [
        (5, "vtysh stops reading at line 4 (`exit` in node enable)"),
        (6, "vtysh stops reading at line 4 (`exit` in node enable)"),
    ]
    assert not verdict.accepted and verdict.vtysh_exit_status_zero
    real = vtysh_check(text)
    assert real.returncode == 0 and set(frr_refuses(vtysh_check, text)) == {2}
    # vtysh runs `banner motd file` itself: it wants the file under /etc/frr on the router.
    (unjudged,) = check("banner motd file /etc/frr/motd\n").unjudged
    assert unjudged.reason == "vtysh runs this command itself and decides on the router"
    # A node the table does not have: `disable` (to view) was not run by the generator.
    verdict = check("exit\ndisable\nenable\nconfigure terminal\nhostname r1\n")
    assert verdict.refusals == ()
    assert [item.line for item in verdict.unjudged] == [3, 4, 5]
    assert "a node the command table does not have" in verdict.unjudged[0].reason


def test_words_are_split_as_vtysh_splits_them() -> None:
    assert words_of("  neighbor\t192.0.2.1   remote-as 1 ") == ["neighbor", "192.0.2.1", "remote-as", "1"]
    assert words_of("  ! comment") is None
    assert words_of(" \t") is None


def test_parse_checked_reports_the_first_line_refused_by_frr_or_the_grammar() -> None:
    with pytest.raises(FrrSyntaxError) as refused:
        parse_checked("router bgp 64512\n neighbor 198.51.100.7 UPSTREAM\n neighbor 192.0.2.1 remote-as auto\n")
    assert (refused.value.line, refused.value.message) == (2, "unexpected 'UPSTREAM' (FRR bgp node)")
    # On the same line the grammar's words win: they name frr-edge's expectations.
    with pytest.raises(FrrSyntaxError) as refused:
        parse_checked("router bgp 64512\n neighbor 192.0.2.1 remote-as auto\n")
    assert refused.value.expected == ("'external'", "'internal'", "an AS number")
    config = parse_checked("router bgp 64512\n neighbor 192.0.2.1 remote-as 64513\nexit\n")
    assert config.to_text().startswith("router bgp 64512\n")


GOLDEN = sorted((REPO / "tests" / "golden").glob("*/*.frr"))


@pytest.mark.parametrize("path", GOLDEN, ids=[f"{path.parent.name}/{path.name}" for path in GOLDEN])
def test_every_rendered_golden_config_is_accepted_as_frr_accepts_it(vtysh_check: VtyshCheck, path: Path) -> None:
    verdict = check(path.read_text())
    assert (verdict.refusals, verdict.unjudged) == ((), ())
    assert vtysh_check(path.read_text()).returncode == 0
