"""Every line of an accepted raw snippet sits in the model where FRR runs it.

vtysh runs a line the current node does not know in the first node above that does, and stays there. The
grammar ends a context it has no typed form for only at `exit` or at a command it knows at the top level, so
`no ipv6 forwarding` after `key chain K` / ` key 1` was kept inside the key block; frr-edge then printed an
`exit` after it that took vtysh out of the configuration, and FRR read the rest of the file (other teams'
snippets too) wrongly or not at all. A hostile test found it; on the router lab every apply of such a
snippet dropped the speakers' sessions and rolled back.

The property: a snippet made of blocks and lines of many kinds, with or without closing `exit`s, is either
refused (naming a line) or its model puts every line at FRR's depth, and the text frr-edge prints from it is
read by real `vtysh -C` in full (no refusal, no early stop) and by the checker at the same depths.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.frrcfg import FrrSyntaxError, check, parse_checked
from controller.frrcfg.model import Config

VtyshCheck = Callable[[str], subprocess.CompletedProcess[str]]
EXAMPLES = int(os.environ.get("FRR_EDGE_CHECK_EXAMPLES", "40"))

# Blocks of contexts frr-edge has no typed form for, and of typed ones, with lines that belong inside.
BLOCKS = (
    ("key chain K\n key 1\n  key-string not-a-secret", (" exit", "exit")),
    ("interface eth0\n description uplink", ("exit",)),
    ("line vty\n exec-timeout 0 0", ("exit",)),
    ("vrf red\n vni 100", ("exit-vrf",)),
    ("route-map RM permit 10\n set metric 5", ("exit",)),
    ("router bgp 64512\n neighbor 192.0.2.1 remote-as 64513", ("exit",)),
    ("bfd\n profile fast\n  detect-multiplier 5", (" exit", "exit")),
)
# Lines FRR runs at the top level, some of them known to the grammar, some not.
TOP_LEVEL = (
    "no ipv6 forwarding",
    "ip forwarding",
    "router-id 192.0.2.9",
    "ip import-table 5",
    "ip prefix-list PL seq 5 permit 192.0.2.0/24",
    "ip route 198.51.100.0/25 blackhole",
    "hostname edge",
)


@st.composite
def snippets(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            block, closers = draw(st.sampled_from(BLOCKS))
            parts.append(block)
            if draw(st.booleans()):
                parts.extend(closers)
        else:
            parts.append(draw(st.sampled_from(TOP_LEVEL)))
    return "\n".join(parts) + "\n"


def depths(config: Config) -> dict[int, int]:
    return {item.line: len(path) for path, item in config.walk() if item.line}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(snippets())
def test_an_accepted_snippet_is_modelled_where_frr_runs_each_line_and_printed_so_frr_reads_all_of_it(
    vtysh_check: VtyshCheck, text: str
) -> None:
    try:
        config = parse_checked(text, "rawConfig")
    except FrrSyntaxError as refused:
        assert refused.line >= 1
        return
    placed = {number: depth for number, depth, _ in check(text).placed}
    assert {line: placed[line] for line in depths(config)} == depths(config), text

    printed = config.to_text()
    again = check(printed)
    assert again.accepted and again.stopped_at is None, printed
    placed_again = {number: depth for number, depth, _ in again.placed}
    modelled_again = depths(parse_checked(printed, "printed"))
    assert {line: placed_again[line] for line in modelled_again} == modelled_again, printed
    done = vtysh_check(printed)
    assert done.returncode == 0 and not done.stderr.strip(), (printed, done.stdout, done.stderr)


def test_the_hostile_example_is_refused_naming_the_line_and_the_closed_form_is_taken() -> None:
    mis_nested = "key chain K\n key 1\n  key-string k\nno ipv6 forwarding\nip prefix-list PL seq 5 permit any\n"

    with pytest.raises(FrrSyntaxError) as refused:
        parse_checked(mis_nested, "rawConfig")

    assert refused.value.line == 4
    assert "outside the `key chain K` block" in refused.value.message
    closed = mis_nested.replace("no ipv6 forwarding\n", " exit\nexit\nno ipv6 forwarding\n")
    assert depths(parse_checked(closed, "rawConfig"))[6] == 0
