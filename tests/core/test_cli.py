"""The offline CLI contract: output sections, exit codes 0/2/3, and messages that point at the problem."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.core.builders import ROUTER, frr_configuration

REPO = Path(__file__).resolve().parents[2]


def frr_edge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "controller", *args], capture_output=True, text=True, cwd=REPO, check=False
    )


def write(tmp_path: Path, name: str, *documents: str) -> Path:
    path = tmp_path / name
    path.write_text("\n---\n".join(documents))
    return path


OTHER_ROUTER = ROUTER.replace("name: edge-1", "name: edge-2").replace("site: lab", "site: other")


def test_render_samples_prints_each_routers_frr_config_and_ruleset_headed_by_its_name() -> None:
    result = frr_edge("render", "-f", "samples/")
    assert result.returncode == 0, result.stderr
    assert "! frr-edge: desired FRR configuration of router edge-1" in result.stdout
    assert "# frr-edge: desired nftables ruleset of router edge-1" in result.stdout
    assert "router bgp 64512" in result.stdout and "table inet frr_edge {" in result.stdout


def test_render_is_byte_identical_across_runs() -> None:
    assert frr_edge("render", "-f", "samples/").stdout == frr_edge("render", "-f", "samples/").stdout


def test_output_selects_the_part(tmp_path: Path) -> None:
    frr = frr_edge("render", "-f", "samples/", "--output", "frr").stdout
    nft = frr_edge("render", "-f", "samples/", "--output", "nft").stdout
    assert "router bgp" in frr and "table inet" not in frr
    assert "table inet" in nft and "router bgp" not in nft
    document = json.loads(frr_edge("render", "-f", "samples/", "--output", "json").stdout)
    assert [router["name"] for router in document["routers"]] == ["edge-1", "edge-dc1", "edge-legacy"]


def test_invalid_field_exits_2_with_file_document_kind_name_field_and_why(tmp_path: Path) -> None:
    bad = frr_configuration("bad", "bgp: {routers: [{asn: 64512, neighbors: [{address: 192.0.2.300, asn: 1}]}]}", "ns")
    path = write(tmp_path, "in.yaml", ROUTER, bad)
    result = frr_edge("validate", "-f", str(path))
    assert result.returncode == 2
    assert f"{path}#1 FRRConfiguration ns/bad: spec.bgp.routers[0].neighbors[0].address: " in result.stderr
    assert "'192.0.2.300' is not an IPv4 or IPv6 address" in result.stderr
    assert result.stdout == ""


def test_conflict_exits_3_names_both_objects_and_other_routers_still_render(tmp_path: Path) -> None:
    first = frr_configuration("a", "routerSelector: {matchLabels: {site: lab}}\nbgp: {routers: [{asn: 64512}]}", "x")
    second = frr_configuration("b", "routerSelector: {matchLabels: {site: lab}}\nbgp: {routers: [{asn: 64513}]}", "y")
    path = write(tmp_path, "in.yaml", ROUTER, OTHER_ROUTER, first, second)
    result = frr_edge("render", "-f", str(path))
    assert result.returncode == 3
    assert "router edge-1 not rendered" in result.stderr
    assert "x/a" in result.stderr and "y/b" in result.stderr and "asn" in result.stderr
    assert "router edge-2" in result.stdout and "router edge-1" not in result.stdout


def test_invalid_config_spoils_only_the_routers_it_selects(tmp_path: Path) -> None:
    bad = frr_configuration("bad", "routerSelector: {matchLabels: {site: other}}\nbgp: {routers: [{asn: 0}]}")
    path = write(tmp_path, "in.yaml", ROUTER, OTHER_ROUTER, bad)
    result = frr_edge("render", "-f", str(path))
    assert result.returncode == 2
    assert "spec.bgp.routers[0].asn: 0 is not an AS number" in result.stderr
    assert "router edge-2 not rendered" in result.stderr
    assert "router edge-1" in result.stdout


def test_a_router_selector_kubernetes_refuses_exits_2_instead_of_selecting_every_router(tmp_path: Path) -> None:
    # Finding 9: `NotIn` with no values matched every Router, including ones of another site.
    everywhere = frr_configuration(
        "everywhere",
        "routerSelector: {matchExpressions: [{key: frr-edge.dev/site, operator: NotIn}]}\n"
        "raw: {rawConfig: 'ip prefix-list all seq 5 permit 198.51.100.0/24'}",
        "shop",
    )
    path = write(tmp_path, "in.yaml", ROUTER, OTHER_ROUTER, everywhere)
    result = frr_edge("render", "-f", str(path))
    assert result.returncode == 2
    assert (
        f"{path}#2 FRRConfiguration shop/everywhere: spec.routerSelector.matchExpressions[0]: "
        "values: operator NotIn needs at least one value"
    ) in result.stderr
    assert "prefix-list all" not in result.stdout


def test_router_flag_limits_output_and_unknown_router_is_an_error() -> None:
    assert frr_edge("render", "-f", "samples/", "--router", "edge-1").returncode == 0
    missing = frr_edge("render", "-f", "samples/", "--router", "nope")
    assert missing.returncode == 2 and "no valid Router named 'nope'" in missing.stderr


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [unclosed\n")
    result = frr_edge("validate", "-f", str(broken))
    assert result.returncode == 2 and "not valid YAML" in result.stderr
    assert frr_edge("validate", "-f", str(tmp_path / "absent.yaml")).returncode == 2


def test_validate_is_silent_on_success_and_only_warns_about_skipped_parts() -> None:
    result = frr_edge("validate", "-f", "samples/core")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    warned = frr_edge("validate", "-f", "samples/")
    assert warned.returncode == 0 and warned.stdout == ""
    assert all(line.startswith("frr-edge: warning: ") for line in warned.stderr.splitlines())
    assert "Service shop/legacy-limited: annotation ratelimit ignored" in warned.stderr


def test_the_same_object_twice_in_the_input_is_refused(tmp_path: Path) -> None:
    config = frr_configuration("twice", "bgp: {routers: [{asn: 64512}]}", "ns")
    path = write(tmp_path, "in.yaml", ROUTER, config, config.replace("64512", "64513"))
    result = frr_edge("validate", "-f", str(path))
    assert result.returncode == 2
    assert (
        f"{path}#2 FRRConfiguration ns/twice: metadata.name: the same object is also defined at {path}#1"
        in result.stderr
    )
