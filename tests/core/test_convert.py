"""`frr-edge convert`: an FRR-K8s FRRConfiguration becomes an frr-edge one with the same spec and a
routerSelector the user chose; `render`/`validate` say when they meet an FRR-K8s object instead of
ignoring it without a word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from controller.api import LabelSelector
from controller.convert import SelectorError, parse_selector
from tests.core.builders import ROUTER
from tests.core.test_cli import frr_edge, write

# As exported from a current FRR-K8s cluster: the API server filled in the defaults (addressFamilies, modes).
FRRK8S_CONFIGURATION = """
apiVersion: frrk8s.metallb.io/v1beta1
kind: FRRConfiguration
metadata:
  name: uplink
  namespace: frr-k8s-system
  uid: 0f3c9a52-0000-4000-8000-000000000001
  resourceVersion: "4711"
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{}"
    team: network
spec:
  nodeSelector:
    matchLabels: {kubernetes.io/hostname: worker-3}
  bgp:
    routers:
      - asn: 64512
        prefixes: [198.51.100.0/24]
        neighbors:
          - address: 192.0.2.11
            asn: 64513
            addressFamilies: [unicast]
            disableMP: false
            dualStackAddressFamily: false
            toAdvertise: {allowed: {mode: filtered, prefixes: [198.51.100.0/24]}}
            toReceive: {allowed: {mode: filtered}}
status: {}
"""


def converted(stdout: str) -> list[dict[str, object]]:
    return list(YAML(typ="safe").load_all(stdout))


def test_convert_keeps_the_spec_replaces_the_node_selector_and_leaves_cluster_metadata_behind(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "frrk8s.yaml", FRRK8S_CONFIGURATION)
    result = frr_edge("convert", "-f", str(path), "--router-selector", "site=lab")
    assert result.returncode == 0, result.stderr
    (document,) = converted(result.stdout)
    assert document["apiVersion"] == "frr-edge.dev/v1alpha1"
    assert document["metadata"] == {"name": "uplink", "namespace": "frr-k8s-system", "annotations": {"team": "network"}}
    spec = document["spec"]
    assert isinstance(spec, dict)
    assert spec["routerSelector"] == {"matchLabels": {"site": "lab"}}
    assert "nodeSelector" not in spec and "status" not in document
    assert spec["bgp"]["routers"][0]["neighbors"][0]["addressFamilies"] == ["unicast"]
    assert "spec.nodeSelector selected nodes and is dropped" in result.stderr


def test_the_converted_configuration_renders_for_the_selected_router(tmp_path: Path) -> None:
    source = write(tmp_path, "frrk8s.yaml", FRRK8S_CONFIGURATION)
    result = frr_edge("convert", "-f", str(source), "--router-selector", "site=lab")
    write(tmp_path, "converted.yaml", result.stdout)
    write(tmp_path, "router.yaml", ROUTER)
    source.unlink()
    rendered = frr_edge("render", "-f", str(tmp_path), "--output", "frr")
    assert rendered.returncode == 0, rendered.stderr
    assert "neighbor 192.0.2.11 remote-as 64513" in rendered.stdout
    advertised = r"^ip prefix-list frr-edge-[0-9a-f]+-out-v4 seq 5 permit 198\.51\.100\.0/24$"
    assert re.search(advertised, rendered.stdout, re.MULTILINE)


def test_the_router_selector_must_be_given_node_labels_are_never_reused(tmp_path: Path) -> None:
    path = write(tmp_path, "frrk8s.yaml", FRRK8S_CONFIGURATION)
    result = frr_edge("convert", "-f", str(path))
    assert result.returncode == 2
    assert "--router-selector" in result.stderr
    every_router = frr_edge("convert", "-f", str(path), "--router-selector", "")
    assert every_router.returncode == 0
    assert converted(every_router.stdout)[0]["spec"]["routerSelector"] == {}  # type: ignore[index]


def test_a_configuration_frr_edge_refuses_is_named_with_its_field(tmp_path: Path) -> None:
    ipv6_router_id = FRRK8S_CONFIGURATION.replace("- asn: 64512\n", "- asn: 64512\n        id: '2001:db8::1'\n")
    path = write(tmp_path, "frrk8s.yaml", ipv6_router_id)
    result = frr_edge("convert", "-f", str(path), "--router-selector", "site=lab")
    assert result.returncode == 2
    assert "frrk8s.yaml#0 FRRConfiguration frr-k8s-system/uplink: spec.bgp.routers[0].id:" in result.stderr


def test_input_without_frr_k8s_configurations_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "router.yaml", ROUTER)
    result = frr_edge("convert", "-f", str(path), "--router-selector", "site=lab")
    assert result.returncode == 2
    assert "no FRR-K8s FRRConfiguration (frrk8s.metallb.io/v1beta1) in the input" in result.stderr


def test_render_says_it_ignores_an_frr_k8s_object_and_renders_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.yaml", ROUTER, FRRK8S_CONFIGURATION)
    result = frr_edge("render", "-f", str(path), "--output", "frr")
    assert result.returncode == 0
    assert "router bgp" not in result.stdout
    assert (
        f"frr-edge: warning: {path}#1 FRRConfiguration frr-k8s-system/uplink: ignored: this is FRR-K8s's "
        "frrk8s.metallb.io/v1beta1, not frr-edge's frr-edge.dev/v1alpha1; `frr-edge convert" in result.stderr
    )


@pytest.mark.parametrize(
    ("text", "selector"),
    [
        ("", {}),
        ("site=dc1", {"matchLabels": {"site": "dc1"}}),
        ("site==dc1, frr-edge.dev/role=edge", {"matchLabels": {"site": "dc1", "frr-edge.dev/role": "edge"}}),
        ("site!=dc2", {"matchExpressions": [{"key": "site", "operator": "NotIn", "values": ["dc2"]}]}),
        (
            "tier in (edge, core),zone notin (a)",
            {
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["edge", "core"]},
                    {"key": "zone", "operator": "NotIn", "values": ["a"]},
                ]
            },
        ),
        (
            "edge,!legacy",
            {
                "matchExpressions": [
                    {"key": "edge", "operator": "Exists"},
                    {"key": "legacy", "operator": "DoesNotExist"},
                ]
            },
        ),
    ],
)
def test_router_selectors_read_as_kubectl_reads_them(text: str, selector: dict[str, object]) -> None:
    assert parse_selector(text) == LabelSelector.model_validate(selector)


@pytest.mark.parametrize("text", ["site=dc1=x", "tier in edge", "a b", "site=dc1,site=dc2", "tier in (a b)", ","])
def test_a_selector_kubectl_would_refuse_is_refused(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


@pytest.mark.parametrize(
    ("place", "value", "field"),
    [
        ("metadata", 5, "metadata"),
        ("metadata", None, "metadata"),
        ("annotations", None, "metadata.annotations"),  # `annotations:` left empty
        ("annotations", ["team"], "metadata.annotations"),
        ("spec", "x", "spec"),
        ("spec", [1], "spec"),
    ],
)
def test_metadata_or_spec_of_the_wrong_shape_is_named_not_a_crash(
    tmp_path: Path, place: str, value: object, field: str
) -> None:
    document = YAML(typ="safe").load(FRRK8S_CONFIGURATION)
    if place == "annotations":
        document["metadata"]["annotations"] = value
    else:
        document[place] = value
    path = tmp_path / "frrk8s.yaml"
    YAML(typ="safe").dump(document, path)
    result = frr_edge("convert", "-f", str(path), "--router-selector", "site=lab")
    assert result.returncode == 2, result.stderr
    name = "default/<no name>" if place == "metadata" else "frr-k8s-system/uplink"
    assert f"frrk8s.yaml#0 FRRConfiguration {name}: {field}:" in result.stderr
