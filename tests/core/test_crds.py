"""The CRDs: generated from the models, kept in sync, teach through `kubectl explain`, and their CEL rules
reject exactly what the models reject."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from ruamel.yaml import YAML

from controller.api import FirewallPolicy, FRRConfiguration, Router
from controller.api.crd import all_crds
from controller.offline import dump_yaml
from tests.core.cel import violations

REPO = Path(__file__).resolve().parents[2]
CRDS = {crd["spec"]["names"]["kind"]: crd for crd in all_crds()}
MODELS = {"Router": Router, "FRRConfiguration": FRRConfiguration, "FirewallPolicy": FirewallPolicy}


def schema(kind: str) -> dict[str, Any]:
    return CRDS[kind]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_crds_directory_is_what_frr_edge_crds_generates() -> None:
    for crd in all_crds():
        path = REPO / "crds" / f"frr-edge.dev_{crd['spec']['names']['plural']}.yaml"
        assert path.read_text() == dump_yaml([crd]), f"{path} is stale: run `make crds`"


def test_frr_edge_crds_prints_all_four() -> None:
    result = subprocess.run([sys.executable, "-m", "controller", "crds"], capture_output=True, text=True, cwd=REPO)
    documents = list(YAML(typ="safe").load_all(result.stdout))
    assert [d["spec"]["names"]["kind"] for d in documents] == [
        "Router",
        "FRRConfiguration",
        "FirewallPolicy",
        "RouterState",
    ]


def _walk(node: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    found = [(path, node)]
    for name, sub in node.get("properties", {}).items():
        found += _walk(sub, f"{path}.{name}")
    if "items" in node:
        found += _walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        found += _walk(node["additionalProperties"], f"{path}{{}}")
    return found


@pytest.mark.parametrize("kind", sorted(CRDS))
def test_every_field_is_described_typed_and_bounded(kind: str) -> None:
    for path, node in _walk(schema(kind), kind):
        if path.endswith((".metadata", ".apiVersion", ".kind")):
            continue
        if not path.endswith(("[]", "{}")):
            assert node.get("description"), f"{path} has no description for kubectl explain"
        assert node.get("type") or node.get("x-kubernetes-int-or-string"), f"{path} is not structural"
        if node.get("type") == "array":
            assert "maxItems" in node, f"{path} is unbounded"
        if node.get("type") == "string" and "enum" not in node and node.get("format") != "date-time":
            assert "maxLength" in node, f"{path} is unbounded"


def test_status_subresources_printer_columns_and_short_names() -> None:
    for crd in CRDS.values():
        version = crd["spec"]["versions"][0]
        assert version["subresources"] == {"status": {}}
        assert crd["spec"]["names"]["shortNames"]
    columns = {
        kind: [c["name"] for c in CRDS[kind]["spec"]["versions"][0]["additionalPrinterColumns"]] for kind in CRDS
    }
    assert columns["Router"] == ["Address", "Ownership", "Ready", "Age"]
    assert columns["RouterState"] == ["Reachable", "Config", "Reload", "Sessions", "Age"]
    assert CRDS["Router"]["spec"]["scope"] == "Cluster" and CRDS["RouterState"]["spec"]["scope"] == "Cluster"


def test_lists_users_merge_with_server_side_apply_have_keys() -> None:
    bgp = schema("FRRConfiguration")["properties"]["spec"]["properties"]["bgp"]["properties"]
    assert bgp["bfdProfiles"]["x-kubernetes-list-map-keys"] == ["name"]
    allow = schema("FirewallPolicy")["properties"]["spec"]["properties"]["allow"]
    assert allow["x-kubernetes-list-type"] == "map" and allow["x-kubernetes-list-map-keys"] == ["name"]
    assert schema("Router")["properties"]["spec"]["properties"]["hostKeys"]["x-kubernetes-list-type"] == "set"


ROUTER_SPEC = {"address": "192.0.2.1", "user": "frr-edge", "sshKeySecretRef": {"namespace": "n", "name": "k"}}


def neighbor(**fields: Any) -> dict[str, Any]:
    return {"bgp": {"routers": [{"asn": 64512, "neighbors": [{"address": "192.0.2.11", "asn": 64513, **fields}]}]}}


def without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


# One invalid object per CEL rule, with the message the user sees.
INVALID = [
    ("Router", ROUTER_SPEC, "hostKeys is required unless insecureIgnoreHostKey is true"),
    (
        "Router",
        {**ROUTER_SPEC, "address": "192.0.2.256", "insecureIgnoreHostKey": True},
        "must be an IPv4 or IPv6 address",
    ),
    ("FRRConfiguration", {"bgp": {"routers": [{"asn": 0}]}}, "must be an AS number between 1 and 4294967295"),
    ("FRRConfiguration", {"bgp": {"routers": [{"asn": 4294967296}]}}, "must be an AS number between 1 and 4294967295"),
    ("FRRConfiguration", neighbor(holdTime="2s"), "holdTime must be 0 or at least 3s"),
    ("FRRConfiguration", neighbor(holdTime="70000s"), "holdTime must be at most 65535s"),
    (
        "FRRConfiguration",
        neighbor(holdTime="30s", keepaliveTime="31s"),
        "keepaliveTime must not be greater than holdTime",
    ),
    ("FRRConfiguration", neighbor(keepaliveTime="70000s"), "keepaliveTime must be at most 65535s"),
    ("FRRConfiguration", neighbor(connectTime="0s"), "connectTime must be between 1s and 65535s"),
    (
        "FRRConfiguration",
        neighbor(password="a", passwordSecret={"name": "s"}),
        "password and passwordSecret are mutually exclusive",
    ),
    ("FRRConfiguration", neighbor(dynamicASN="external"), "exactly one of asn and dynamicASN must be set"),
    ("FRRConfiguration", neighbor(interface="eth0"), "exactly one of address and interface must be set"),
    ("FRRConfiguration", neighbor(address="fe80::1::2"), "must be an IPv4 or IPv6 address"),
    # Issue 11: an IPv6 zone carried any text, a newline and a neighbor of the attacker's choice included.
    (
        "FRRConfiguration",
        neighbor(address="::1%x\nneighbor 6.6.6.6 remote-as 666\n!"),
        "must be an IPv4 or IPv6 address",
    ),
    ("FRRConfiguration", neighbor(address="::ffff:192.0.2.1"), "must be an IPv4 or IPv6 address"),
    (
        "FRRConfiguration",
        {"bgp": {"routers": [{"asn": 64512, "id": "2001:db8::1"}]}},
        "must be an IPv4 address (a BGP router ID)",
    ),
    (
        "FRRConfiguration",
        neighbor(toReceive={"allowed": {"prefixes": [{"prefix": "10.0.0.0/8", "ge": 24, "le": 16}]}}),
        "ge must be less than or equal to le",
    ),
    # Finding 9: `NotIn` with no values selected every Router; Kubernetes refuses such a selector.
    (
        "FRRConfiguration",
        {"routerSelector": {"matchExpressions": [{"key": "site", "operator": "NotIn"}]}},
        "values must not be empty for In and NotIn, and must be empty for Exists and DoesNotExist",
    ),
    (
        "FirewallPolicy",
        {"routerSelector": {"matchExpressions": [{"key": "site", "operator": "Exists", "values": ["a"]}]}},
        "values must not be empty for In and NotIn, and must be empty for Exists and DoesNotExist",
    ),
    (
        "FirewallPolicy",
        {"allow": [{"name": "p", "protocol": "icmp", "ports": [1], "destinations": ["10.0.0.1/32"]}]},
        "icmp and icmpv6 rules have no ports",
    ),
    (
        "FirewallPolicy",
        {"rateLimits": [{"destination": "203.0.113.0/24", "protocol": "tcp", "port": 80, "rate": "1 mbytes/second"}]},
        "must be an IP address or a host prefix (/32 or /128)",
    ),
    (
        "FirewallPolicy",
        {"allow": [{"name": "p", "protocol": "tcp", "ports": [70000], "destinations": ["10.0.0.1/32"]}]},
        "must be a port (1-65535) or a range such as 8000-8080",
    ),
    (
        "FirewallPolicy",
        {"allow": [{"name": "p", "protocol": "tcp", "ports": ["80-x"], "destinations": ["10.0.0.1/32"]}]},
        "must be a port (1-65535) or a range such as 8000-8080",
    ),
]


def _object(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    metadata = {"name": "x"} if kind == "Router" else {"name": "x", "namespace": "default"}
    return {"apiVersion": "frr-edge.dev/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}


@pytest.mark.parametrize(("kind", "spec", "message"), INVALID, ids=[m for _, _, m in INVALID])
def test_each_cel_rule_rejects_its_invalid_object_and_the_model_agrees(
    kind: str, spec: dict[str, Any], message: str
) -> None:
    document = _object(kind, spec)
    assert message in [found for _, found in violations(schema(kind), document)]
    with pytest.raises(ValidationError):
        MODELS[kind].model_validate(document)


def test_every_cel_rule_has_an_invalid_example() -> None:
    messages = {
        validation["message"]
        for crd in CRDS.values()
        for _, node in _walk(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"], "")
        for validation in node.get("x-kubernetes-validations", [])
    }
    assert messages == {message for _, _, message in INVALID}


def test_samples_pass_every_cel_rule() -> None:
    yaml = YAML(typ="safe")
    checked = 0
    for path in sorted((REPO / "samples").rglob("*.yaml")):
        for document in yaml.load_all(path.read_text()):
            if document and document.get("kind") in MODELS and document["apiVersion"].startswith("frr-edge.dev/"):
                assert violations(schema(document["kind"]), document) == [], path
                checked += 1
    assert checked >= 4


@pytest.mark.parametrize(
    ("selector", "why"),
    [
        ({"prefix": "10.0.0.0/8", "le": 33}, "le must be at most 32 for IPv4"),
        ({"prefix": "10.0.0.0/16", "ge": 8}, "ge must be at least the prefix length"),
        ({"prefix": "10.0.0.0/16", "le": 8}, "le must be at least the prefix length"),
    ],
)
def test_bounds_relative_to_the_prefix_are_checked_by_frr_edge_not_cel(selector: dict[str, Any], why: str) -> None:
    # A CEL rule parsing the prefix costs too much for the API server across 8 x 2000 x 32 selectors;
    # frr-edge refuses these at conversion, so they never reach a router (and RouterState says why).
    document = _object("FRRConfiguration", neighbor(toReceive={"allowed": {"prefixes": [selector]}}))
    assert violations(schema("FRRConfiguration"), document) == []
    with pytest.raises(ValidationError, match=why):
        FRRConfiguration.model_validate(document)


def test_a_keepalive_equal_to_the_hold_time_passes_the_cel_rule_and_the_model() -> None:
    # FRR-K8s (parseTimers) and MetalLB refuse only a keepalive greater than the hold time.
    document = _object("FRRConfiguration", neighbor(holdTime="30s", keepaliveTime="30s"))
    assert violations(schema("FRRConfiguration"), document) == []
    FRRConfiguration.model_validate(document)


@given(
    operator=st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
    values=st.none() | st.lists(st.sampled_from(["a", "b", ""]), max_size=3),
    kind=st.sampled_from(["FRRConfiguration", "FirewallPolicy"]),
)
def test_a_requirement_is_refused_exactly_when_kubernetes_refuses_it_by_cel_and_by_the_model(
    operator: str, values: list[str] | None, kind: str
) -> None:
    # apimachinery's LabelSelectorAsSelector: In and NotIn need values, Exists and DoesNotExist take none.
    requirement = {"key": "site", "operator": operator, **({} if values is None else {"values": values})}
    document = _object(kind, {"routerSelector": {"matchExpressions": [requirement]}})
    kubernetes_accepts = (operator in ("In", "NotIn")) == bool(values)
    assert (violations(schema(kind), document) == []) == kubernetes_accepts
    try:
        MODELS[kind].model_validate(document)
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert model_accepts == kubernetes_accepts
