"""Element deltas, loaded by the real nft in a namespace of our own: the table they leave is the table a whole
load of the new ruleset leaves, and the way back restores the old one."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from controller.inputs import add_object, load_paths
from controller.pipeline import render_all
from controller.router.nftables.delta import element_delta, layout
from tests.strategies import service_changes, service_sets

METALLB = Path(__file__).resolve().parents[2] / "samples" / "metallb"
WEB = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {
        "name": "web",
        "namespace": "shop",
        "annotations": {"frr-edge.dev/rate-limit": "2 mbytes/second burst 512 kbytes"},
    },
    "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]},
    "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
}


def _ruleset(services: list[dict[str, Any]]) -> str:
    """The router edge-dc1's ruleset for the MetalLB samples and these Services; "" when they conflict."""
    inputs = load_paths([METALLB / "router.yaml", METALLB / "metallb.yaml", METALLB / "cluster.yaml"])
    for service in services:
        add_object(inputs, copy.deepcopy(service))
    [result] = render_all(inputs)
    return result.nft


def _moved(service: dict[str, Any], ip: str) -> dict[str, Any]:
    moved = copy.deepcopy(service)
    moved["status"]["loadBalancer"]["ingress"] = [{"ip": ip}]
    return moved


class Table:
    """frr-edge's table in our own namespace, loaded and listed by the real nft."""

    def __init__(self, netns: str, directory: Path) -> None:
        self.netns, self.directory = netns, directory

    def load(self, script: str) -> subprocess.CompletedProcess[str]:
        path = self.directory / "script.nft"
        path.write_text(script)
        argv = ["ip", "netns", "exec", self.netns, "nft", "-f", str(path)]
        return subprocess.run(argv, capture_output=True, text=True, check=False)

    def listed(self) -> list[tuple[str, str]]:
        """Every object of the table as nft lists it, without handles, set elements in order."""
        argv = ["ip", "netns", "exec", self.netns, "nft", "-j", "list", "table", "inet", "frr_edge"]
        shown = subprocess.run(argv, capture_output=True, text=True, check=True)
        objects = []
        for item in json.loads(shown.stdout)["nftables"]:
            for kind, body in item.items():
                if kind == "metainfo":
                    continue
                kept = {key: value for key, value in body.items() if key != "handle"}
                if "elem" in kept:
                    kept["elem"] = sorted(json.dumps(element, sort_keys=True) for element in kept["elem"])
                objects.append((kind, json.dumps(kept, sort_keys=True)))
        return sorted(objects)


def _same_as_whole_loads(table: Table, before: str, after: str) -> None:
    delta = element_delta(before, after)
    assert delta is not None
    assert table.load(after).returncode == 0
    wanted_after = table.listed()
    assert table.load(before).returncode == 0
    wanted_before = table.listed()

    forward = table.load(delta.forward)
    assert forward.returncode == 0, forward.stderr
    assert table.listed() == wanted_after
    back = table.load(delta.back)
    assert back.returncode == 0, back.stderr
    assert table.listed() == wanted_before


def test_a_service_that_moves_changes_its_elements_only(netns: str, tmp_path: Path) -> None:
    """Given web (rate-limited) and the samples' other Services, when web moves to another address, the delta
    removes web's old elements and adds its new ones (allowed ports and rate-limit map), nothing else; nft
    then holds what loading the new ruleset whole gives, and the way back gives the old table again."""
    before = _ruleset([WEB])
    after = _ruleset([_moved(WEB, "203.0.113.20")])
    delta = element_delta(before, after)
    assert delta is not None
    assert (delta.added, delta.removed) == (4, 4)
    assert "203.0.113.10" in delta.forward.split("add element")[0]
    assert "203.0.113.20" in delta.forward.split("add element", 1)[1]
    _same_as_whole_loads(Table(netns, tmp_path), before, after)


def test_no_delta_when_more_than_elements_differ() -> None:
    """A second rate-limited Service adds a limit object: the table is loaded whole, as is the same ruleset."""
    other = _moved(WEB, "203.0.113.20") | {"metadata": {**WEB["metadata"], "name": "web-2"}}
    assert element_delta(_ruleset([WEB]), _ruleset([WEB, other])) is None
    assert element_delta(_ruleset([WEB]), _ruleset([WEB])) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(service_changes() | st.tuples(service_sets(), service_sets()))
def test_any_delta_leaves_the_table_a_whole_load_leaves(
    netns: str, tmp_path: Path, change: tuple[list[dict[str, Any]], list[dict[str, Any]]]
) -> None:
    """For Services before and after a few events (or any two sets of them): a delta exists exactly when only
    elements differ, and loading it (or its way back) leaves the table that loading the other ruleset whole
    leaves."""
    old, new = _ruleset(change[0]), _ruleset(change[1])
    assume(old and new)
    delta = element_delta(old, new)
    if delta is None:
        apart, other = layout(old), layout(new)
        assert old == new or apart.skeleton != other.skeleton or apart.elements.keys() != other.elements.keys()
        return
    _same_as_whole_loads(Table(netns, tmp_path), old, new)


_DELTA_LINE = re.compile(r"(?:add|delete) element inet frr_edge (\S+) \{ (.*) \}")
_HOST_ELEMENT = re.compile(r"[0-9a-f.:]+(/32|/128)? \. (tcp|udp|sctp) \. \d+")


@settings(max_examples=200, deadline=None)
@given(service_changes() | st.tuples(service_sets(), service_sets()))
def test_a_service_port_is_never_an_element_of_an_interval_set(
    change: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    """What a Service allows from anywhere (one address, one port) goes to a plain hash set, in the whole
    ruleset and in every delta: nft 1.0.6 takes each element added to or deleted from a large concatenated
    interval set in milliseconds (2,000 Services moved among 50,000: 27 s against 0.07 s, bench_apply.py), so
    the burst of a large cluster would take minutes. Only prefixes, port ranges and source ranges may be
    elements of an interval set."""
    old, new = _ruleset(change[0]), _ruleset(change[1])
    assume(old and new)
    for text in (old, new):
        apart = layout(text)
        for name, elements in apart.elements.items():
            if _interval(text, name):
                assert not [e for e in elements if _HOST_ELEMENT.fullmatch(e)], (name, elements)
    delta = element_delta(old, new)
    if delta is None:
        return
    for line in delta.forward.splitlines():
        name, elements = _DELTA_LINE.fullmatch(line).groups()  # type: ignore[union-attr]
        if _interval(new, name):
            assert not [e for e in elements.split(", ") if _HOST_ELEMENT.fullmatch(e)], line


def _interval(text: str, name: str) -> bool:
    declaration = re.search(rf"\n\t(set|map) {name} {{\n(.*?)\n\t}}", text, re.DOTALL)
    assert declaration is not None, name
    return "flags interval" in declaration.group(2)


def test_a_ruleset_taken_apart_and_put_together_is_the_same_text() -> None:
    """A ruleset taken apart gives its own text back: the controller builds rulesets from a layout."""
    for services in ([], [WEB], [WEB, _moved(WEB, "2001:db8:100::10") | {"metadata": {"name": "web6"}}]):
        text = _ruleset(services)
        assert layout(text).text == text
        assert layout(text).with_elements({}).text == text
