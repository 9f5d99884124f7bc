"""BFD through a firewall that drops what it does not know: frr-edge admits what it turns on (issue 12).

The router runs the samples' neighbors with BFD profile `fast`, `firewall.dropUnmatched: true`; speaker s1
turns BFD on toward the router, as a MetalLB BFDProfile would. The session comes up only because the ruleset
admits BFD control packets (UDP 3784) from exactly the neighbors that have a profile.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from controller.lab import router as lab
from controller.offline import dump_yaml
from tests.router.conftest import FrrEdge, nft_table, wait_for


@pytest.fixture
def dropping_manifest(router_lab: lab.RouterLab, tmp_path: Path) -> Path:
    documents = list(YAML(typ="safe").load_all(router_lab.router_manifest.read_text()))
    for document in documents:
        if document["kind"] == "Router":
            document["spec"].setdefault("firewall", {})["dropUnmatched"] = True
    path = tmp_path / "router-drop-unmatched.yaml"
    path.write_text(dump_yaml(documents))
    return path


def bfd_peers(router_lab: lab.RouterLab) -> dict[str, str]:
    shown = router_lab.vtysh(router_lab.router_namespace, "show bfd peers json")
    return {peer["peer"]: peer["status"] for peer in json.loads(shown or "[]")}


def test_bfd_comes_up_through_a_firewall_that_drops_the_rest(
    frr_edge: FrrEdge, router_lab: lab.RouterLab, dropping_manifest: Path
) -> None:
    applied = frr_edge("apply", manifest=dropping_manifest)
    assert applied.code == 0, applied.stderr
    table = nft_table(router_lab)
    assert "ip saddr . udp dport @bfd_peers_v4 accept" in table and "192.0.2.11 . 3784" in table
    input_rules = [line.strip() for line in table.split("chain input {")[1].split("}")[0].splitlines() if line.strip()]
    assert input_rules[-1].startswith("counter") and " drop" in input_rules[-1], input_rules
    speaker = router_lab.speakers[0]
    router_lab.vtysh(
        speaker.namespace,
        "configure terminal",
        "bfd",
        "profile fast",
        "receive-interval 150",
        "transmit-interval 150",
        "exit",
        "exit",
        f"router bgp {lab.SPEAKER_ASN}",
        f"neighbor {lab.ROUTER_LAN} bfd profile fast",
    )
    try:
        seconds = wait_for(lambda: bfd_peers(router_lab).get(speaker.address) == "up", timeout=30)
        print(f"BFD up {seconds:.1f} s after the speaker turned it on")
    finally:
        router_lab.vtysh(
            speaker.namespace,
            "configure terminal",
            f"router bgp {lab.SPEAKER_ASN}",
            f"no neighbor {lab.ROUTER_LAN} bfd",
        )
