"""Speakers share one peer-group and one policy on the router; changing one speaker's policy or session
settings never drops another speaker's session (issue 14: a 1,000-node cluster onboarded in seconds).

Real FRR in the lab: the two IPv4 speakers of the core samples run bgpd and hold Established sessions.
A session reset shows in FRR's own counters (`show bgp neighbors json`: connectionsDropped).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from controller.lab import router as lab
from tests.router.conftest import SAMPLES, FrrEdge, Run, running_config, wait_for

SPEAKERS = ("192.0.2.11", "192.0.2.12")


def neighbors(router_lab: lab.RouterLab) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(router_lab.vtysh(router_lab.router_namespace, "show bgp neighbors json"))
    return shown


def dropped(router_lab: lab.RouterLab) -> dict[str, int]:
    """Per speaker, how many times FRR dropped its session so far."""
    shown = neighbors(router_lab)
    return {peer: int(shown[peer].get("connectionsDropped", 0)) for peer in SPEAKERS}


def policy_of(router_lab: lab.RouterLab, peer: str) -> tuple[str | None, str, str]:
    """(peer-group, inbound route-map, outbound route-map) of a speaker in the running config."""
    text = running_config(router_lab)
    group = re.search(rf"^ neighbor {re.escape(peer)} peer-group (\S+)$", text, re.MULTILINE)
    route_maps = dict(
        (direction, name)
        for name, direction in re.findall(rf"^  neighbor {re.escape(peer)} route-map (\S+) (in|out)$", text, re.M)
    )
    return (group[1] if group else None, route_maps["in"], route_maps["out"])


def edited_base(tmp_path: Path, peer: str, **changes: Any) -> list[Path]:
    """The base samples (bgp-base.yaml, firewall.yaml; bgp-layer.yaml gives 192.0.2.11 a policy of its own)
    with one neighbor of bgp-base.yaml changed."""
    yaml = YAML()
    documents = list(yaml.load_all(SAMPLES[0].read_text()))
    for document in documents:
        if document["kind"] != "FRRConfiguration":
            continue
        for neighbor in document["spec"]["bgp"]["routers"][0]["neighbors"]:
            if neighbor["address"] == peer:
                neighbor.update(changes)
    path = tmp_path / "bgp-base.yaml"
    with path.open("w") as out:
        yaml.dump_all(documents, out)
    return [path, SAMPLES[2]]


def established(frr_edge: FrrEdge) -> bool:
    return all(frr_edge("status").sessions().get(peer) == "Established" for peer in SPEAKERS)


def test_speakers_share_a_peer_group_and_a_policy_and_one_speakers_change_resets_no_other_session(
    applied: Run, frr_edge: FrrEdge, router_lab: lab.RouterLab, tmp_path: Path
) -> None:
    run = frr_edge("apply", *edited_base(tmp_path, SPEAKERS[0]))
    assert run.code == 0, run.stderr
    wait_for(lambda: established(frr_edge), timeout=60)
    first, second = (policy_of(router_lab, peer) for peer in SPEAKERS)
    assert first == second and first[0] is not None, (first, second)
    before = dropped(router_lab)

    # A policy change for one speaker: it points at its own route-maps, in the same peer-group, no reset.
    narrower = {"toReceive": {"allowed": {"prefixes": [{"prefix": "203.0.113.0/25", "le": 32}]}}}
    run = frr_edge("apply", *edited_base(tmp_path, SPEAKERS[1], **narrower))
    assert run.code == 0, run.stderr
    assert run.method == "delta"
    first, second = (policy_of(router_lab, peer) for peer in SPEAKERS)
    assert first[0] == second[0] and first[1:] != second[1:], (first, second)
    assert dropped(router_lab) == before
    assert established(frr_edge)

    # A session setting FRR only changes by a reset (ebgp-multihop): that speaker moves to another group
    # and only its session is reset.
    run = frr_edge("apply", *edited_base(tmp_path, SPEAKERS[1], ebgpMultiHop=True, **narrower))
    assert run.code == 0, run.stderr
    first, second = (policy_of(router_lab, peer) for peer in SPEAKERS)
    assert first[0] != second[0], (first, second)
    wait_for(lambda: established(frr_edge), timeout=60)
    assert dropped(router_lab)[SPEAKERS[0]] == before[SPEAKERS[0]]
    assert frr_edge("apply").code == 0  # the samples again, for the tests after this one

    # Back: the same group and route-maps for both again, the first speaker never reset.
    run = frr_edge("apply", *edited_base(tmp_path, SPEAKERS[0]))
    assert run.code == 0, run.stderr
    first, second = (policy_of(router_lab, peer) for peer in SPEAKERS)
    assert first == second
    wait_for(lambda: established(frr_edge), timeout=60)
    assert dropped(router_lab)[SPEAKERS[0]] == before[SPEAKERS[0]]
    assert frr_edge("apply").code == 0  # the samples again, for the tests after this one
