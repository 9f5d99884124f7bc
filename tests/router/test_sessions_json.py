"""BGP sessions read from FRR's summary JSON: what fits is shown, what does not is left out, never a crash."""

from __future__ import annotations

from typing import Any

from controller.router.linux.observe import sessions_from_json

SUMMARY: dict[str, Any] = {
    "default": {
        "ipv4Unicast": {
            "peers": {
                "192.0.2.11": {"remoteAs": 64513, "state": "Established", "peerUptime": "00:01:02", "pfxRcd": 3},
                "192.0.2.12": {"remoteAs": "not-a-number", "state": "Active"},
                "192.0.2.13": "not a peer",
            }
        },
        "ipv6Unicast": {"peers": {"192.0.2.11": {"remoteAs": 64513, "state": "Established", "pfxRcd": 2}}},
    },
    "red": {"ipv4Unicast": ["not", "a", "mapping"]},
    "vrfId": 0,
}


def test_sessions_merge_families_and_skip_what_does_not_fit() -> None:
    sessions = sessions_from_json(SUMMARY, owned={"192.0.2.11"})
    assert [(s.vrf, s.peer, s.state, s.prefixes_received, s.owned) for s in sessions] == [
        ("default", "192.0.2.11", "Established", 5, True)
    ]
