"""Properties of the core: rendering is deterministic and independent of input order, and merging
configurations is commutative (the same result, or a conflict, whichever order they come in)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.errors import InvalidInput, MergeConflict
from controller.inputs import Inputs, add_object
from controller.pipeline import render_all
from tests.core.builders import ROUTER, resources

ADDRESSES = ["192.0.2.11", "192.0.2.12", "192.0.2.13", "2001:db8::11", "2001:db8::12"]
POOLS = ["203.0.113.0/24", "198.51.100.0/24", "2001:db8:100::/64", "2001:db8:200::/64"]
SERVICES = ["203.0.113.10/32", "203.0.113.11/32", "2001:db8:100::10/128"]


@st.composite
def neighbors(draw: st.DrawFn) -> dict[str, Any]:
    address = draw(st.sampled_from(ADDRESSES))
    v6 = ":" in address
    pools = [p for p in POOLS if (":" in p) == v6]
    neighbor: dict[str, Any] = {"address": address, "asn": 64513}
    receive = draw(st.lists(st.sampled_from(pools), unique=True, max_size=2))
    if draw(st.booleans()):
        neighbor["toReceive"] = {"allowed": {"mode": "all"}}
    elif receive:
        neighbor["toReceive"] = {"allowed": {"prefixes": [{"prefix": p, "le": 128 if v6 else 32} for p in receive]}}
    if draw(st.booleans()):
        neighbor["holdTime"] = draw(st.sampled_from(["90s", "180s"]))
    return neighbor


@st.composite
def configurations(draw: st.DrawFn, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "bgp": {
            "routers": [
                {"asn": 64512, "neighbors": draw(st.lists(neighbors(), max_size=4, unique_by=lambda n: n["address"]))}
            ]
        }
    }
    if draw(st.booleans()):
        spec["bgp"]["routers"][0]["maximumPaths"] = draw(st.integers(1, 16))
    if draw(st.booleans()):
        spec["raw"] = {"priority": draw(st.integers(-2, 2)), "rawConfig": f"! from {name}\n"}
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FRRConfiguration",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


@st.composite
def policies(draw: st.DrawFn, name: str) -> dict[str, Any]:
    rules = [
        {
            "name": f"r{index}",
            "protocol": draw(st.sampled_from(["tcp", "udp"])),
            "ports": draw(st.lists(st.integers(1, 65535), max_size=3, unique=True)),
            "destinations": draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=2, unique=True)),
        }
        for index in range(draw(st.integers(0, 4)))
    ]
    return {
        "apiVersion": "frr-edge.dev/v1alpha1",
        "kind": "FirewallPolicy",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"allow": rules},
    }


def inputs_of(documents: list[dict[str, Any]]) -> Inputs:
    inputs = resources(ROUTER)
    for index, document in enumerate(documents):
        add_object(inputs, copy.deepcopy(document), "generated.yaml", index + 1)
    return inputs


def outcome(documents: list[dict[str, Any]]) -> tuple[str, str] | str:
    [result] = render_all(inputs_of(documents))
    if result.errors:
        assert isinstance(result.errors[0], MergeConflict | InvalidInput)
        return type(result.errors[0]).__name__
    return result.frr, result.nft


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True).flatmap(
        lambda names: st.tuples(*(configurations(n) for n in names), *(policies(f"p{n}") for n in names))
    ),
    st.randoms(use_true_random=False),
)
def test_rendering_does_not_depend_on_the_order_of_objects_or_list_items(
    documents: tuple[dict[str, Any], ...], random: Any
) -> None:
    baseline = outcome(list(documents))
    shuffled = [copy.deepcopy(d) for d in documents]
    random.shuffle(shuffled)
    for document in shuffled:
        if document["kind"] == "FRRConfiguration":
            random.shuffle(document["spec"]["bgp"]["routers"][0]["neighbors"])
        else:
            random.shuffle(document["spec"]["allow"])
    assert outcome(shuffled) == baseline
    assert outcome(list(documents)) == baseline  # and twice the same inputs give the same bytes


@settings(max_examples=80, deadline=None)
@given(configurations("a"), configurations("b"))
def test_merging_two_configurations_is_commutative(first: dict[str, Any], second: dict[str, Any]) -> None:
    # Names decide the tie-breaks (raw snippet order), so swap the contents and keep the names.
    swapped_first, swapped_second = copy.deepcopy(second), copy.deepcopy(first)
    swapped_first["metadata"]["name"], swapped_second["metadata"]["name"] = "a", "b"
    forward = outcome([first, second])
    backward = outcome([swapped_second, swapped_first])
    if isinstance(forward, str) or isinstance(backward, str):
        assert forward == backward or {forward, backward} <= {"MergeConflict", "InvalidInput"}
        return
    # The raw snippet comments name their source, which moved with the swap; everything else is equal.
    assert _without_raw(forward[0]) == _without_raw(backward[0])
    assert forward[1] == backward[1]


def _without_raw(frr: str) -> str:
    return "\n".join(
        line
        for line in frr.splitlines()
        if not line.startswith("! raw configuration") and not line.startswith("! from")
    )
