"""Overlapping allow entries are laid out so that nft takes them and allows exactly the same traffic."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.addresses import parse_address, parse_network
from controller.desired import ANY_PORT, ANY_SOURCE, AllowEntry, DesiredFirewall
from controller.render.intervals import layers
from controller.render.nft import render_nft

Checker = Callable[[str], subprocess.CompletedProcess[str]]

# A small universe, so that every packet of it can be tried: 16 destinations, 8 ports, 16 sources.
DESTINATIONS = ["10.0.0.0/28", "10.0.0.0/29", "10.0.0.8/29", "10.0.0.4/30", "10.0.0.1/32", "10.0.0.9/32"]
SOURCES = [ANY_SOURCE, "172.16.0.0/28", "172.16.0.0/29", "172.16.0.2/31", "172.16.0.5/32"]
PORTS = [ANY_PORT, (1, 1), (1, 4), (3, 5), (5, 8), (8, 8)]

entries = st.lists(
    st.builds(
        AllowEntry,
        st.just(4),
        st.sampled_from(DESTINATIONS),
        st.just("tcp"),
        st.sampled_from(PORTS),
        st.sampled_from(SOURCES),
    ),
    max_size=12,
)


def allows(entry: AllowEntry, destination: int, port: int, source: int) -> bool:
    def within(prefix: str, address: int) -> bool:
        network = parse_network(prefix)
        return int(network.network_address) <= address <= int(network.broadcast_address)

    ports = (0, 65535) if entry.ports == ANY_PORT else entry.ports
    return (
        within(entry.destination, destination)
        and ports[0] <= port <= ports[1]
        and (entry.source == ANY_SOURCE or within(entry.source, source))
    )


@settings(deadline=None)
@given(drawn=entries)
def test_layers_allow_exactly_what_the_entries_allow(drawn: list[AllowEntry]) -> None:
    laid_out = [entry for layer in layers(drawn) for entry in layer]
    base, source_base = int(parse_address("10.0.0.0")), int(parse_address("172.16.0.0"))
    for destination in range(base, base + 16):
        for port in range(0, 10):
            for source in range(source_base, source_base + 16):
                before = any(allows(entry, destination, port, source) for entry in drawn)
                after = any(allows(entry, destination, port, source) for entry in laid_out)
                assert before == after, (destination, port, source)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=entries)
def test_nft_takes_every_layout(drawn: list[AllowEntry], nft_check: Checker) -> None:
    ruleset = render_nft("r", DesiredFirewall(allow=sorted(set(drawn))))
    checked = nft_check(ruleset)
    assert checked.returncode == 0, checked.stderr


def test_overlapping_source_ranges_of_one_service_become_one_element() -> None:
    overlapping = [
        AllowEntry(4, "203.0.113.10/32", "tcp", (80, 80), "10.0.0.0/8"),
        AllowEntry(4, "203.0.113.10/32", "tcp", (80, 80), "10.1.0.0/16"),
    ]
    assert layers(overlapping) == [[overlapping[0]]]


def test_touching_port_ranges_are_joined() -> None:
    touching = [
        AllowEntry(4, "203.0.113.10/32", "tcp", (80, 80), ANY_SOURCE),
        AllowEntry(4, "203.0.113.10/32", "tcp", (79, 81), ANY_SOURCE),
        AllowEntry(4, "203.0.113.10/32", "tcp", (82, 90), ANY_SOURCE),
    ]
    assert layers(touching) == [[AllowEntry(4, "203.0.113.10/32", "tcp", (79, 90), ANY_SOURCE)]]


def test_partly_overlapping_entries_go_to_a_second_layer() -> None:
    crossing = [
        AllowEntry(4, "10.0.0.0/8", "tcp", (80, 90), ANY_SOURCE),
        AllowEntry(4, "10.1.0.0/16", "tcp", (85, 95), ANY_SOURCE),
    ]
    assert layers(crossing) == [[crossing[0]], [crossing[1]]]
