"""Every field of MetalLB's API is mirrored, irrelevant, or warned about: checked against MetalLB itself.

MetalLB's CRDs (go.universe.tf/metallb at fields.METALLB_VERSION) and the legacy ConfigMap's format (the
yaml tags of MetalLB fields.LEGACY_VERSION's config parser) come from the Go module proxy, as the cluster
tier's Kubernetes does; a field MetalLB has and the table lacks (or the other way round) fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from controller.metallb.fields import FIELDS, LEGACY_VERSION, METALLB_VERSION, Treatment
from tests.metallb.test_derive import router_of, sample_inputs

REPO = Path(__file__).resolve().parents[2]
CRD_FILES = {
    "BGPPeer": "metallb.io_bgppeers.yaml",
    "IPAddressPool": "metallb.io_ipaddresspools.yaml",
    "BGPAdvertisement": "metallb.io_bgpadvertisements.yaml",
    "BFDProfile": "metallb.io_bfdprofiles.yaml",
    "Community": "metallb.io_communities.yaml",
}


def metallb_module(version: str) -> Path:
    """MetalLB's source at `version`, from the Go module proxy (cached in Go's module cache)."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "go.mod").write_text("module fields\n\ngo 1.22\n")
        done = subprocess.run(
            ["go", "mod", "download", "-json", f"go.universe.tf/metallb@{version}"],
            cwd=scratch,
            capture_output=True,
            text=True,
            env={**os.environ, "GOFLAGS": "-mod=mod"},
            timeout=300,
            check=False,
        )
    assert done.returncode == 0, f"go mod download go.universe.tf/metallb@{version} failed: {done.stderr}"
    return Path(json.loads(done.stdout)["Dir"])


def _selector(schema: dict[str, Any]) -> bool:
    inner = schema.get("items", schema)
    return "matchLabels" in inner.get("properties", {})


def spec_fields(schema: dict[str, Any], prefix: str = "") -> set[str]:
    """Every field under a CRD's spec, label selectors taken whole."""
    found = set()
    for name, child in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        found.add(path)
        if _selector(child):
            continue
        if child.get("type") == "object":
            found |= spec_fields(child, f"{path}.")
        elif child.get("type") == "array" and child.get("items", {}).get("type") == "object":
            found |= spec_fields(child["items"], f"{path}[].")
    return found


@pytest.fixture(scope="module")
def crd_fields() -> dict[str, set[str]]:
    bases = metallb_module(METALLB_VERSION) / "config" / "crd" / "bases"
    fields: dict[str, set[str]] = {}
    for kind, name in CRD_FILES.items():
        crd = yaml.safe_load((bases / name).read_text())
        for version in crd["spec"]["versions"]:
            fields.setdefault(kind, set()).update(
                spec_fields(version["schema"]["openAPIV3Schema"]["properties"]["spec"])
            )
    return fields


def legacy_fields() -> set[str]:
    """The legacy ConfigMap's keys, from the yaml tags (or go-yaml's lowercased names) of MetalLB's structs."""
    source = (metallb_module(LEGACY_VERSION) / "internal" / "config" / "config.go").read_text()
    structs = {
        name: re.findall(r"^\s+(\w+)\s+[^`\n]+?(?:`yaml:\"([^\"]+)\"`)?$", body, re.MULTILINE)
        for name, body in re.findall(r"^type (\w+) struct \{\n(.*?)^\}", source, re.MULTILINE | re.DOTALL)
    }

    def keys(struct: str, prefix: str) -> set[str]:
        found = set()
        for field, tag in structs[struct]:
            key = tag or field.lower()
            found.add(prefix + key)
            nested = {"peers": "peer", "address-pools": "addressPool", "bgp-advertisements": "bgpAdvertisement",
                      "bfd-profiles": "bfdProfile"}.get(key)  # fmt: skip
            if nested:
                found |= keys(nested, f"{prefix}{key}[].")
        return found

    return {key for key in keys("configFile", "") if key not in ("peers", "address-pools", "bfd-profiles")}


def test_every_metallb_crd_field_has_exactly_one_row(crd_fields: dict[str, set[str]]) -> None:
    for kind, fields in crd_fields.items():
        rows = [field.path for field in FIELDS if field.kind == kind]
        assert sorted(rows) == sorted(set(rows)), f"{kind}: a field twice"
        assert set(rows) == fields, (
            f"{kind}: in MetalLB {METALLB_VERSION} but not in the table: {sorted(fields - set(rows))}; "
            f"in the table but not in MetalLB: {sorted(set(rows) - fields)}"
        )


def test_every_legacy_configmap_key_has_exactly_one_row() -> None:
    rows = {field.path for field in FIELDS if field.kind == "ConfigMap"}
    assert rows == legacy_fields()


def test_docs_show_the_table() -> None:
    page = (REPO / "docs" / "metallb.md").read_text()
    for field in FIELDS:
        assert f"| {field.kind} | `{field.path}` | {field.treatment} | {field.how} |" in page, field


# ---------------------------------------------------------------- what the table's words mean on the router


def test_an_unsupported_field_is_a_warning_naming_the_object_and_field() -> None:
    inputs = sample_inputs(("metallb.yaml", "  peerAddress: 10.0.0.1\n", "  peerAddress: 10.0.0.1\n  vrf: red\n"))
    _, warnings = router_of(inputs)
    [warning] = [w for w in warnings if "not mirrored" in w]
    assert warning.startswith("BGPPeer metallb-system/edge-v4: spec.vrf: not mirrored: the speaker's VRF")


def test_an_unnumbered_bgppeer_is_skipped_with_a_warning() -> None:
    unnumbered = (
        "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: unnumbered, namespace: metallb-system}\n"
        "spec: {myASN: 64513, peerASN: 64512, interface: eth1}\n"
    )
    desired, warnings = router_of(sample_inputs(extra=unnumbered))
    assert any(w.startswith("BGPPeer metallb-system/unnumbered: spec.interface: not mirrored") for w in warnings)
    assert all(not neighbor.interface for neighbor in desired.frr.routers[""].neighbors.values())


def test_peer_port_opens_the_firewall_and_says_what_the_router_must_do() -> None:
    inputs = sample_inputs(("metallb.yaml", "  peerAddress: 10.0.0.1\n", "  peerAddress: 10.0.0.1\n  peerPort: 1179\n"))
    desired, warnings = router_of(inputs)
    assert ("10.0.0.11", 1179) in desired.firewall.bgp_peers and ("fd00:10::11", 179) in desired.firewall.bgp_peers
    assert ("10.0.0.11", 179) not in desired.firewall.bgp_peers
    assert any("spec.peerPort: not mirrored: the speakers dial the router on port 1179" in w for w in warnings)


def test_dual_stack_address_family_accepts_both_families_over_one_session() -> None:
    inputs = sample_inputs(
        ("metallb.yaml", "  peerAddress: 10.0.0.1\n", "  peerAddress: 10.0.0.1\n  dualStackAddressFamily: true\n")
    )
    neighbor = router_of(inputs)[0].frr.routers[""].neighbors["10.0.0.11"]
    assert neighbor.families == (4, 6)
    assert ("2001:db8:100::/120", 128, 128) in neighbor.receive and ("203.0.113.0/26", 32, 32) in neighbor.receive


def test_a_passive_speaker_profile_makes_an_active_router() -> None:
    speaker_side = (
        "  detectMultiplier: 3\n  passiveMode: true\n  minimumTtl: 200\n  echoMode: true\n  echoInterval: 100\n"
    )
    inputs = sample_inputs(("metallb.yaml", "  detectMultiplier: 3\n", speaker_side))
    profile = router_of(inputs)[0].frr.bfd_profiles["fast"]
    assert (profile.receive_interval, profile.transmit_interval, profile.detect_multiplier) == (150, 150, 3)
    assert (profile.passive_mode, profile.minimum_ttl, profile.echo_mode, profile.echo_interval) == (None,) * 4


def test_the_speakers_bfd_intervals_cross_over_to_the_router() -> None:
    # The speaker wants to receive every 150 ms and send every 500 ms. A BFD system sends at the larger of its
    # own transmit interval and its peer's receive interval (RFC 5880 6.8.2): with the router's intervals
    # crossed over, each direction runs at the speaker's figures; copied, the speaker would send every 500 ms
    # and the router every 500 ms too, three times slower than the speaker asked to hear from it.
    speaker = "  receiveInterval: 150\n  transmitInterval: 500\n"
    inputs = sample_inputs(("metallb.yaml", "  receiveInterval: 150\n  transmitInterval: 150\n", speaker))
    profile = router_of(inputs)[0].frr.bfd_profiles["fast"]
    assert (profile.transmit_interval, profile.receive_interval, profile.detect_multiplier) == (150, 500, 3)

    def sent_every(own_transmit: int, peer_receive: int) -> int:
        return max(own_transmit, peer_receive)

    assert sent_every(500, profile.receive_interval) == 500  # the speaker sends as it asked
    assert sent_every(profile.transmit_interval, 150) == 150  # the router sends as the speaker asked


def test_bfd_is_admitted_from_exactly_the_neighbors_it_runs_with() -> None:
    firewall = router_of(sample_inputs())[0].firewall
    # edge-v4 has bfdProfile fast, edge-v6 none: BFD from the IPv4 speakers only, single hop, echo looped back.
    assert firewall.bfd_peers == [("10.0.0.11", 3784), ("10.0.0.12", 3784)]
    assert firewall.bfd_echo == ["10.0.0.11", "10.0.0.12"]


@pytest.mark.parametrize("field", [f for f in FIELDS if f.treatment is Treatment.UNSUPPORTED], ids=lambda f: f.path)
def test_each_unsupported_field_says_why(field: Any) -> None:
    assert len(field.how) > 40, "say what the router would need, and what frr-edge does instead"
