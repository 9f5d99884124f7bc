"""Two BGPPeers reaching the same speaker make one router neighbor, by the rule merge follows for two
FRRConfigurations (SESSION_FIELDS, tests/core/test_session_fields.py): every session setting must agree, a
BFD profile or prefix limit set by one holds, the accepted prefixes add up. A difference is a conflict
naming both BGPPeers and the setting, never the first BGPPeer's value kept without a word.
"""

from __future__ import annotations

import pytest

from controller.errors import REDACTED, MergeConflict
from tests.metallb.test_derive import router_of, sample_inputs

FIRST = """
  myASN: 64513
  peerASN: 64512
  peerAddress: 10.0.0.1
  holdTime: 90s
  keepaliveTime: 30s
  bfdProfile: fast
  passwordSecret:
    name: bgp-auth
    namespace: metallb-system
"""
SLOW = """
---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: {name: slow, namespace: metallb-system}
spec: {receiveInterval: 900, transmitInterval: 900}
"""


def second_peer(spec: str) -> str:
    """Another BGPPeer toward the router's 10.0.0.1, from every speaker, with this spec."""
    metadata = "{name: edge-v4-b, namespace: metallb-system}"
    return f"---\napiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {metadata}\nspec:{spec}"


# The second BGPPeer's spec, changed in one setting, and the neighbor fields a conflict may name.
CHANGED = {
    "myASN": (FIRST.replace("myASN: 64513", "myASN: 64514"), {"asn"}),
    "holdTime": (FIRST.replace("holdTime: 90s", "holdTime: 180s"), {"holdTime"}),
    "keepaliveTime": (FIRST.replace("keepaliveTime: 30s", "keepaliveTime: 10s"), {"keepaliveTime"}),
    "connectTime": (FIRST + "  connectTime: 5s\n", {"connectTime"}),
    "bfdProfile": (FIRST.replace("bfdProfile: fast", "bfdProfile: slow"), {"bfdProfile"}),
    "password": (
        FIRST.replace(
            "  passwordSecret:\n    name: bgp-auth\n    namespace: metallb-system\n", "  password: other-one\n"
        ),
        {"password", "passwordSecret"},
    ),
    "ebgpMultiHop": (FIRST + "  ebgpMultiHop: true\n", {"ebgpMultiHop", "sourceaddress"}),
    "enableGracefulRestart": (FIRST + "  enableGracefulRestart: true\n", {"enableGracefulRestart"}),
    "dualStackAddressFamily": (FIRST + "  dualStackAddressFamily: true\n", {"dualStackAddressFamily"}),
    "peerPort": (FIRST + "  peerPort: 1179\n", {"peerPort"}),
}


@pytest.mark.parametrize("setting", sorted(CHANGED))
def test_two_bgppeers_that_differ_in_a_session_setting_for_one_speaker_conflict(setting: str) -> None:
    spec, named = CHANGED[setting]
    inputs = sample_inputs(extra=second_peer(spec) + SLOW)
    with pytest.raises(MergeConflict) as caught:
        router_of(inputs)
    assert caught.value.field in named
    assert {caught.value.first.name, caught.value.second.name} == {"edge-v4", "edge-v4-b"}
    if setting == "password":
        assert "other-one" not in str(caught.value) and REDACTED in str(caught.value)


def test_two_bgppeers_with_the_same_settings_make_one_neighbor() -> None:
    alone, _ = router_of(sample_inputs())
    both, _ = router_of(sample_inputs(extra=second_peer(FIRST)))
    assert both.frr.routers[""].neighbors == alone.frr.routers[""].neighbors


def test_a_bfd_profile_one_bgppeer_sets_holds_for_the_speaker() -> None:
    without_bfd = FIRST.replace("  bfdProfile: fast\n", "")
    desired, _ = router_of(sample_inputs(extra=second_peer(without_bfd)))
    assert desired.frr.routers[""].neighbors["10.0.0.11"].bfd_profile == "fast"
